// @ts-check
'use strict';
/**
 * The workflows and credentials of the B1-B4 benchmarks: the Log node and n8n's HTTP Request node
 * making the same calls, fed by a Manual Trigger (one `n8n execute`) or a Webhook (one execution
 * per POST).
 */
const { PACKAGE_NAME } = require('../harness/n8n-harness');

const LOG_NODE = 'Bitrix24 Bizproc Log';
const HTTP_NODE = 'HTTP Request';
const CRED_OFF = { id: 'benchCredOff0001', name: 'Bitrix24 (bench, no client limit)', type: 'bitrix24WebhookApi' };
/** One credential per case on the standard plan: each case starts with an empty client-side bucket, as the portal's is emptied. */
const standardCredential = (n) => ({ id: `benchCredStd${String(n).padStart(4, '0')}`, name: `Bitrix24 (bench, standard plan ${n})`, type: 'bitrix24WebhookApi' });
const CRED_B2_ONE = standardCredential(1);
const CRED_B2_HOOKS = standardCredential(2);
const CRED_B4 = standardCredential(3);

/** Every credential the benchmarks use, with the sandbox portal's webhook URL, to import at once. */
function benchCredentials(portal) {
	const standardData = { webhookUrl: portal.webhookUrl, portalPlan: 'standard' };
	return [
		{ ...CRED_OFF, data: { webhookUrl: portal.webhookUrl, portalPlan: 'off' } },
		{ ...CRED_B2_ONE, data: standardData },
		{ ...CRED_B2_HOOKS, data: standardData },
		{ ...CRED_B4, data: standardData },
	];
}

const manualTrigger = { parameters: {}, id: 'bench-start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] };

function webhookTrigger(pathName) {
	return {
		parameters: { httpMethod: 'POST', path: pathName, responseMode: 'lastNode', options: {} },
		id: `bench-webhook-${pathName}`,
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId: `bench-${pathName}`,
	};
}

/** Our node as a user sets it up: the token from the item (the default), the message from an expression, default options (batches on). */
function logNode(credential) {
	return {
		parameters: { authentication: 'webhook', logMessage: '={{ $json.text }}', options: {} },
		id: 'bench-log',
		name: LOG_NODE,
		type: `${PACKAGE_NAME}.bitrix24BizprocLog`,
		typeVersion: 1,
		position: [600, 0],
		credentials: { bitrix24WebhookApi: { id: credential.id, name: credential.name } },
	};
}

/**
 * n8n's HTTP Request node as a user of it would set it up for this call: POST to the webhook URL
 * (which holds the secret, so no authentication), JSON body from two fields. `retry` switches on the
 * node's own "Retry On Fail" setting with its defaults (3 tries, 1000 ms apart).
 */
function httpNode(webhookUrl, retry) {
	return {
		parameters: {
			method: 'POST',
			url: `${webhookUrl}bizproc.activity.log.json`,
			sendBody: true,
			contentType: 'json',
			specifyBody: 'keypair',
			bodyParameters: {
				parameters: [
					{ name: 'event_token', value: '={{ $json.event_token }}' },
					{ name: 'log_message', value: '={{ $json.text }}' },
				],
			},
			options: {},
		},
		id: 'bench-http',
		name: HTTP_NODE,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [600, 0],
		...(retry ? { retryOnFail: true, maxTries: 3, waitBetweenTries: 1000 } : {}),
	};
}

/**
 * Start → Set (raw JSON with the calls) → Split Out → node; or Webhook → Split Out (body.calls) → node.
 * @param {string} id
 * @param {{ calls?: any[], webhookPath?: string, node: any }} parts
 */
function workflow(id, { calls, webhookPath, node }) {
	const source = webhookPath
		? webhookTrigger(webhookPath)
		: { parameters: { mode: 'raw', jsonOutput: JSON.stringify({ calls }), options: {} }, id: 'bench-calls', name: 'Calls', type: 'n8n-nodes-base.set', typeVersion: 3.4, position: [200, 0] };
	const split = {
		parameters: { fieldToSplitOut: webhookPath ? 'body.calls' : 'calls', options: {} },
		id: 'bench-split',
		name: 'One item per call',
		type: 'n8n-nodes-base.splitOut',
		typeVersion: 1,
		position: [400, 0],
	};
	const nodes = webhookPath ? [source, split, node] : [manualTrigger, source, split, node];
	const connections = {
		[source.name]: { main: [[{ node: split.name, type: 'main', index: 0 }]] },
		[split.name]: { main: [[{ node: node.name, type: 'main', index: 0 }]] },
	};
	if (!webhookPath) connections.Start = { main: [[{ node: source.name, type: 'main', index: 0 }]] };
	return { id, name: `bench: ${id}`, active: false, nodes, connections, settings: { executionOrder: 'v1' } };
}

module.exports = { LOG_NODE, HTTP_NODE, CRED_OFF, CRED_B2_ONE, CRED_B2_HOOKS, CRED_B4, benchCredentials, logNode, httpNode, workflow };
