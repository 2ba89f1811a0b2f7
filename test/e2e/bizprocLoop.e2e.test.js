/**
 * The whole application-action loop in a real n8n (`n8n start`, active workflows): the sandbox
 * portal plays a business process that calls the Bizproc Trigger; the workflow logs and sends the
 * result. Forged and repeated calls, and registration by the trigger with the OAuth2 credential.
 */
const { fixture } = require('../../harness/fixtures');
const { N8N_LINES, startN8nAndSandbox } = require('../../harness/n8n-and-sandbox');
const { allCredentials, installExampleWorkflow, waitForExampleHandler, expectedLines } = require('../../harness/example-loop');
const { sleep } = require('../../harness/processes');
const { until } = require('../../harness/until');

const EXAMPLE_ID = 'e2eExampleLoop01';
const REGISTERED_ID = 'e2eRegisteredA01';

describe.each(N8N_LINES)('n8n %s.x', (line) => {
	let n8n, portal, stopAll; // what startN8nAndSandbox started
	let handlerUrl;

	beforeAll(async () => {
		({ n8n, portal, stop: stopAll } = await startN8nAndSandbox({ line, credentials: allCredentials }));
		await installExampleWorkflow(n8n, EXAMPLE_ID);
		// Remove Registration on Deactivation on: the default (keep) is covered by triggerLifecycle.e2e.test.js.
		const registered = fixture('registered-action.workflow.json', { __WORKFLOW_ID__: REGISTERED_ID });
		registered.nodes.find((node) => node.type.endsWith('.bitrix24BizprocTrigger')).parameters.removeOnDeactivation = true;
		await n8n.importWorkflow(registered);
		await n8n.start();
		await n8n.login();
		handlerUrl = await waitForExampleHandler(n8n);
	});

	afterAll(async () => await stopAll?.());

	const executionsOf = async (workflowId) => await n8n.readExecutions({ workflowId });

	test('Trigger -> Log -> Log -> Send Result: the lines, the return values and the action completed, with no expression for the token', async () => {
		const run = await portal.startWorkflow({ handlerUrl, code: 'n8n_check_order', properties: { Order: 'ORD-7' }, documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_7'] });
		expect(run.handlerStatus).toBe(200);
		await until(() => portal.workflow(run.workflowId).state === 'completed');
		const workflow = portal.workflow(run.workflowId);
		expect(workflow.logLines.map((l) => l.message)).toEqual(expectedLines(7));
		expect(workflow.returnValues).toEqual({ result: 'approved' });
		await until(async () => (await executionsOf(EXAMPLE_ID)).some((e) => e.status === 'success'));
	});

	test('a forged call (wrong application token) is refused with 401 and runs nothing', async () => {
		const before = (await executionsOf(EXAMPLE_ID)).length;
		const run = await portal.startWorkflow({ handlerUrl, applicationToken: 'forged-application-token' });
		expect(run.handlerStatus).toBe(401);
		await sleep(1500);
		expect(await executionsOf(EXAMPLE_ID)).toHaveLength(before);
		expect(portal.workflow(run.workflowId)).toMatchObject({ state: 'waiting', logLines: [] });
	});

	test('a malformed call gets 400 and runs nothing', async () => {
		const before = (await executionsOf(EXAMPLE_ID)).length;
		const response = await fetch(handlerUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'hello=world' });
		expect(response.status).toBe(400);
		await sleep(1000);
		expect(await executionsOf(EXAMPLE_ID)).toHaveLength(before);
	});

	test('a repeated delivery of the same call runs the workflow once', async () => {
		const before = (await executionsOf(EXAMPLE_ID)).length;
		const run = await portal.startWorkflow({ handlerUrl, properties: { Order: 'ORD-8' } });
		const again = await run.redeliver();
		expect([run.handlerStatus, again.handlerStatus]).toEqual([200, 200]);
		await until(() => portal.workflow(run.workflowId).state === 'completed');
		await sleep(1500);
		expect(await executionsOf(EXAMPLE_ID)).toHaveLength(before + 1);
		expect(portal.workflow(run.workflowId).logLines).toHaveLength(3);
	});

	test('a call with a Multiple property of 990 values (the auth block comes last) runs; a call over 1 MiB gets 413, says why in the log and runs nothing', async () => {
		const values = Array.from({ length: 990 }, (_, n) => `ORD-${n}`);
		const large = await portal.startWorkflow({ handlerUrl, properties: { Order: values }, documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_990'] });
		expect(large.handlerStatus).toBe(200);
		await until(() => portal.workflow(large.workflowId).state === 'completed');
		expect(portal.workflow(large.workflowId).logLines[0].message).toContain('ORD-989');
		expect(portal.workflow(large.workflowId).returnValues).toEqual({ result: 'approved' });

		const before = (await executionsOf(EXAMPLE_ID)).length;
		const tooLarge = await portal.startWorkflow({ handlerUrl, properties: { Order: 'x'.repeat(1100 * 1024) } });
		expect(tooLarge.handlerStatus).toBe(413);
		await until(() => /a handler call may have at most 1048576 bytes/.test(n8n.serverLog));
		await sleep(1500);
		expect(await executionsOf(EXAMPLE_ID)).toHaveLength(before);
		expect(portal.workflow(tooLarge.workflowId)).toMatchObject({ state: 'waiting', logLines: [] });
	});

	test('with the OAuth2 credential, activation registers the action; with Remove Registration on Deactivation, deactivation removes it', async () => {
		expect(portal.registeredActivities()).toEqual([]);
		await n8n.setActive(REGISTERED_ID, true);
		const registeredUrl = `${n8n.baseUrl}/webhook/e2e-registered-action/bitrix24-bizproc`;
		await until(() => portal.registeredActivities().length > 0); // 2.x publishes in the background
		const [action] = portal.registeredActivities();
		expect(action).toMatchObject({ CODE: 'n8n_e2e_check', HANDLER: registeredUrl, USE_SUBSCRIPTION: 'Y' });
		expect(Object.keys(action.PROPERTIES)).toEqual(['Order']);
		expect(Object.keys(action.RETURN_PROPERTIES)).toEqual(['result']);

		await n8n.waitForWebhook(registeredUrl);
		const run = await portal.startWorkflow({ code: 'n8n_e2e_check', properties: { Order: 'ORD-9' } });
		expect(run.handlerStatus).toBe(200);
		await until(() => portal.workflow(run.workflowId).state === 'completed');
		expect(portal.workflow(run.workflowId).logLines[0].message).toBe('Order ORD-9 checked through the registered action');
		expect(portal.workflow(run.workflowId).returnValues).toEqual({ result: 'ok' });

		await n8n.setActive(REGISTERED_ID, false);
		await until(() => portal.registeredActivities().length === 0);
		const calls = portal.journal().filter((entry) => entry.restMethod?.startsWith('bizproc.activity.'));
		expect(calls.map((entry) => `${entry.restMethod} ${entry.authKind} ${entry.status}`)).toEqual(
			expect.arrayContaining(['bizproc.activity.add oauth 200', 'bizproc.activity.delete oauth 200']),
		);
	});
});
