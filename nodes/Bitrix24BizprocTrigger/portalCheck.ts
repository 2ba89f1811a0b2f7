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
 *
 * Verdicts are kept per token (as a hash) while the token lives, so one business process run costs
 * at most one extra request; refusals are kept a minute. In memory only: another n8n process asks
 * the portal once itself, which is correct, just not free.
 */
import { createHash } from 'crypto';

import type { IDataObject, IN8nHttpFullResponse, IWebhookFunctions } from 'n8n-workflow';

import { callBitrix24 } from '../shared/callBitrix24';
import { portalRestUrl } from '../shared/portalAddress';

export type PortalVerdict = { genuine: true } | { genuine: false; reason: string };

const REFUSAL_MEMORY_MS = 60_000;
const MAX_TOKEN_LIFETIME_MS = 3600_000;
const MAX_REMEMBERED = 10_000;

const verdicts = new Map<string, { verdict: PortalVerdict; until: number }>();
const applications = new Map<string, { id: unknown; code: unknown; until: number }>();

const hash = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function remember(key: string, verdict: PortalVerdict, until: number): PortalVerdict {
	if (verdicts.size >= MAX_REMEMBERED) verdicts.delete(verdicts.keys().next().value as string);
	verdicts.set(key, { verdict, until });
	return verdict;
}

/** The credential's own application, as `app.info` with the credential's token describes it. */
async function ownApplication(context: IWebhookFunctions, credentialKey: string): Promise<{ id: unknown; code: unknown }> {
	const known = applications.get(credentialKey);
	if (known && known.until > Date.now()) return known;
	const info = (await callBitrix24(context, 'app.info', {})) as IDataObject;
	const own = { id: info?.ID, code: info?.CODE, until: Date.now() + MAX_TOKEN_LIFETIME_MS };
	applications.set(credentialKey, own);
	return own;
}

/** Asks the portal (see the header). Throws only when the portal could not be asked at all. */
export async function verifyWithPortal(context: IWebhookFunctions, auth: IDataObject): Promise<PortalVerdict> {
	const accessToken = typeof auth.access_token === 'string' ? auth.access_token.trim() : '';
	if (accessToken === '') return { genuine: false, reason: 'the call has no auth[access_token] to check' };
	const credentials = await context.getCredentials('bitrix24OAuth2Api');
	const portal = portalRestUrl(credentials.portalUrl);
	if (!portal.ok) return { genuine: false, reason: portal.problem };

	// Verdicts hold for one application on one portal: two credentials never share them.
	const credentialKey = `${portal.url}\n${String(credentials.clientId ?? '')}`;
	const key = hash(`${credentialKey}\n${accessToken}`);
	const known = verdicts.get(key);
	if (known && known.until > Date.now()) return known.verdict;

	const ownMember = (credentials.oauthTokenData as IDataObject | undefined)?.member_id;
	if (typeof ownMember === 'string' && typeof auth.member_id === 'string' && auth.member_id !== ownMember) {
		return remember(key, { genuine: false, reason: "the call's member_id is not the credential's portal" }, Date.now() + REFUSAL_MEMORY_MS);
	}
	const own = await ownApplication(context, credentialKey);
	const answer = (await context.helpers.httpRequest({
		method: 'POST',
		url: `${portal.url}app.info.json`,
		headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
		body: {},
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: 15_000,
	})) as IN8nHttpFullResponse;
	const info = ((answer.body as IDataObject | undefined)?.result ?? {}) as IDataObject;
	if (answer.statusCode !== 200 || info.ID === undefined) {
		const error = (answer.body as IDataObject | undefined)?.error;
		return remember(key, { genuine: false, reason: `the portal does not know the call's access token (${String(error ?? answer.statusCode)})` }, Date.now() + REFUSAL_MEMORY_MS);
	}
	if (info.ID !== own.id || info.CODE !== own.code) {
		return remember(key, { genuine: false, reason: "the call's access token belongs to another application" }, Date.now() + REFUSAL_MEMORY_MS);
	}
	const expires = Number(auth.expires) * 1000;
	const until = Math.min(Number.isFinite(expires) && expires > 0 ? expires : Infinity, Date.now() + MAX_TOKEN_LIFETIME_MS);
	return remember(key, { genuine: true }, until);
}

/** For tests: forget every verdict and application. */
export function forgetPortalVerdicts(): void {
	verdicts.clear();
	applications.clear();
}
