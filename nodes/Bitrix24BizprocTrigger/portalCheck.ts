/**
 * A first run without the Application Token (OAuth2 credential only): the trigger asks the portal
 * whether a call is genuine.
 *
 * Each call carries an access token of the application that registered the action
 * (`auth[access_token]`). `app.info` with that token, sent to the credential's own portal address
 * (never to an address the call names), answers which application the token belongs to. A call is
 * genuine when that is the credential's application (same ID and CODE as `app.info` with the
 * credential's own token) and, when the call says, the same portal (`member_id`). A made-up token
 * gets an error, another application's token another answer, another portal's token an error.
 * That proves the caller holds a live access token of this application on this portal; any user's
 * token of the application passes, whoever sent the call.
 *
 * Only the portal's answer about the token is a verdict: 200 with the application, or a 400/401/403
 * error about the token. Anything else (QUERY_LIMIT_EXCEEDED, other 5xx, a web page, a timeout, a cut
 * connection) says nothing about the call: it is asked again, never remembered.
 *
 * Verdicts are kept per access token (as a hash) while the token lives; refusals a minute. Once the
 * portal vouched for a call, the hash of its `auth[application_token]` is kept in the trigger's
 * static data (saved by n8n with the workflow), and later calls carrying the same token are accepted
 * without asking. A call with another application token is asked about; a genuine one replaces the
 * kept hash (Bitrix24 gives the application a new token when it is updated).
 *
 * What forged calls can spend: at most CHECKS_BURST requests at once per credential, then one per
 * CHECK_EVERY_MS; a call past that is refused (503) without asking.
 */
import { randomUUID } from 'crypto';

import { sleep, type IDataObject, type IWebhookFunctions } from 'n8n-workflow';

import { APPLICATION_TYPE, readCredentials } from '../shared/credentialAccess';
import { portalRestUrl } from '../shared/portalAddress';
import { queueFor, type CallOutcome, type Transport } from '../shared/portalCallQueue';
import { transportFor, type Signer } from '../shared/portalTransport';
import { LeakyBucket, rateLimitOf } from '../shared/rateLimit';
import { sha256 } from '../shared/sha256';

type PortalVerdict = { genuine: true } | { genuine: false; reason: string };
/** A verdict, or why none could be had in time. */
export type PortalCheck = PortalVerdict | { noVerdict: string };

/**
 * How long a check may ask. The portal does not call the handler itself: its rest module hands the
 * call to Bitrix24's queue server (Bitrix\Rest\Event\ProviderOAuth::send ->
 * Bitrix\Rest\OAuth\Client::sendEvent, modules/rest/lib/oauth/client.php), and waits 10 s for that
 * server (Client::HTTP_SOCKET_TIMEOUT, HTTP_STREAM_TIMEOUT). How long the queue server waits for the
 * handler is not published; b24restdocs (api-reference/events/index.md) says a handler that fails or
 * does not answer is not called again, and slow handlers are called with a lower priority. So one
 * request may take ATTEMPT_TIMEOUT_MS: the first ask and the next one fit in those 10 s.
 *
 * Past that, nobody reads our answer, but the business process still waits for the workflow's
 * bizproc.event.send, not for the answer; refusing would lose it for ever (the queue server never
 * calls twice), and accepting unchecked would run forged calls whenever the portal is down. So the
 * check goes on asking, spaced by the plan, until LAST_ASK_MS (a Bitrix24 REST request's own limit),
 * and only then refuses, at error level.
 */
const LAST_ASK_MS = 60_000;
/** One app.info answers in well under a second; a request that takes longer is asked again. */
const ATTEMPT_TIMEOUT_MS = 4_000;
const REFUSAL_MEMORY_MS = 60_000;
const MAX_TOKEN_LIFETIME_MS = 3600_000;
const MAX_REMEMBERED = 10_000;
/** Portal checks per credential: this many at once, then one per CHECK_EVERY_MS. */
const CHECKS_BURST = 10;
const CHECK_EVERY_MS = 6_000;
/** Where the kept token's hash lives in the trigger's static data. */
const KEPT_TOKEN_KEY = 'verifiedApplicationTokenHash';

const timing = { lastAskMs: LAST_ASK_MS, attemptTimeoutMs: ATTEMPT_TIMEOUT_MS };

const verdicts = new Map<string, { verdict: PortalVerdict; until: number }>();
const applications = new Map<string, { id: unknown; code: unknown; until: number }>();
const checkBudgets = new Map<string, LeakyBucket>();

const hash = (text: string) => sha256(text, 'hex');

function remember(key: string, verdict: PortalVerdict, until: number): PortalVerdict {
	if (verdicts.size >= MAX_REMEMBERED) verdicts.delete(verdicts.keys().next().value as string);
	verdicts.set(key, { verdict, until });
	return verdict;
}

/** What an answer of `app.info` says: the application, a refusal of the token, or nothing (not a verdict). */
function readAnswer(outcome: CallOutcome): { info: IDataObject } | { refused: string } | { unknown: string } {
	if ('failure' in outcome) {
		const { failure } = outcome;
		// The portal judged the token: unknown, expired, or no application's (ACCESS_DENIED).
		if (failure.httpStatus !== undefined && [400, 401, 403].includes(failure.httpStatus) && failure.code !== 'NON_JSON_ANSWER') {
			return { refused: failure.code };
		}
		return { unknown: failure.code };
	}
	const info = (outcome.result ?? {}) as IDataObject;
	return info.ID === undefined ? { unknown: 'NO_APPLICATION_IN_ANSWER' } : { info };
}

/**
 * `app.info` through the nodes' call queue for this credential and portal (so it is spaced by the
 * same plan as the log lines, and a QUERY_LIMIT_EXCEEDED waits there), asked again after any answer
 * that is not a verdict, until `deadline`.
 */
async function askAppInfo(
	context: IWebhookFunctions,
	credentials: IDataObject,
	portalUrl: string,
	deadline: number,
	signer: Signer,
): Promise<{ info: IDataObject } | { refused: string } | { unknown: string }> {
	const queue = queueFor(`${APPLICATION_TYPE}:${context.getNode().credentials?.[APPLICATION_TYPE]?.id ?? ''}:${portalUrl}`, rateLimitOf(credentials));
	const transport: Transport = async (request) => {
		const timeout = Math.max(1, Math.min(timing.attemptTimeoutMs, deadline - performance.now()));
		return await transportFor(context, signer, { method: 'POST', baseURL: portalUrl, json: true, timeout })(request);
	};
	let answer: ReturnType<typeof readAnswer> = { unknown: 'NOT_ASKED' };
	for (let attempt = 1; deadline > performance.now(); attempt++) {
		// A key of its own: checks never wait for each other's requests, only for the plan.
		const outcome = await queue.submit({ method: 'app.info', params: {}, orderKey: randomUUID(), batchCommand: undefined, requestSettings: 'app.info check', maxWaitMs: deadline - performance.now(), send: transport });
		answer = readAnswer(outcome);
		if (!('unknown' in answer)) return answer;
		// Not a verdict: ask again a little later (the queue spaces it by the plan as well).
		await sleep(Math.min(500 * attempt, Math.max(0, deadline - performance.now())));
	}
	return answer;
}

/** The credential's own application, as `app.info` with the credential's token describes it. */
async function ownApplication(
	context: IWebhookFunctions,
	credentials: IDataObject,
	portalUrl: string,
	credentialKey: string,
	deadline: number,
): Promise<{ id: unknown; code: unknown } | { unknown: string }> {
	const known = applications.get(credentialKey);
	if (known && known.until > Date.now()) return known;
	// n8n signs with the credential's token and renews it after a 401.
	const answer = await askAppInfo(context, credentials, portalUrl, deadline, { credentialType: APPLICATION_TYPE });
	if ('refused' in answer) return { unknown: `the credential's own token was refused (${answer.refused}): reconnect the credential` };
	if ('unknown' in answer) return answer;
	const own = { id: answer.info.ID, code: answer.info.CODE, until: Date.now() + MAX_TOKEN_LIFETIME_MS };
	applications.set(credentialKey, own);
	return own;
}

function keptTokenHash(context: IWebhookFunctions): string | undefined {
	const kept = context.getWorkflowStaticData('node')[KEPT_TOKEN_KEY];
	return typeof kept === 'string' ? kept : undefined;
}

function keepToken(context: IWebhookFunctions, tokenHash: string | undefined): void {
	if (tokenHash === undefined) return;
	const staticData = context.getWorkflowStaticData('node');
	if (staticData[KEPT_TOKEN_KEY] !== tokenHash) staticData[KEPT_TOKEN_KEY] = tokenHash;
}

/** Whether this credential may spend one more portal check now (see the header). */
function mayCheck(credentialKey: string): boolean {
	let budget = checkBudgets.get(credentialKey);
	if (!budget) checkBudgets.set(credentialKey, (budget = new LeakyBucket({ burst: CHECKS_BURST + 1, drainPerSecond: 1000 / CHECK_EVERY_MS })));
	if (budget.waitMs() > 0) return false;
	budget.take();
	return true;
}

/** Decides about a call (see the header). Never throws. */
export async function verifyWithPortal(context: IWebhookFunctions, auth: IDataObject): Promise<PortalCheck> {
	const accessToken = typeof auth.access_token === 'string' ? auth.access_token.trim() : '';
	const credentials = await readCredentials(context, APPLICATION_TYPE);
	const portal = portalRestUrl(credentials.portalUrl);
	if (!portal.ok) return { noVerdict: portal.problem };

	// Verdicts hold for one application on one portal: two credentials never share them.
	const credentialKey = `${portal.url}\n${String(credentials.clientId ?? '')}`;
	const applicationToken = typeof auth.application_token === 'string' && auth.application_token !== '' ? auth.application_token : undefined;
	const tokenHash = applicationToken === undefined ? undefined : hash(`${credentialKey}\n${applicationToken}`);
	if (tokenHash !== undefined && tokenHash === keptTokenHash(context)) return { genuine: true };

	if (accessToken === '') return { genuine: false, reason: 'the call has no auth[access_token] to check' };
	const key = hash(`${credentialKey}\n${accessToken}`);
	const known = verdicts.get(key);
	if (known && known.until > Date.now()) {
		if (known.verdict.genuine) keepToken(context, tokenHash);
		return known.verdict;
	}

	const ownMember = (credentials.oauthTokenData as IDataObject | undefined)?.member_id;
	if (typeof ownMember === 'string' && typeof auth.member_id === 'string' && auth.member_id !== ownMember) {
		return remember(key, { genuine: false, reason: "the call's member_id is not the credential's portal" }, Date.now() + REFUSAL_MEMORY_MS);
	}
	if (!mayCheck(credentialKey)) {
		return { noVerdict: `more calls to check than the limit of ${CHECKS_BURST} at once and one per ${CHECK_EVERY_MS / 1000} s per credential (forged calls?)` };
	}

	// A clock that never goes back (portalCallQueue.ts): a wall-clock step must not stretch or cut the asking.
	const deadline = performance.now() + timing.lastAskMs;
	const own = await ownApplication(context, credentials, portal.url, credentialKey, deadline);
	if ('unknown' in own) return { noVerdict: `app.info with the credential's token: ${own.unknown}` };
	const answer = await askAppInfo(context, credentials, portal.url, deadline, { accessToken });
	if ('unknown' in answer) return { noVerdict: `app.info with the call's token: ${answer.unknown}` };
	if ('refused' in answer) {
		return remember(key, { genuine: false, reason: `the portal does not know the call's access token (${answer.refused})` }, Date.now() + REFUSAL_MEMORY_MS);
	}
	if (answer.info.ID !== own.id || answer.info.CODE !== own.code) {
		return remember(key, { genuine: false, reason: "the call's access token belongs to another application" }, Date.now() + REFUSAL_MEMORY_MS);
	}
	keepToken(context, tokenHash);
	const expires = Number(auth.expires) * 1000;
	const until = Math.min(Number.isFinite(expires) && expires > 0 ? expires : Infinity, Date.now() + MAX_TOKEN_LIFETIME_MS);
	return remember(key, { genuine: true }, until);
}

/** For tests: forget every verdict, application and spent check. */
export function forgetPortalVerdicts(): void {
	verdicts.clear();
	applications.clear();
	checkBudgets.clear();
}

/** For tests: how long a check asks, and how long one request may take (defaults without arguments). */
export function setCheckTiming(lastAskMs = LAST_ASK_MS, attemptTimeoutMs = ATTEMPT_TIMEOUT_MS): void {
	timing.lastAskMs = lastAskMs;
	timing.attemptTimeoutMs = attemptTimeoutMs;
}
