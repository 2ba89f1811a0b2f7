/** Typed access to the sandbox portal (sandbox) for the TypeScript tests. */
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import type { StoredCredentials } from './n8nEngine';
import { eventTokenSecrets } from '../../nodes/shared/secretMasking';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startSandbox } = require('../../sandbox');

export interface JournalEntry {
	/** ISO time the request arrived. */
	at: string;
	httpMethod: string;
	path: string;
	restMethod?: string;
	authKind: 'webhook' | 'oauth' | 'none';
	contentType: string | null;
	params: Record<string, unknown>;
	status: number;
	error?: string;
	/** For a batch: how many commands its `cmd` held. */
	batchCommands?: number;
}

export interface Portal {
	baseUrl: string;
	webhookUrl: string;
	webhookCode: string;
	oauth: { clientId: string; clientSecret: string; portalUrl: string; oauthServerUrl: string; applicationToken: string; memberId: string };
	createWebhook(options: { userId?: number; scopes?: string[] }): { url: string; code: string };
	issueOAuthTokens(options: { userId?: number; scopes?: string[]; application?: 'this' | 'other' }): IDataObject & { access_token: string; refresh_token: string };
	expireAccessTokens(): void;
	issueEventToken(options: { useSubscription?: boolean }): { eventToken: string; workflowId: string };
	workflow(id: string): { state: string; returnValues?: Record<string, unknown>; logLines: Array<{ message: string; time: unknown }> } | undefined;
	logLines(): Array<{ workflowId: string; message: string }>;
	journal(): JournalEntry[];
	clearJournal(): void;
	setRateLimit(limit: { burst: number; drainPerSecond: number } | false): void;
	/** Each REST request waits a random 0..maxDelayMs before it runs, like a portal's parallel PHP workers (0: off). */
	setParallelWorkers(maxDelayMs: number): void;
	injectFault(fault: Record<string, unknown> & { kind: string }): void;
	clearFaults(): void;
	registeredActivities(): IDataObject[];
	addDocument(documentId: string[], about?: { documentType?: string[]; name?: string; startableBy?: number[] }): { documentId: string[]; documentType: string[] };
	addTemplate(definition: IDataObject & { documentType: string[]; name: string; steps: IDataObject[] }): number;
	process(workflowId: string): (IDataObject & { state: string; tasks: Array<{ id: number; status: number; users: Array<{ userId: number; status: number }> }> }) | undefined;
	waitForProcess(workflowId: string, until: (process: IDataObject) => boolean, timeoutMs?: number): Promise<IDataObject>;
	close(): Promise<void>;
}

export async function startPortal(options: Record<string, unknown> = {}): Promise<Portal> {
	return (await startSandbox({ rateLimit: false, ...options })) as Portal;
}

/** A Bitrix24 Webhook API credential on this portal's webhook; `extra` adds or replaces fields. */
export function webhookCredentials(portal: Portal, extra: IDataObject = {}): StoredCredentials {
	return { bitrix24WebhookApi: { webhookUrl: portal.webhookUrl, ...extra } as ICredentialDataDecryptedObject };
}

/** A Bitrix24 OAuth2 API credential for this portal's application, with fresh tokens. */
export function oauthCredentials(portal: Portal, extra: IDataObject = {}): StoredCredentials {
	return {
		bitrix24OAuth2Api: {
			clientId: portal.oauth.clientId,
			clientSecret: portal.oauth.clientSecret,
			portalUrl: portal.oauth.portalUrl,
			oauthServerUrl: portal.oauth.oauthServerUrl,
			oauthTokenData: portal.issueOAuthTokens({}),
			...extra,
		} as ICredentialDataDecryptedObject,
	};
}

/** Every secret a test could leak: webhook codes, OAuth tokens and client secret, the event token. */
export function collectSecrets(portal: Portal, credentials: StoredCredentials, eventToken: string): string[] {
	const secrets = [portal.webhookCode, portal.oauth.clientSecret, ...eventTokenSecrets(eventToken)];
	const webhookUrl = credentials.bitrix24WebhookApi?.webhookUrl;
	if (typeof webhookUrl === 'string') secrets.push(webhookUrl.split('/').filter(Boolean).pop() ?? '');
	const tokenData = credentials.bitrix24OAuth2Api?.oauthTokenData as Record<string, string> | undefined;
	if (tokenData) secrets.push(tokenData.access_token, tokenData.refresh_token);
	return secrets.filter((s) => s && s.length >= 6);
}
