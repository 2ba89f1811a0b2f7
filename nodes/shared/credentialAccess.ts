/**
 * Which credential a node uses, how it is read (once per run: readCredentials), its REST base URL,
 * and the secrets in it that must never be shown.
 */
import { NodeOperationError, type IDataObject, type IExecuteSingleFunctions, type IHookFunctions, type ILoadOptionsFunctions, type IWebhookFunctions } from 'n8n-workflow';

import { normalizeWebhookUrl, portalRestUrl, webhookCode } from './portalAddress';
import { eventTokenSecrets } from './secretMasking';

export const WEBHOOK_TYPE = 'bitrix24WebhookApi';
export const APPLICATION_TYPE = 'bitrix24OAuth2Api';

type NodeContext = IExecuteSingleFunctions | IHookFunctions | IWebhookFunctions | ILoadOptionsFunctions;

/** Whether the node uses a Bitrix24 application (OAuth2) rather than an inbound webhook. */
export function usesApplication(context: NodeContext): boolean {
	return context.getNodeParameter('authentication', 'webhook') === 'oAuth2';
}

export function credentialTypeOf(context: NodeContext): string {
	return usesApplication(context) ? APPLICATION_TYPE : WEBHOOK_TYPE;
}

/** The REST base URL of a credential: the webhook base, or the OAuth2 portal's `/rest/`. */
export function restBaseUrlOf(context: NodeContext, credentialType: string, credentials: IDataObject, itemIndex?: number): string {
	const check = credentialType === APPLICATION_TYPE ? portalRestUrl(credentials.portalUrl) : normalizeWebhookUrl(credentials.webhookUrl);
	if (check.ok) return check.url;
	throw new NodeOperationError(context.getNode(), check.problem, {
		itemIndex,
		description: 'Open the credential and correct the address. Nothing was sent.',
	});
}

/** A node run (its items share one read), or one hook call, handler call or editor list. */
function runOf(context: NodeContext): object {
	return 'getContext' in context && typeof context.getContext === 'function' ? context.getContext('node') : context;
}

const credentialsByRun = new WeakMap<object, Map<string, Promise<IDataObject>>>();

/**
 * The node's credentials: the one way this package reads them. n8n reads and decrypts a credential
 * from its database on every getCredentials() (packages/cli CredentialsHelper.getDecrypted), which
 * for a few hundred items is most of a node's time, and which competes with n8n's own bookkeeping for
 * the database pool. So each credential is read once per:
 * - node run: every item of a node's execution shares one read (the context of its node run);
 * - hook call, handler call or editor list: one context each.
 * Kept only in memory, keyed by that context, and dropped with it; a failed read is not kept, so the
 * next call reads again. n8n's authenticated request (OAuth2) reads the credential once more for each
 * request it signs (n8n-core request-helpers oauth.ts, requestOAuth2): it must see a renewed token.
 * The trigger keeps the digest of its Application Token for every call to it (applicationToken.ts).
 */
export async function readCredentials(context: NodeContext, credentialType: string): Promise<IDataObject> {
	const run = runOf(context);
	const reads = credentialsByRun.get(run) ?? new Map<string, Promise<IDataObject>>();
	credentialsByRun.set(run, reads);
	let reading = reads.get(credentialType);
	if (!reading) {
		const started = (reading = context.getCredentials(credentialType) as Promise<IDataObject>);
		reads.set(credentialType, started);
		started.catch(() => reads.get(credentialType) === started && reads.delete(credentialType));
	}
	return await reading;
}

/** Everything that must never be shown: the webhook code, OAuth2 tokens, the event token. */
export function secretsOf(credentials: IDataObject, body: IDataObject = {}): Array<string | undefined> {
	const tokenData = (credentials.oauthTokenData ?? {}) as IDataObject;
	return [
		webhookCode(credentials.webhookUrl),
		tokenData.access_token as string | undefined,
		tokenData.refresh_token as string | undefined,
		credentials.clientSecret as string | undefined,
		...eventTokenSecrets(body.event_token),
	];
}
