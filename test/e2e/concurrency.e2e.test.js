/**
 * Many business processes at once through the example workflow in a real n8n (`n8n start`): the
 * portal on the standard plan (50 at once, then 2 per second) runs concurrent requests in parallel.
 * Every process gets its lines once, in order, and its result; the calls travel in batches.
 */
const { startSandbox } = require('../sandbox');
const { createN8nInstance, packPackage } = require('./n8n-harness');
const { until } = require('./until');

const LINES = (process.env.N8N_E2E_LINES || '2,1').split(',');
const EXAMPLE = require('../../examples/bitrix24-bizproc-loop.workflow.json');
const EXAMPLE_ID = 'e2eConcurrent001';
const PROCESSES = 40;

let tarball;
beforeAll(() => {
	tarball = packPackage();
});


describe.each(LINES)('n8n %s.x', (line) => {
	let n8n;
	let portal;
	let handlerUrl;

	beforeAll(async () => {
		portal = await startSandbox({ rateLimit: { burst: 50, drainPerSecond: 2 }, parallelWorkersMaxDelayMs: 40, maxLifetimeMs: 20 * 60 * 1000 });
		n8n = await createN8nInstance({ line, tarball });
		await n8n.importCredentials([
			{
				id: 'b24ExampleHook01',
				name: 'Bitrix24 webhook',
				type: 'bitrix24WebhookApi',
				data: { webhookUrl: portal.webhookUrl, applicationToken: portal.oauth.applicationToken, portalPlan: 'standard' },
			},
		]);
		await n8n.importWorkflow({ ...EXAMPLE, id: EXAMPLE_ID, active: false });
		await n8n.activateWorkflow(EXAMPLE_ID);
		await n8n.start();
		const trigger = EXAMPLE.nodes.find((node) => node.type.endsWith('.bitrix24BizprocTrigger'));
		handlerUrl = `${n8n.baseUrl}/webhook/${trigger.webhookId}/bitrix24-bizproc`;
		await n8n.waitForWebhook(handlerUrl);
		portal.clearJournal();
	});

	afterAll(async () => {
		await n8n?.dispose();
		await portal?.close();
	});

	test(`${PROCESSES} business processes at once: each gets its three lines in order and its result, nothing refused`, async () => {
		const runs = await Promise.all(
			Array.from({ length: PROCESSES }, (_, n) =>
				portal.startWorkflow({ handlerUrl, properties: { Order: `ORD-${n}` }, documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${n}`] }),
			),
		);
		expect(runs.map((run) => run.handlerStatus)).toEqual(Array(PROCESSES).fill(200));
		await until(() => runs.every((run) => portal.workflow(run.workflowId).state === 'completed'), 120_000);
		runs.forEach((run, n) => {
			const workflow = portal.workflow(run.workflowId);
			expect(workflow.logLines.map((l) => l.message)).toEqual([
				`n8n received the request for DEAL_${n} (order ORD-${n})`,
				'Order checked by n8n:\n- stock reserved\n- invoice prepared',
				'n8n finished: approved',
			]);
			expect(workflow.returnValues).toEqual({ result: 'approved' });
		});
		const calls = portal.journal().filter((entry) => entry.path.startsWith('/rest/'));
		expect(calls.filter((entry) => entry.status !== 200)).toEqual([]);
		// 120 writes in far fewer requests: executions that reach a node together share a batch.
		expect(calls.length).toBeLessThan(PROCESSES * 3);
		console.log(`n8n ${line}.x: ${PROCESSES * 3} writes in ${calls.length} requests (${calls.filter((e) => e.restMethod === 'batch').length} batches)`);
	});
});
