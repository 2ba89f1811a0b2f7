/**
 * What each node sends, operation by operation and credential by credential: HTTP method, path,
 * authentication, content type and the exact body, as the sandbox portal received it.
 */
import type { IDataObject } from 'n8n-workflow';

import { runNode, type StoredCredentials } from './n8nEngine';
import { oauthCredentials, usePortal, webhookCredentials } from './portal';

const LOG = 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocLog';
const SEND_RESULT = 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocSendResult';

const portal = usePortal();

type Credential = 'webhook' | 'oAuth2';
const credentialsFor = (credential: Credential): StoredCredentials =>
	credential === 'webhook'
		? webhookCredentials(portal, { webhookUrl: `  ${portal.webhookUrl}profile.json ` }) // as users paste it
		: oauthCredentials(portal);

const operations: Array<[label: string, type: string, parameters: IDataObject, input: IDataObject, method: string, body: (token: string) => IDataObject]> = [
	['Log', LOG, { logMessage: '=Checked {{ $json.order }}' }, { order: 42 }, 'bizproc.activity.log', (token) => ({ event_token: token, log_message: 'Checked 42' })],
	[
		'Send Result, name/value pairs and a message',
		SEND_RESULT,
		{ returnValues: { values: [{ name: 'result', value: '={{ $json.verdict }}' }] }, logMessage: 'Done' },
		{ verdict: 'approved' },
		'bizproc.event.send',
		(token) => ({ event_token: token, return_values: { result: 'approved' }, log_message: 'Done' }),
	],
	[
		'Send Result, JSON and no message',
		SEND_RESULT,
		{ returnValuesMode: 'json', returnValuesJson: '{"amount": 12}' },
		{},
		'bizproc.event.send',
		(token) => ({ event_token: token, return_values: { amount: 12 } }),
	],
];

describe.each<Credential>(['webhook', 'oAuth2'])('%s credential', (credential) => {
	test.each(operations)('%s: one POST with a JSON body', async (_label, type, parameters, input, method, body) => {
		const { eventToken } = portal.issueEventToken({});
		const run = await runNode({
			type,
			parameters: { ...parameters, ...(credential === 'oAuth2' ? { authentication: 'oAuth2' } : {}) },
			credentials: credentialsFor(credential),
			items: [{ ...input, event_token: ` ${eventToken}\n` }],
		});
		expect(run.error).toBeUndefined();
		expect(portal.journal()).toEqual([
			expect.objectContaining({
				httpMethod: 'POST',
				path: credential === 'webhook' ? `${new URL(portal.webhookUrl).pathname}${method}.json` : `/rest/${method}.json`,
				restMethod: method,
				authKind: credential === 'webhook' ? 'webhook' : 'oauth',
				contentType: 'application/json',
				params: body(eventToken),
				status: 200,
			}),
		]);
	});
});
