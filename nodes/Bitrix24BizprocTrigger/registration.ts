/**
 * Registers the trigger's production URL as the HANDLER of a Bitrix24 application action or robot.
 *
 * When n8n calls the three hooks (read in n8n 2.41.1 and 1.123.81):
 * - activating: `checkExists`, then `create` when it said false (WebhookService.createWebhookIfNotExists);
 * - publishing an active workflow whose trigger changed: `delete` for the old version, then
 *   `checkExists`/`create` for the new one. 2.x does it for the changed trigger nodes only
 *   (WorkflowPublicationApplier: computeTriggerDiff, teardownOldVersionNodes, then activate); 1.x for
 *   every save of an active workflow (WorkflowService.update: ActiveWorkflowManager.remove, add('update'));
 * - deactivating: `delete` (2.x unpublish -> teardownOldVersionNodes; 1.x remove -> clearWebhooks);
 * - restarting: `checkExists`/`create` at most ('init'); never `delete`.
 * When `create` throws, n8n shows it and removes the trigger's webhook: 2.x tries 5 times (1, 2, 4, 8 s
 * apart; triggers/trigger-activation-retry.ts), then reports it (publication status, the editor's
 * "Problem publishing", an error-level log) and re-adds that trigger on the next publish; 1.x refuses
 * the save or activation with the error and turns the workflow off (WorkflowService update).
 * Both kinds of `delete` go through `webhookService.deleteWebhook(workflow, webhookData, 'internal',
 * 'update')` with a workflow built `active: true` from the active version (2.x
 * WebhookTriggerRegistrar.deregister, 1.x ActiveWorkflowManager.clearWebhooks): the hook cannot tell
 * a deactivation from a re-activation. So:
 * - `delete` leaves the registration alone, unless the user turned on Remove Registration on
 *   Deactivation (its description says that a publish then removes and re-adds it);
 * - `checkExists` always answers false and `create` checks and updates: nothing when the portal has
 *   exactly this registration, `update` when a field changed, `add` when it is missing.
 *
 * Bitrix24 lists only the codes of the application's actions, never their HANDLER. Which handler a
 * code belongs to is therefore recorded on the portal itself, in the application's settings
 * (`app.option`, one key per code): the handler and a fingerprint of the fields sent. Every n8n
 * process (queue mode, several mains, a second n8n) reads the same record, and a second workflow with
 * the same Code sees whose it is. n8n's static data would do neither: other workflows cannot read
 * it, and a 1.x editor save overwrites it.
 */
import { NodeOperationError, type IDataObject, type IHookFunctions } from 'n8n-workflow';

import { bitrix24CodeOf } from '../shared/bitrix24Errors';
import { callBitrix24 } from '../shared/callBitrix24';
import { readCredentials, usesApplication, WEBHOOK_TYPE } from '../shared/credentialAccess';
import { sha256 } from '../shared/sha256';

type RegisterAs = 'action' | 'robot' | 'none';
type Kind = 'activity' | 'robot';

const CODE_PATTERN = /^[a-z0-9.\-_]+$/i;
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

/** What is registered under a code, as recorded in the application's settings on the portal. */
interface Claim {
	kind: Kind;
	handler: string;
	fingerprint: string;
}

interface Plan extends Claim {
	code: string;
	fields: IDataObject;
}

/** The application setting that records who registered `code`. */
const claimKey = (code: string) => `n8n.handler.${code}`;

/** Test webhooks ("Listen for test event") never change what the portal has registered. */
function isTestRun(context: IHookFunctions): boolean {
	return context.getMode() === 'manual' || context.getActivationMode() === 'manual';
}

function registerAsOf(context: IHookFunctions): RegisterAs {
	if (!usesApplication(context)) return 'none';
	const value = context.getNodeParameter('registerAs', 'action') as string;
	return value === 'robot' ? 'robot' : value === 'none' ? 'none' : 'action';
}

const what = (kind: Kind) => (kind === 'robot' ? 'robot' : 'action');

/** Bitrix24's PROPERTIES / RETURN_PROPERTIES from the node's rows; clear errors for bad keys. */
function propertiesFromRows(context: Pick<IHookFunctions, 'getNode'>, rows: PropertyRow[], label: string): IDataObject {
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

function codeOf(context: IHookFunctions): string {
	const code = String(context.getNodeParameter('activityCode', '')).trim();
	if (!CODE_PATTERN.test(code)) {
		throw new NodeOperationError(context.getNode(), code === '' ? 'Enter a Code for the action' : `The Code "${code}" is not valid`, {
			description: 'The Code may contain only Latin letters, digits, dot, hyphen and underscore (e.g. n8n_check_order). Bitrix24 uses it to tell actions apart.',
		});
	}
	return code;
}

function handlerOf(context: IHookFunctions): string {
	const handler = context.getNodeWebhookUrl('default');
	if (!handler) throw new NodeOperationError(context.getNode(), 'n8n did not give this trigger a webhook URL to register');
	return handler;
}

/**
 * Why the portal would refuse `handler`, or undefined. Its rule (the core's rest module,
 * lib/handlerhelper.php HandlerHelper::checkCallback): the host PHP's parse_url reads must hold a dot
 * after its first character, else ERROR_WRONG_HANDLER_URL; then the scheme must be exactly http or
 * https, else ERROR_UNSUPPORTED_PROTOCOL. No domain is compared: 127.0.0.1 passes, localhost does not.
 */
export function handlerRefusal(handler: string): string | undefined {
	const parts = /^(?:([a-z][a-z0-9+.-]*):)?\/\/(?:[^/?#@]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(handler);
	const host = parts?.[2] ?? '';
	if (!(host.indexOf('.') > 0)) return host === '' ? 'it names no host' : `its host "${host}" has no dot after the first character`;
	if (parts?.[1] !== 'http' && parts?.[1] !== 'https') return 'it does not start with http:// or https:// in lower case';
	return undefined;
}

function planOf(context: IHookFunctions, registerAs: 'action' | 'robot'): Plan {
	const kind: Kind = registerAs === 'robot' ? 'robot' : 'activity';
	const code = codeOf(context);
	const name = String(context.getNodeParameter('activityName', '')).trim();
	if (name === '') {
		throw new NodeOperationError(context.getNode(), 'Enter a Name for the action', {
			description: 'The Name is what people see in the business process designer.',
		});
	}
	const handler = handlerOf(context);
	const refusal = handlerRefusal(handler);
	if (refusal) {
		// Checked before anything is sent: n8n's default address fails at once, in words that say what to do.
		throw new NodeOperationError(context.getNode(), `Bitrix24 would refuse this trigger's URL as the ${what(kind)}'s handler: ${refusal}`, {
			description: `The URL is ${handler}. Bitrix24 accepts only an http(s) handler whose host name holds a dot (a domain such as n8n.example.com, or an IP address), so n8n's default http://localhost:5678/ cannot be registered. Set WEBHOOK_URL to an address Bitrix24 can reach (e.g. https://n8n.example.com/) and restart n8n.`,
		});
	}
	const fields: IDataObject = {
		CODE: code,
		HANDLER: handler,
		NAME: name,
		DESCRIPTION: String(context.getNodeParameter('activityDescription', '')),
		USE_SUBSCRIPTION: 'Y',
		PROPERTIES: propertiesFromRows(context, rowsOf(context, 'inputProperties'), 'Properties'),
		RETURN_PROPERTIES: propertiesFromRows(context, rowsOf(context, 'returnProperties'), 'Return Properties'),
	};
	const fingerprint = sha256(JSON.stringify([kind, fields]), 'hex');
	return { kind, code, handler, fields, fingerprint };
}

async function isListed(context: IHookFunctions, kind: Kind, code: string): Promise<boolean> {
	const result = await callBitrix24(context, `bizproc.${kind}.list`, {});
	const entries = Array.isArray(result) ? result : result && typeof result === 'object' ? Object.values(result as IDataObject) : [];
	return entries.some((entry) => entry === code || (entry && typeof entry === 'object' && ((entry as IDataObject).CODE ?? (entry as IDataObject).code) === code));
}

/** One call; a failure with the code `tolerated` is an answer ('tolerated'), any other is thrown. */
async function callTolerating(context: IHookFunctions, method: string, body: IDataObject, tolerated: string): Promise<'done' | 'tolerated'> {
	try {
		await callBitrix24(context, method, body);
		return 'done';
	} catch (error) {
		if (bitrix24CodeOf(error) === tolerated) return 'tolerated';
		throw new NodeOperationError(context.getNode(), error as Error); // the same error: n8n returns a NodeOperationError as it is
	}
}

async function readClaim(context: IHookFunctions, code: string): Promise<Claim | undefined> {
	const stored = await callBitrix24(context, 'app.option.get', { option: claimKey(code) });
	let value: unknown = stored;
	if (typeof stored === 'string' && stored.startsWith('{')) {
		try {
			value = JSON.parse(stored);
		} catch {
			value = undefined;
		}
	}
	const claim = value as Partial<Claim> | null | undefined;
	return claim && typeof claim === 'object' && typeof claim.handler === 'string' ? (claim as Claim) : undefined;
}

/** Stored as JSON text: a portal that keeps option values only as text returns it intact. */
async function writeClaim(context: IHookFunctions, code: string, claim: Claim | ''): Promise<void> {
	await callBitrix24(context, 'app.option.set', { options: { [claimKey(code)]: claim === '' ? '' : JSON.stringify(claim) } });
}

function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return 'an unknown address';
	}
}

/** Two workflows with one Code would take the action from each other: refuse, naming whose it is. */
function takenError(context: IHookFunctions, plan: Plan, claim: Claim | undefined): NodeOperationError {
	const node = context.getNode();
	const fix = 'Choose another Code, or deactivate the workflow that uses it and remove the action there. To point the action at this workflow on purpose, turn on Take Over Existing Registration.';
	if (!claim) {
		return new NodeOperationError(node, `The Code "${plan.code}" is already registered in Bitrix24 by this application, not by this workflow`, {
			description: `Bitrix24 does not say which handler it calls. If this workflow should handle it (it was registered by hand, by an earlier version of this node or by another n8n), turn on Take Over Existing Registration. ${fix}`,
		});
	}
	return new NodeOperationError(node, `The Code "${plan.code}" is already registered for another handler (${hostOf(claim.handler)})`, {
		description: `When a business process reaches this ${what(claim.kind)}, Bitrix24 calls ${hostOf(claim.handler)}, another workflow or another n8n, not this workflow. ${fix}`,
	});
}

function explainRegistrationError(context: IHookFunctions, error: unknown, plan: Plan): NodeOperationError {
	const code = bitrix24CodeOf(error);
	if (code === 'ERROR_WRONG_HANDLER_URL' || code === 'ERROR_UNSUPPORTED_PROTOCOL') {
		return new NodeOperationError(context.getNode(), `Bitrix24 refused this trigger's URL as the ${what(plan.kind)}'s handler (${code})`, {
			description: `The URL was ${plan.handler}. ${(error as NodeOperationError).description ?? ''}`.trim(),
		});
	}
	if (code === 'ACCESS_DENIED') {
		return new NodeOperationError(context.getNode(), `Bitrix24 did not allow registering the ${what(plan.kind)} (ACCESS_DENIED)`, {
			description: 'Registering actions and robots needs a Bitrix24 application (this OAuth2 credential) connected by a portal administrator. Reconnect the credential as an administrator.',
		});
	}
	const explained = error instanceof NodeOperationError ? error : new NodeOperationError(context.getNode(), error as Error);
	if (code !== undefined) {
		// A failed call left the record as it was (see createRegistration): trying again repairs it.
		explained.description = `${explained.description ?? ''} The ${what(plan.kind)} in Bitrix24 is not up to date with this trigger. Activate the workflow again (or restart n8n) to send it again.`.trim();
	}
	return explained;
}

/** A code held by the other kind (actions and robots share one set of codes). */
async function otherKindError(context: IHookFunctions, plan: Plan): Promise<NodeOperationError> {
	const other: Kind = plan.kind === 'robot' ? 'activity' : 'robot';
	const node = context.getNode();
	if (await isListed(context, other, plan.code)) {
		return new NodeOperationError(node, `The code "${plan.code}" is already used by ${other === 'robot' ? 'a robot' : 'an action'} of this application`, {
			description: `Actions and robots share one set of codes. Choose another Code, or switch Register As to match the existing ${what(other)}.`,
		});
	}
	return new NodeOperationError(node, `The Code "${plan.code}" was registered by something else at the same moment`, {
		description: 'Another workflow registered the same Code while this one was being activated. Activate again to see whose it is.',
	});
}

/**
 * Without an Application Token in a webhook credential every call would be refused (a webhook cannot
 * ask the portal whether a call is genuine): say so when the workflow is activated, not in a log.
 */
async function requireApplicationToken(context: IHookFunctions): Promise<void> {
	if (usesApplication(context)) return; // the OAuth2 credential can check calls with the portal
	const credentials = await readCredentials(context, WEBHOOK_TYPE);
	if (typeof credentials.applicationToken === 'string' && credentials.applicationToken.trim() !== '') return;
	throw new NodeOperationError(context.getNode(), 'Enter the Application Token in the Bitrix24 Webhook API credential', {
		description:
			'Bitrix24 sends it with every call to your action (auth[application_token]); without it this trigger cannot tell the portal from anyone else and refuses every call. Find it in the ONAPPINSTALL event of the application that registered the action, or use the Bitrix24 OAuth2 API credential, which checks calls with the portal by itself.',
	});
}

export async function registrationExists(context: IHookFunctions): Promise<boolean> {
	if (isTestRun(context)) return true;
	await requireApplicationToken(context);
	if (registerAsOf(context) === 'none') return true;
	return false; // create() checks and updates: see the header
}

/** Makes the portal's registration match the node: nothing, `update` or `add`. */
export async function createRegistration(context: IHookFunctions): Promise<boolean> {
	if (isTestRun(context)) return true;
	const registerAs = registerAsOf(context);
	if (registerAs === 'none') {
		if (!usesApplication(context)) {
			throw new NodeOperationError(context.getNode(), 'Registering a Bitrix24 action needs the OAuth2 (application) credential', {
				description: "With a webhook credential, register the action by hand: call bizproc.activity.add from your application with HANDLER = this node's Production URL and USE_SUBSCRIPTION = Y.",
			});
		}
		return true;
	}
	const plan = planOf(context, registerAs);
	const record: Claim = { kind: plan.kind, handler: plan.handler, fingerprint: plan.fingerprint };
	// The record changes only after the portal accepted what it describes: a failed add or update
	// leaves it as it was, so the next activation, publish or restart finds the difference and sends
	// the change again; and a refused add never overwrites the record of whoever holds the Code.
	try {
		const [listed, claim] = await Promise.all([isListed(context, plan.kind, plan.code), readClaim(context, plan.code)]);
		if (listed) {
			const ours = claim?.handler === plan.handler;
			if (!ours && context.getNodeParameter('takeOverRegistration', false) !== true) throw takenError(context, plan, claim);
			if (ours && claim.kind === plan.kind && claim.fingerprint === plan.fingerprint) return true;
			const { CODE, ...changes } = plan.fields;
			await callBitrix24(context, `bizproc.${plan.kind}.update`, { CODE, FIELDS: changes });
			await writeClaim(context, plan.code, record); // failed: the next activation sends the same update again
			return true;
		}
		if ((await callTolerating(context, `bizproc.${plan.kind}.add`, plan.fields, 'ERROR_ACTIVITY_ALREADY_INSTALLED')) === 'tolerated') {
			throw await otherKindError(context, plan);
		}
	} catch (error) {
		throw explainRegistrationError(context, error, plan);
	}
	try {
		await writeClaim(context, plan.code, record);
		return true;
	} catch (error) {
		// Added without its record, the next activation would take the action for a stranger's: take the add back.
		await callBitrix24(context, `bizproc.${plan.kind}.delete`, { CODE: plan.code }).catch(() => undefined);
		throw explainRegistrationError(context, error, plan);
	}
}

/** Deactivation, or the first half of a re-activation (see the header): by default, nothing. */
export async function deleteRegistration(context: IHookFunctions): Promise<boolean> {
	if (isTestRun(context)) return true;
	const registerAs = registerAsOf(context);
	if (registerAs === 'none' || context.getNodeParameter('removeOnDeactivation', false) !== true) return true;
	const code = String(context.getNodeParameter('activityCode', '')).trim();
	if (!CODE_PATTERN.test(code)) return true;
	const kind: Kind = registerAs === 'robot' ? 'robot' : 'activity';
	const log = { workflowId: context.getWorkflow().id, node: context.getNode().name };
	try {
		const claim = await readClaim(context, code);
		if (claim?.handler !== handlerOf(context)) {
			// Taken over by another workflow (or never ours): removing it would break that one.
			context.logger.info(`Bitrix24 Bizproc Trigger: the ${what(kind)} "${code}" now calls another handler; it was left in place`, log);
			return true;
		}
		await callTolerating(context, `bizproc.${kind}.delete`, { CODE: code }, 'ERROR_ACTIVITY_NOT_FOUND'); // already gone is fine
		await writeClaim(context, code, ''); // there is no app.option delete; an empty value is "nobody's"
		return true;
	} catch (error) {
		context.logger.warn(`Bitrix24 Bizproc Trigger: could not remove the ${what(kind)} "${code}": ${(error as Error).message}`, log);
		return false;
	}
}
