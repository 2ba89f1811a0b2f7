// @ts-check
'use strict';
/**
 * The README's example workflow (examples/bitrix24-bizproc-loop.workflow.json: Trigger -> Log -> Log
 * -> Send Result) in an n8n against the sandbox portal: its credential, its activation, its handler
 * URL, the lines it writes, and the portal's side (our application's action, registered by
 * bizproc.activity.add, and a deal template that runs it). Shared by the real-n8n tests, the
 * queue-mode load (queueLoad.js), the demo and the benchmarks.
 */
/**
 * @typedef {{ name: string, type: string, parameters: Record<string, any>, webhookId?: string, credentials?: Record<string, { id: string, name: string }> }} WorkflowNode
 * @type {{ name: string, nodes: WorkflowNode[], connections: object }}
 */
const EXAMPLE = require('../examples/bitrix24-bizproc-loop.workflow.json');
const { sandboxCredentials } = require('./fixtures');

const EXAMPLE_TRIGGER = /** @type {WorkflowNode & { webhookId: string, credentials: { bitrix24WebhookApi: { id: string, name: string } } }} */ (
	EXAMPLE.nodes.find((node) => node.type.endsWith('.bitrix24BizprocTrigger'))
);
/** The action's Code the example's business process runs (the trigger answers any Code). */
const EXAMPLE_ACTION_CODE = 'n8n_check_order';

/**
 * The webhook credential every node of the example names, pointing at `portal`, with the
 * application token the trigger checks.
 * @param {{ webhookUrl: string, oauth: { applicationToken: string } }} portal
 * @param {Record<string, unknown>} [plan] credential fields, e.g. { portalPlan: 'custom', rateLimitBurst: 25, rateLimitDrainPerSecond: 1 }
 */
function exampleCredential(portal, plan = { portalPlan: 'standard' }) {
	const { id, name } = EXAMPLE_TRIGGER.credentials.bitrix24WebhookApi;
	return { id, name, type: 'bitrix24WebhookApi', data: { webhookUrl: portal.webhookUrl, applicationToken: portal.oauth.applicationToken, ...plan } };
}

/**
 * The credentials of fixtures/credentials.json with the application token (the trigger checks it),
 * and the example's, all pointing at `portal`.
 * @param {any} portal the sandbox portal
 */
function allCredentials(portal) {
	return [...sandboxCredentials(portal, portal.issueOAuthTokens({}), { applicationToken: portal.oauth.applicationToken }), exampleCredential(portal)];
}

/**
 * Imports the example workflow as `id` and activates it (in effect from the next start).
 * @param {import('./n8n-harness').N8nInstance} n8n
 * @param {string} id
 */
async function installExampleWorkflow(n8n, id) {
	await n8n.importWorkflow({ ...EXAMPLE, id, active: false });
	await n8n.activateWorkflow(id);
}

/**
 * The example trigger's production URL at `baseUrl` (n8n's own by default, a webhook processor's in
 * queue mode), once n8n serves it.
 * @param {import('./n8n-rest').N8nRestClient} n8n
 * @param {{ baseUrl?: string, timeoutMs?: number }} [options]
 */
async function waitForExampleHandler(n8n, { baseUrl = n8n.baseUrl, timeoutMs = 60_000 } = {}) {
	const url = `${baseUrl}/webhook/${EXAMPLE_TRIGGER.webhookId}/bitrix24-bizproc`;
	await n8n.waitForWebhook(url, timeoutMs);
	return url;
}

/** What the example workflow writes into the business process of deal `DEAL_<n>`, order `ORD-<n>`, in order. */
function expectedLines(n) {
	return [`n8n received the request for DEAL_${n} (order ORD-${n})`, 'Order checked by n8n:\n- stock reserved\n- invoice prepared', 'n8n finished: approved'];
}

/**
 * On the portal, as our application would: the action (handler: the example's trigger at
 * `handlerUrl`; bizproc.activity.add with the application's OAuth token, b24restdocs
 * api-reference/bizproc/bizproc-activity/bizproc-activity-add.html) and a deal template that runs
 * it with its Order parameter. Returns the template's ID.
 * @param {any} portal the sandbox portal
 * @param {string} handlerUrl
 */
async function registerExampleAction(portal, handlerUrl) {
	const response = await fetch(`${portal.baseUrl}/rest/bizproc.activity.add`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${portal.issueOAuthTokens({}).access_token}` },
		body: JSON.stringify({
			CODE: EXAMPLE_ACTION_CODE,
			HANDLER: handlerUrl,
			NAME: 'Check the order in n8n',
			USE_SUBSCRIPTION: 'Y',
			PROPERTIES: { Order: { Name: 'Order' } },
			RETURN_PROPERTIES: { result: { Name: 'Result' } },
		}),
	});
	const answer = /** @type {any} */ (await response.json());
	if (answer.result !== true) throw new Error(`the portal did not register the action: ${response.status} ${JSON.stringify(answer)}`);
	return portal.addTemplate({
		documentType: ['crm', 'CCrmDocumentDeal', 'DEAL'],
		name: 'Check the order in n8n',
		parameters: { Order: { Name: 'Order', Type: 'string', Required: true } },
		steps: [{ type: 'action', code: EXAMPLE_ACTION_CODE, properties: { Order: '{=Template:Order}' } }],
	});
}

module.exports = { EXAMPLE, EXAMPLE_TRIGGER, EXAMPLE_ACTION_CODE, exampleCredential, allCredentials, installExampleWorkflow, waitForExampleHandler, expectedLines, registerExampleAction };
