// @ts-check
'use strict';
/**
 * The demo: a real n8n with this package installed, the example workflow active, and the sandbox
 * portal playing a business process that reaches the action. Prints the business process log as the
 * portal recorded it, then stops everything it started. Run with `npm run demo` (builds first).
 */
const path = require('node:path');

const { fixture } = require('../harness/fixtures');
const { packedPackage } = require('../harness/n8n-harness');
const { startN8nAndSandbox } = require('../harness/n8n-and-sandbox');
const { EXAMPLE, exampleCredential, installExampleWorkflow, waitForExampleHandler, registerExampleAction } = require('../harness/example-loop');

const WORKFLOW_ID = 'bitrix24Example1';
const STARTER_ID = 'bitrix24Starter1';

const step = (text) => process.stdout.write(`\n▶ ${text}\n`);
const detail = (text) => process.stdout.write(`  ${text}\n`);

async function main() {
	step('Packing this package, to install it into a fresh n8n as n8n installs community packages');
	detail(path.basename(packedPackage()));
	step('Starting the sandbox Bitrix24 portal (127.0.0.1, standard plan limits: 50 calls, then 2/s) and the n8n,');
	detail('with the credential imported (the sandbox webhook, and the application token the trigger checks)');
	// `sandbox: {}`: the portal's default rate limit. Both stop themselves after 15 min at the latest.
	const { portal, n8n, stop } = await startN8nAndSandbox({ sandbox: {}, maxLifetimeMs: 15 * 60 * 1000, credentials: (sandbox) => [exampleCredential(sandbox)] });
	try {
		detail(`portal: ${portal.baseUrl}`);
		detail(`n8n ${n8n.version}, user folder ${n8n.userFolder}`);

		step(`Importing and activating the example workflow: ${EXAMPLE.nodes.map((node) => node.name).join(' → ')}`);
		await installExampleWorkflow(n8n, WORKFLOW_ID);
		const credential = exampleCredential(portal);
		const starter = fixture('start-process.workflow.json', {
			__WORKFLOW_ID__: STARTER_ID,
			__AUTHENTICATION__: 'webhook',
			__CREDENTIAL_TYPE__: credential.type,
			__CREDENTIAL_ID__: credential.id,
		});
		step(`Importing and activating a workflow that starts business processes: ${starter.nodes.map((node) => node.name).join(' → ')}`);
		await n8n.importWorkflow(starter);
		await n8n.activateWorkflow(STARTER_ID);

		step('Starting n8n');
		await n8n.start();
		const handlerUrl = await waitForExampleHandler(n8n);
		// The starter's webhooks (an empty POST: Start refuses it before calling the portal).
		for (const pathname of ['e2e-start-process-webhook', 'e2e-check-process-webhook']) await n8n.waitForWebhook(`${n8n.baseUrl}/webhook/${pathname}`);
		detail(`the action's handler (the trigger's production URL): ${handlerUrl}`);

		step('On the portal: our application registers the action (handler: the trigger), and a deal template runs it');
		const templateId = await registerExampleAction(portal, handlerUrl);
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
			for (const execution of await n8n.readExecutions()) {
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
		await stop();
	}
}

main().catch((error) => {
	process.stderr.write(`\nThe demo failed: ${error.message}\n`);
	process.exitCode = 1;
});
