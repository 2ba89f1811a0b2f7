/**
 * Registers the trigger's production URL as the HANDLER of a Bitrix24 application action or robot
 * when the workflow is activated, and removes it when the workflow is deactivated.
 *
 * Bitrix24's `bizproc.activity.list` / `bizproc.robot.list` give only the codes, not the HANDLER, so
 * "exists" means: the code is listed AND this node registered it with exactly the current fields
 * (HANDLER included), as recorded in the node's static data. Anything else is (re-)registered: add,
 * or update when the code is already installed, so a changed URL or property list is always sent.
 */
import { createHash } from 'crypto';

import { NodeOperationError, type IDataObject, type IHookFunctions } from 'n8n-workflow';

import { callBitrix24 } from './callBitrix24';

export type RegisterAs = 'action' | 'robot' | 'none';

export const CODE_PATTERN = /^[a-z0-9.\-_]+$/i;
const PROPERTY_KEY_PATTERN = /^[a-z][a-z0-9_]*$/i;

interface PropertyRow {
	key?: string;
	displayName?: string;
	description?: string;
	type?: string;
	required?: boolean;
	multiple?: boolean;
	default?: string;
}

interface Registration {
	kind: 'activity' | 'robot';
	code: string;
	handler: string;
	fingerprint: string;
}

interface Plan {
	kind: 'activity' | 'robot';
	code: string;
	handler: string;
	fields: IDataObject;
	fingerprint: string;
}

const REGISTRATION_RECORD = 'bitrix24Registration';

/** Test webhooks ("Listen for test event") never change what the portal has registered. */
function isTestRun(context: IHookFunctions): boolean {
	return context.getMode() === 'manual' || context.getActivationMode() === 'manual';
}

function registerAsOf(context: IHookFunctions): RegisterAs {
	if (context.getNodeParameter('authentication', 'webhook') !== 'oAuth2') return 'none';
	const value = context.getNodeParameter('registerAs', 'action') as string;
	return value === 'robot' ? 'robot' : value === 'none' ? 'none' : 'action';
}

/** Bitrix24's PROPERTIES / RETURN_PROPERTIES from the node's rows; clear errors for bad keys. */
export function propertiesFromRows(context: Pick<IHookFunctions, 'getNode'>, rows: PropertyRow[], label: string): IDataObject {
	const properties: IDataObject = {};
	for (const row of rows) {
		const key = (row.key ?? '').trim();
		if (!PROPERTY_KEY_PATTERN.test(key)) {
			throw new NodeOperationError(context.getNode(), `${label}: "${key}" is not a valid property code`, {
				description: 'A property code starts with a Latin letter and has only Latin letters, digits and _ (e.g. order_id). It is the key you read later as properties.<code>.',
			});
		}
		if (Object.prototype.hasOwnProperty.call(properties, key)) {
			throw new NodeOperationError(context.getNode(), `${label}: the property code "${key}" appears twice`, {
				description: 'Each property needs its own code.',
			});
		}
		const property: IDataObject = {
			Name: (row.displayName ?? '').trim() || key,
			Type: row.type || 'string',
			Required: row.required ? 'Y' : 'N',
			Multiple: row.multiple ? 'Y' : 'N',
		};
		if (row.description) property.Description = row.description;
		if (row.default !== undefined && row.default !== '') property.Default = row.default;
		Object.defineProperty(properties, key, { value: property, enumerable: true, writable: true, configurable: true });
	}
	return properties;
}

function rowsOf(context: IHookFunctions, name: string): PropertyRow[] {
	const collection = context.getNodeParameter(name, {}) as { property?: PropertyRow[] };
	return Array.isArray(collection.property) ? collection.property : [];
}

function planOf(context: IHookFunctions, registerAs: 'action' | 'robot'): Plan {
	const node = context.getNode();
	const code = String(context.getNodeParameter('activityCode', '')).trim();
	if (!CODE_PATTERN.test(code)) {
		throw new NodeOperationError(node, code === '' ? 'Enter a Code for the action' : `The Code "${code}" is not valid`, {
			description: 'The Code may contain only Latin letters, digits, dot, hyphen and underscore (e.g. n8n_check_order). Bitrix24 uses it to tell actions apart.',
		});
	}
	const name = String(context.getNodeParameter('activityName', '')).trim();
	if (name === '') {
		throw new NodeOperationError(node, 'Enter a Name for the action', {
			description: 'The Name is what people see in the business process designer.',
		});
	}
	const handler = context.getNodeWebhookUrl('default');
	if (!handler) throw new NodeOperationError(node, 'n8n did not give this trigger a webhook URL to register');
	const fields: IDataObject = {
		CODE: code,
		HANDLER: handler,
		NAME: name,
		DESCRIPTION: String(context.getNodeParameter('activityDescription', '')),
		USE_SUBSCRIPTION: 'Y',
		PROPERTIES: propertiesFromRows(context, rowsOf(context, 'inputProperties'), 'Properties'),
		RETURN_PROPERTIES: propertiesFromRows(context, rowsOf(context, 'returnProperties'), 'Return Properties'),
	};
	const kind = registerAs === 'robot' ? 'robot' : 'activity';
	const fingerprint = createHash('sha256').update(JSON.stringify([kind, fields])).digest('hex');
	return { kind, code, handler, fields, fingerprint };
}

/** The Bitrix24 error code named in an error from callBitrix24 (its message ends "(CODE)" or names it). */
export function bitrix24CodeOf(error: unknown): string | undefined {
	const message = error instanceof Error ? error.message : String(error);
	return /\b(ERROR_[A-Z_]+|ACCESS_DENIED)\b/.exec(message)?.[1];
}

function listedEntry(result: unknown, code: string): { found: boolean; handler?: string } {
	const entries = Array.isArray(result) ? result : result && typeof result === 'object' ? Object.values(result as IDataObject) : [];
	for (const entry of entries) {
		if (typeof entry === 'string' && entry === code) return { found: true };
		if (entry && typeof entry === 'object') {
			const fields = entry as IDataObject;
			const entryCode = fields.CODE ?? fields.code;
			if (entryCode === code) {
				const handler = fields.HANDLER ?? fields.handler;
				return { found: true, handler: typeof handler === 'string' ? handler : undefined };
			}
		}
	}
	return { found: false };
}

function storedRegistration(context: IHookFunctions): Registration | undefined {
	const stored = context.getWorkflowStaticData('node')[REGISTRATION_RECORD] as Registration | undefined;
	return stored && typeof stored.code === 'string' ? stored : undefined;
}

export async function registrationExists(context: IHookFunctions): Promise<boolean> {
	if (isTestRun(context)) return true;
	const registerAs = registerAsOf(context);
	if (registerAs === 'none') {
		if (context.getNodeParameter('authentication', 'webhook') !== 'oAuth2') {
			context.logger.info(
				'Bitrix24 Bizproc Trigger: a webhook credential cannot register actions; register the production URL as the HANDLER by hand (bizproc.activity.add from an application, USE_SUBSCRIPTION Y)',
				{ workflowId: context.getWorkflow().id, node: context.getNode().name },
			);
		}
		return true;
	}
	const plan = planOf(context, registerAs);
	const listed = listedEntry(await callBitrix24(context, `bizproc.${plan.kind}.list`, {}), plan.code);
	if (!listed.found) return false;
	if (listed.handler !== undefined && listed.handler !== plan.handler) return false;
	return storedRegistration(context)?.fingerprint === plan.fingerprint;
}

function explainRegistrationError(context: IHookFunctions, error: unknown, plan: Plan): Error {
	const code = bitrix24CodeOf(error);
	const what = plan.kind === 'robot' ? 'robot' : 'action';
	if (code === 'ERROR_WRONG_HANDLER_URL' || code === 'ERROR_UNSUPPORTED_PROTOCOL') {
		return new NodeOperationError(context.getNode(), `Bitrix24 refused this trigger's URL as the ${what}'s handler (${code})`, {
			description: `Bitrix24 accepts only an http(s) handler on the domain the application is installed with. The URL was ${plan.handler}. Make n8n reachable under that domain (WEBHOOK_URL), or change the application's address in Bitrix24.`,
		});
	}
	if (code === 'ACCESS_DENIED') {
		return new NodeOperationError(context.getNode(), `Bitrix24 did not allow registering the ${what} (ACCESS_DENIED)`, {
			description: 'Registering actions and robots needs a Bitrix24 application (this OAuth2 credential) connected by a portal administrator. Reconnect the credential as an administrator.',
		});
	}
	return error instanceof Error ? error : new NodeOperationError(context.getNode(), String(error));
}

export async function createRegistration(context: IHookFunctions): Promise<boolean> {
	if (isTestRun(context)) return true;
	const registerAs = registerAsOf(context);
	if (registerAs === 'none') {
		if (context.getNodeParameter('authentication', 'webhook') !== 'oAuth2') {
			throw new NodeOperationError(context.getNode(), 'Registering a Bitrix24 action needs the OAuth2 (application) credential', {
				description: "With a webhook credential, register the action by hand: call bizproc.activity.add from your application with HANDLER = this node's Production URL and USE_SUBSCRIPTION = Y.",
			});
		}
		return true;
	}
	const plan = planOf(context, registerAs);
	try {
		await callBitrix24(context, `bizproc.${plan.kind}.add`, plan.fields);
	} catch (error) {
		if (bitrix24CodeOf(error) !== 'ERROR_ACTIVITY_ALREADY_INSTALLED') throw explainRegistrationError(context, error, plan);
		const { CODE, ...changes } = plan.fields;
		try {
			await callBitrix24(context, `bizproc.${plan.kind}.update`, { CODE, FIELDS: changes });
		} catch (updateError) {
			if (bitrix24CodeOf(updateError) === 'ERROR_ACTIVITY_NOT_FOUND') {
				const other = plan.kind === 'robot' ? 'an action' : 'a robot';
				throw new NodeOperationError(context.getNode(), `The code "${plan.code}" is already used by ${other} of this application`, {
					description: `Actions and robots share one set of codes. Choose another Code, or switch Register As to match the existing ${other === 'a robot' ? 'robot' : 'action'}.`,
				});
			}
			throw explainRegistrationError(context, updateError, plan);
		}
	}
	const registration: Registration = { kind: plan.kind, code: plan.code, handler: plan.handler, fingerprint: plan.fingerprint };
	context.getWorkflowStaticData('node')[REGISTRATION_RECORD] = registration as unknown as IDataObject;
	return true;
}

export async function deleteRegistration(context: IHookFunctions): Promise<boolean> {
	if (isTestRun(context)) return true;
	const staticData = context.getWorkflowStaticData('node');
	const stored = storedRegistration(context);
	let target: { kind: 'activity' | 'robot'; code: string } | undefined = stored;
	if (!target) {
		const registerAs = registerAsOf(context);
		if (registerAs === 'none') return true;
		const code = String(context.getNodeParameter('activityCode', '')).trim();
		if (!CODE_PATTERN.test(code)) return true;
		target = { kind: registerAs === 'robot' ? 'robot' : 'activity', code };
	}
	if (context.getNodeParameter('authentication', 'webhook') !== 'oAuth2') {
		// The credential was switched away from the application: nothing can be deleted with it.
		delete staticData[REGISTRATION_RECORD];
		return true;
	}
	try {
		await callBitrix24(context, `bizproc.${target.kind}.delete`, { CODE: target.code });
	} catch (error) {
		if (bitrix24CodeOf(error) !== 'ERROR_ACTIVITY_NOT_FOUND') {
			context.logger.warn(`Bitrix24 Bizproc Trigger: could not remove the ${target.kind === 'robot' ? 'robot' : 'action'} "${target.code}": ${(error as Error).message}`, {
				workflowId: context.getWorkflow().id,
				node: context.getNode().name,
			});
			return false;
		}
	}
	delete staticData[REGISTRATION_RECORD];
	return true;
}
