/**
 * One call of the portal to the trigger's URL: read it, check it comes from the application this
 * trigger trusts, drop repeats, and hand one item to the workflow. Refusals are answered here
 * (401 / 400 / 503) and start no execution; accepted calls are answered by n8n at once (onReceived).
 *
 * Trust: the Application Token in the credential, compared in constant time and kept in memory per
 * credential (applicationToken.ts: a burst of calls costs one credential read). An OAuth2 credential
 * without one (a first run: Bitrix24 shows the token nowhere but in its calls) asks the portal
 * instead (portalCheck.ts), and the item says how to enter the token.
 */
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { credentialTypeOf, usesApplication } from '../shared/credentialAccess';
import { checkApplicationToken } from './applicationToken';
import { verifyWithPortal, type PortalCheck } from './portalCheck';
import {
	RecentTokens,
	applicationTokenOf,
	authOf,
	eventTokenOf,
	normalizeDomain,
	parseHandlerRequest,
	secretsMatch,
	shapeHandlerItem,
} from './handlerCall';

export const DEFAULT_REPEAT_WINDOW_MINUTES = 10;

/** Event tokens already accepted, per workflow and node; only their SHA-256 hashes are kept. */
export const recentTokens = new RecentTokens();

interface TriggerOptions {
	includeAccessTokens?: boolean;
	checkMemberId?: string;
	checkDomain?: string;
	repeatWindowMinutes?: number;
}

/** Answers the call with an error status and Bitrix24's error shape; n8n sends nothing more and starts no execution. */
function answerWithError(context: IWebhookFunctions, status: 400 | 401 | 413 | 503, error: string, description: string): IWebhookResponseData {
	const res = context.getResponseObject();
	res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
	res.end(JSON.stringify({ error, error_description: description }));
	return { noWebhookResponse: true };
}

function logRefusal(context: IWebhookFunctions, reason: string): void {
	context.logger.warn(`Bitrix24 Bizproc Trigger refused a call: ${reason}`, {
		workflowId: context.getWorkflow().id,
		node: context.getNode().name,
	});
}

/**
 * The credential could not be read (n8n's database or pool): the call is neither genuine nor forged.
 * Answered 503, never 401, and logged at error level naming the business process: Bitrix24's queue
 * server does not send a handler call again (b24restdocs api-reference/events), so the process waits
 * until someone restarts it, and this line is how they learn which one. Accepting the call unchecked
 * instead would let anyone who knows the URL start the workflow whenever the database is slow.
 */
function cannotCheck(context: IWebhookFunctions, fields: IDataObject, error: Error): IWebhookResponseData {
	const documentId = Array.isArray(fields.document_id) ? fields.document_id.join(', ') : String(fields.document_id ?? '');
	context.logger.error(
		`Bitrix24 Bizproc Trigger could not check a call and answered 503: reading the credential failed (${error.message}). Bitrix24 does not send the call again: business process ${String(fields.workflow_id ?? '(unknown)')} on document ${documentId || '(unknown)'} waits at this action until it is restarted.`,
		{ workflowId: context.getWorkflow().id, node: context.getNode().name },
	);
	return answerWithError(context, 503, 'unavailable', "The call could not be checked: n8n could not read the trigger's credential. n8n's log names the business process.");
}

const UNAUTHORIZED = 'The call does not come from the Bitrix24 application this trigger trusts.';

/** Put into the item of a call the portal vouched for, while the credential has no Application Token. */
export const SETUP_HINT =
	"This call was checked by asking Bitrix24, because the credential has no Application Token. To check calls without that extra request, enter the token: turn on this trigger's Include Access Tokens option, run a business process once, copy auth.application_token from the execution into the credential's Application Token field, then turn the option off again.";

export async function receiveHandlerCall(context: IWebhookFunctions): Promise<IWebhookResponseData> {
	const request = context.getRequestObject() as ReturnType<IWebhookFunctions['getRequestObject']> & { rawBody?: Buffer | string };
	const parsed = parseHandlerRequest({ contentType: request.headers['content-type'], rawBody: request.rawBody, body: request.body });
	if (!parsed.ok && parsed.tooLarge) {
		logRefusal(context, `${parsed.problem}. Send fewer or shorter values in the action's properties.`);
		return answerWithError(context, 413, 'payload_too_large', `${parsed.problem}.`);
	}
	if (!parsed.ok) {
		logRefusal(context, `unreadable body (${parsed.problem})`);
		return answerWithError(context, 400, 'bad_request', `${parsed.problem}. A Bitrix24 handler call is a form with event_token, workflow_id, properties and auth.`);
	}
	const fields = parsed.fields;
	const eventToken = eventTokenOf(fields);
	if (eventToken === undefined) {
		logRefusal(context, 'the body has no event_token');
		return answerWithError(context, 400, 'bad_request', 'The body has no event_token. A Bitrix24 handler call is a form with event_token, workflow_id, properties and auth.');
	}

	let check;
	try {
		check = await checkApplicationToken(context, credentialTypeOf(context), applicationTokenOf(fields));
	} catch (error) {
		return cannotCheck(context, fields, error as Error);
	}
	let checkedByPortal = false;
	if (check === 'no-token' && usesApplication(context)) {
		let verdict: PortalCheck;
		try {
			verdict = await verifyWithPortal(context, authOf(fields));
		} catch (error) {
			verdict = { noVerdict: (error as Error).message };
		}
		if ('noVerdict' in verdict) {
			// No verdict in the time the check may ask (portalCheck.ts says why that long): refused, loudly,
			// as Bitrix24 never sends this call again and its business process now waits at the action.
			context.logger.error(
				`Bitrix24 Bizproc Trigger could not check a call with the portal and refused it (${verdict.noVerdict}). Bitrix24 does not send a call twice: business process ${String(fields.workflow_id ?? '')} waits at the action until its timeout; restart it in Bitrix24. Enter the Application Token in the credential so calls are checked without asking the portal.`,
				{ workflowId: context.getWorkflow().id, node: context.getNode().name },
			);
			return answerWithError(context, 503, 'unavailable', 'The call could not be checked with the portal. Enter the Application Token in the credential.');
		}
		if (!verdict.genuine) {
			logRefusal(context, `the portal did not vouch for it: ${verdict.reason}`);
			return answerWithError(context, 401, 'unauthorized', UNAUTHORIZED);
		}
		checkedByPortal = true;
	} else if (check === 'no-token') {
		logRefusal(
			context,
			'the credential has no Application Token. Enter the application_token Bitrix24 sends with every call to your application into the credential; until then every call is refused.',
		);
		return answerWithError(context, 401, 'unauthorized', UNAUTHORIZED);
	} else if (check === 'mismatch') {
		logRefusal(context, 'the application token is missing or wrong');
		return answerWithError(context, 401, 'unauthorized', UNAUTHORIZED);
	}

	const options = context.getNodeParameter('options', {}) as TriggerOptions;
	const auth = authOf(fields);
	const wantedMember = (options.checkMemberId ?? '').trim();
	if (wantedMember !== '' && !secretsMatch(typeof auth.member_id === 'string' ? auth.member_id.trim() : undefined, wantedMember)) {
		logRefusal(context, 'the call comes from another portal (member_id does not match Check Member ID)');
		return answerWithError(context, 401, 'unauthorized', UNAUTHORIZED);
	}
	const wantedDomain = normalizeDomain(options.checkDomain);
	if (wantedDomain !== '' && normalizeDomain(auth.domain) !== wantedDomain) {
		logRefusal(context, 'the call comes from another portal (domain does not match Check Domain)');
		return answerWithError(context, 401, 'unauthorized', UNAUTHORIZED);
	}

	const windowMinutes = Number(options.repeatWindowMinutes ?? DEFAULT_REPEAT_WINDOW_MINUTES);
	const triggerKey = `${context.getWorkflow().id ?? ''}:${context.getNode().id ?? context.getNode().name}`;
	if (recentTokens.seen(triggerKey, eventToken, Number.isFinite(windowMinutes) ? windowMinutes * 60_000 : 0)) {
		context.logger.info('Bitrix24 Bizproc Trigger: a repeated delivery of an accepted call was answered without a new execution', {
			workflowId: context.getWorkflow().id,
			node: context.getNode().name,
		});
		return { webhookResponse: { message: 'Already received' } as IDataObject };
	}

	const item = shapeHandlerItem(fields, { includeAccessTokens: options.includeAccessTokens === true });
	if (checkedByPortal) item.setup_hint = SETUP_HINT;
	return { workflowData: [[{ json: item }]] };
}
