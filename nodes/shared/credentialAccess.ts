/**
 * Which credential a node uses, its REST base URL, and the secrets in it that must never be shown.
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

const credentialsByNodeRun = new WeakMap<object, Map<string, Promise<IDataObject>>>();

/**
 * The node's credentials, read once per node and execution: n8n reads and decrypts them from its
 * database on every getCredentials() call, which for a few hundred items is most of the node's time.
 * Kept only in memory, keyed by the node's execution context, and dropped with the execution.
 */
export async function credentialsOf(context: IExecuteSingleFunctions, credentialType: string): Promise<IDataObject> {
	const nodeRun = context.getContext('node');
	let cache = credentialsByNodeRun.get(nodeRun);
	if (!cache) credentialsByNodeRun.set(nodeRun, (cache = new Map()));
	let credentials = cache.get(credentialType);
	if (!credentials) cache.set(credentialType, (credentials = context.getCredentials(credentialType) as Promise<IDataObject>));
	return await credentials;
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
