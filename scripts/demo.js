// @ts-check
'use strict';
/**
 * The demo: a real n8n with this package installed, the example workflow active, and the sandbox
 * portal playing a business process that reaches the action. Prints the business process log as the
 * portal recorded it, then stops everything it started. Run with `npm run demo` (builds first).
 */
const path = require('node:path');

const { startSandbox } = require('../test/sandbox');
const { createN8nInstance, packPackage } = require('../test/e2e/n8n-harness');

const EXAMPLE = require('../examples/bitrix24-bizproc-loop.workflow.json');
const WORKFLOW_ID = 'bitrix24Example1';
const CREDENTIAL_ID = 'b24ExampleHook01';

const step = (text) => process.stdout.write(`\n▶ ${text}\n`);
const detail = (text) => process.stdout.write(`  ${text}\n`);

async function waitFor(condition, timeoutMs, what) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (condition()) return;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

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

		step('Starting n8n');
		await n8n.start();
		const trigger = EXAMPLE.nodes.find((node) => node.type.endsWith('.bitrix24BizprocTrigger'));
		const handlerUrl = `${n8n.baseUrl}/webhook/${trigger?.webhookId}/bitrix24-bizproc`;
		await n8n.waitForWebhook(handlerUrl);
		detail(`the action's handler (the trigger's production URL): ${handlerUrl}`);

		step('The portal runs a business process that reaches the action and calls the handler');
		const call = await portal.startWorkflow({
			handlerUrl,
			code: 'n8n_check_order',
			properties: { Order: 'ORD-1001' },
			documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_1001'],
		});
		detail(`handler answered HTTP ${call.handlerStatus}; business process ${call.workflowId} waits for the action`);

		step('n8n runs the workflow: two log lines, then the result');
		try {
			await waitFor(() => portal.workflow(call.workflowId)?.state === 'completed', 60_000, 'the action to be completed');
		} catch (error) {
			for (const execution of await n8n.storedExecutions()) {
				const failed = execution.data.resultData.error;
				detail(`n8n execution ${execution.id}: ${execution.status}${failed ? ` — ${failed.message} (${failed.description ?? ''})` : ''}`);
			}
			throw error;
		}

		const workflow = portal.workflow(call.workflowId);
		step(`Business process log, as the portal recorded it (workflow ${call.workflowId})`);
		for (const line of workflow.logLines) {
			const [first, ...more] = line.message.split('\n');
			detail(`${line.time}  ${first}`);
			for (const next of more) detail(`${' '.repeat(line.time.length)}  ${next}`);
		}
		detail(`action: ${workflow.state}; return values: ${JSON.stringify(workflow.returnValues)}`);
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
