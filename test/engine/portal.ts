/** Typed access to the sandbox portal (sandbox) for the TypeScript tests. */
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import { eventTokenSecrets } from '../../nodes/shared/secretMasking';
import { startSandbox } from '../../sandbox';
import type { StoredCredentials } from './n8nEngine';

/** The sandbox portal as sandbox/index.js types it (JSDoc). */
export type Portal = Awaited<ReturnType<typeof startSandbox>>;
export type SandboxOptions = NonNullable<Parameters<typeof startSandbox>[0]>;
export type { JournalEntry } from '../../sandbox/server';
export type { DocumentId } from '../../sandbox/documents';
export type Fault = Parameters<Portal['injectFault']>[0];

/**
 * The sandbox portal of one test file: started before its first test (rate limit off unless
 * `options` set one), closed after its last; before each test it is set back as started (no fault
 * waiting, an empty journal, its rate limit and parallel workers as given), so no test sees another's.
 * What it returns stands for the started portal from the first hook on.
 */
export function usePortal(options: SandboxOptions = {}): Portal {
	const settings: SandboxOptions = { rateLimit: false, ...options };
	let started: Portal | undefined;
	beforeAll(async () => {
		started = await startSandbox(settings);
	});
	afterAll(async () => {
		await started?.close();
	});
	beforeEach(() => {
		started!.clearFaults();
		started!.clearJournal();
		started!.setRateLimit(settings.rateLimit ?? false);
		started!.setParallelWorkers(settings.parallelWorkersMaxDelayMs ?? 0);
	});
	return new Proxy({} as Portal, {
		get(_target, key) {
			if (!started) throw new Error('the sandbox portal starts in beforeAll: use it inside a test or a hook');
			return started[key as keyof Portal];
		},
	});
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
