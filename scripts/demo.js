// @ts-check
'use strict';
/**
 * The demo: a real n8n with this package installed, the example workflow active, and the sandbox
 * portal playing a business process that reaches the action. Prints the business process log as the
 * portal recorded it, then stops everything it started. Run with `npm run demo` (builds first).
 */
const path = require('node:path');

const { startSandbox } = require('../sandbox');
const { fixture } = require('../harness/fixtures');
const { createN8nInstance, packPackage } = require('../harness/n8n-harness');

const EXAMPLE = require('../examples/bitrix24-bizproc-loop.workflow.json');
const WORKFLOW_ID = 'bitrix24Example1';
const STARTER_ID = 'bitrix24Starter1';
const CREDENTIAL_ID = 'b24ExampleHook01';

const step = (text) => process.stdout.write(`\n▶ ${text}\n`);
const detail = (text) => process.stdout.write(`  ${text}\n`);

async function main() {
	let portal;
	let n8n;
	try {
		step('Starting the sandbox Bitrix24 portal (127.0.0.1, standard plan limits: 50 calls, then 2/s)');
		portal = await startSandbox({ maxLifetimeMs: 15 * 60 * 1000 });
		detail(`portal: ${portal.baseUrl}`);

		step('Packing this package and installing it into a fresh n8n, as n8n installs community packages');
		const tarball = packPackage();
		detail(path.basename(tarball));
		n8n = await createN8nInstance({ line: '2', tarball, maxLifetimeMs: 15 * 60 * 1000 });
		detail(`n8n ${n8n.version}, user folder ${n8n.userFolder}`);

		step('Importing the credential (the sandbox webhook, and the application token the trigger checks)');
		await n8n.importCredentials([
			{
				id: CREDENTIAL_ID,
				name: 'Bitrix24 webhook',
				type: 'bitrix24WebhookApi',
				data: { webhookUrl: portal.webhookUrl, applicationToken: portal.oauth.applicationToken, portalPlan: 'standard' },
			},
		]);

		step(`Importing and activating the example workflow: ${EXAMPLE.nodes.map((node) => node.name).join(' → ')}`);
		await n8n.importWorkflow({ ...EXAMPLE, id: WORKFLOW_ID, active: false });
		await n8n.activateWorkflow(WORKFLOW_ID);
		const starter = fixture('start-process.workflow.json', {
			__WORKFLOW_ID__: STARTER_ID,
			__AUTHENTICATION__: 'webhook',
			__CREDENTIAL_TYPE__: 'bitrix24WebhookApi',
			__CREDENTIAL_ID__: CREDENTIAL_ID,
		});
		step(`Importing and activating a workflow that starts business processes: ${starter.nodes.map((node) => node.name).join(' → ')}`);
		await n8n.importWorkflow(starter);
		await n8n.activateWorkflow(STARTER_ID);

		step('Starting n8n');
		await n8n.start();
		const trigger = EXAMPLE.nodes.find((node) => node.type.endsWith('.bitrix24BizprocTrigger'));
		const handlerUrl = `${n8n.baseUrl}/webhook/${trigger?.webhookId}/bitrix24-bizproc`;
		await n8n.waitForWebhook(handlerUrl);
		// The starter's webhooks (an empty POST: Start refuses it before calling the portal).
		for (const pathname of ['e2e-start-process-webhook', 'e2e-check-process-webhook']) await n8n.waitForWebhook(`${n8n.baseUrl}/webhook/${pathname}`);
		detail(`the action's handler (the trigger's production URL): ${handlerUrl}`);

		step('On the portal: our application registers the action (handler: the trigger), and a deal template runs it');
		const added = await fetch(`${portal.baseUrl}/rest/bizproc.activity.add`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${portal.issueOAuthTokens({}).access_token}` },
			body: JSON.stringify({
				CODE: 'n8n_check_order',
				HANDLER: handlerUrl,
				NAME: 'Check the order in n8n',
				USE_SUBSCRIPTION: 'Y',
				PROPERTIES: { Order: { Name: 'Order' } },
				RETURN_PROPERTIES: { result: { Name: 'Result' } },
			}),
		});
		if ((/** @type {any} */ (await added.json())).result !== true) throw new Error('the portal did not register the action');
		const templateId = portal.addTemplate({
			documentType: ['crm', 'CCrmDocumentDeal', 'DEAL'],
			name: 'Check the order in n8n',
			parameters: { Order: { Name: 'Order', Type: 'string', Required: true } },
			steps: [{ type: 'action', code: 'n8n_check_order', properties: { Order: '{=Template:Order}' } }],
		});
		portal.addDocument(['crm', 'CCrmDocumentDeal', 'DEAL_1001']);
		detail(`template ${templateId} "Check the order in n8n" for deals; deal 1001`);

		step('n8n starts the business process (Bitrix24 Business Process node, Workflow > Start)');
		/** @type {(pathname: string, body: object) => Promise<any>} */
		const post = async (pathname, body) => {
			const response = await fetch(`${n8n.baseUrl}/webhook/${pathname}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
			if (response.status !== 200) throw new Error(`n8n answered ${response.status} at /webhook/${pathname}: ${await response.text()}`);
			return await response.json();
		};
		const started = await post('e2e-start-process-webhook', { templateId, deal: '1001', order: 'ORD-1001' });
		detail(`bizproc.workflow.start answered: business process ${started.workflowId} on ${started.documentId.join(' / ')}`);

		step('The process reaches the action and calls n8n back; the example workflow logs and sends the result');
		try {
			await portal.waitForProcess(started.workflowId, (process) => process.state === 'completed', 60_000);
		} catch (error) {
			for (const execution of await n8n.storedExecutions()) {
				const failed = execution.data.resultData.error;
				detail(`n8n execution ${execution.id}: ${execution.status}${failed ? ` — ${failed.message} (${failed.description ?? ''})` : ''}`);
			}
			throw error;
		}

		const workflow = portal.workflow(started.workflowId);
		step(`Business process log, as the portal recorded it (workflow ${started.workflowId})`);
		for (const line of workflow.logLines) {
			const [first, ...more] = line.message.split('\n');
			detail(`${line.time}  ${first}`);
			for (const next of more) detail(`${' '.repeat(line.time.length)}  ${next}`);
		}
		const finished = portal.process(started.workflowId);
		detail(`process: ${finished.state}; return values: ${JSON.stringify(finished.returnValues)}`);

		step('n8n looks for the process among the running ones (Workflow > Get Many)');
		const running = (await post('e2e-check-process-webhook', { templateId, deal: '1001' })).filter((row) => row.ID);
		detail(running.length === 0 ? 'not running any more: it finished' : `still running: ${running.map((row) => row.ID).join(', ')}`);
		step('Done. Stopping n8n and the portal.');
	} finally {
		await n8n?.dispose();
		await portal?.close();
	}
}

main().catch((error) => {
	process.stderr.write(`\nThe demo failed: ${error.message}\n`);
	process.exitCode = 1;
});
