/**
 * The whole loop in n8n queue mode (queue-harness.js): Postgres, Redis, one main, one webhook
 * processor, two workers. The example workflow under a load of business processes called at once,
 * a repeated delivery to the webhook processor, and registration with the OAuth2 credential.
 *
 *   QUEUE_LOAD_PROCESSES (200)   business processes started at once in the load test
 *   QUEUE_LOAD_TIMEOUT_S         how long the load may take (default: generous for today's pacing)
 *   N8N_E2E_LINES (2,1)          the n8n lines to run
 */
const { fixture, sandboxCredentials } = require('../../harness/fixtures');
const { packedPackage } = require('../../harness/n8n-harness');
const { N8N_LINES } = require('../../harness/n8n-and-sandbox');
const { createQueueCluster } = require('../../harness/queue-harness');
const { EXAMPLE_ID, startLoadPortal, installExample, exampleHandlerUrl, runLoad, describeLoad } = require('../../harness/queueLoad');
const { expectedLines } = require('../../harness/example-loop');
const { sleep } = require('../../harness/processes');
const { until } = require('../../harness/until');

const PROCESSES = Number(process.env.QUEUE_LOAD_PROCESSES || 200);
// Each process writes 3 times; the portal takes 50 at once, then 2 per second. Twice that, plus start-up.
const LOAD_TIMEOUT_MS = Number(process.env.QUEUE_LOAD_TIMEOUT_S || Math.ceil(((PROCESSES * 3) / 2) * 2 + 180)) * 1000;
const REGISTERED_ID = 'queueRegisteredA';
const REGISTERED_PATH = 'e2e-registered-action/bitrix24-bizproc';

/**
 * What the trigger's registration options say (default: Remove Registration on Deactivation off),
 * step by step: the changes the portal must see (bizproc.activity add/update/delete), each exactly
 * once whichever process makes them, whether the action is registered after, and whether a business
 * process then reaches the workflow. Adapt this table, not the test, when the options change.
 */
const renameAction = (nodes) => {
	nodes.find((node) => node.type.endsWith('.bitrix24BizprocTrigger')).parameters.activityName = 'Check the order (renamed)';
};
const REGISTRATION_STEPS = [
	{ step: 'activate', active: true, changes: ['bizproc.activity.add oauth 200'], registered: true, reachable: true },
	{ step: 'publish with the action renamed', active: true, publish: renameAction, changes: ['bizproc.activity.update oauth 200'], registered: true, reachable: true },
	{ step: 'deactivate: the action stays', active: false, changes: [], registered: true, reachable: false },
	{ step: 'activate again: nothing to change', active: true, changes: [], registered: true, reachable: true },
];
const CHANGES = ['bizproc.activity.add', 'bizproc.activity.update', 'bizproc.activity.delete'];
/** How long after a step other processes get to make a second call that would be wrong. */
const SETTLE_MS = 5000;

describe.each(N8N_LINES)('n8n %s.x in queue mode (main, webhook processor, 2 workers)', (line) => {
	let cluster;
	let portal;
	let handlerUrl;

	beforeAll(async () => {
		portal = await startLoadPortal({ maxLifetimeMs: 60 * 60 * 1000 });
		// On 2.x with the expression engine the README advises for bursts (as concurrency.e2e.test.js):
		// n8n 2.x's default engine builds an isolate for every call to a trigger, which on 2 shared cores
		// makes n8n's own answers to a 200-call burst late (B6 in docs/benchmarks.md measures both).
		cluster = await createQueueCluster({ line, tarball: packedPackage(), workers: 2, env: line === '2' ? { N8N_EXPRESSION_ENGINE: 'legacy' } : {}, maxLifetimeMs: 60 * 60 * 1000 });
		await installExample(cluster, portal);
		await cluster.main.importCredentials(sandboxCredentials(portal, portal.issueOAuthTokens({}), { applicationToken: portal.oauth.applicationToken }).filter((credential) => credential.type === 'bitrix24OAuth2Api'));
		await cluster.main.importWorkflow(fixture('registered-action.workflow.json', { __WORKFLOW_ID__: REGISTERED_ID }));
		await cluster.start();
		await cluster.main.login();
		handlerUrl = await exampleHandlerUrl(cluster);
	}, 10 * 60 * 1000);

	afterAll(async () => {
		await cluster?.dispose();
		await portal?.close();
	});

	afterEach(() => {
		expect(cluster.exited()).toEqual([]);
		expect(cluster.main.outboundAttempts()).toEqual([]);
	});

	const executionsOf = async (workflowId) => await cluster.main.readExecutions({ workflowId });

	/** The editor's save of an edited active workflow, then (2.x) its publish, as triggerLifecycle.e2e does. */
	async function publishEdit(id, edit) {
		const { data } = await cluster.main.getJson(`/rest/workflows/${id}`);
		const nodes = structuredClone(data.nodes);
		edit(nodes);
		await cluster.main.patchJson(`/rest/workflows/${id}`, { nodes, connections: data.connections, versionId: data.versionId });
		if (line === '1') return; // 1.x re-activates an active workflow on save
		await cluster.main.setActive(id, true);
		await until(async () => {
			const { data: status } = await cluster.main.getJson(`/rest/workflows/${id}/publication-status`);
			return status.pendingVersionId === null && status.status !== 'in_progress';
		}, 60_000, 'publication');
	}

	test('production calls go to the webhook processor: the main does not serve them', async () => {
		const response = await fetch(`${cluster.main.baseUrl}/webhook/${handlerUrl.split('/webhook/')[1]}`, { method: 'POST' });
		await response.arrayBuffer();
		expect(response.status).toBe(404);
	});

	test('a call delivered twice to the webhook processor runs once', async () => {
		const before = (await executionsOf(EXAMPLE_ID)).length;
		const run = await portal.startWorkflow({ handlerUrl, properties: { Order: 'ORD-R' }, documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_R'] });
		const again = await run.redeliver();
		expect([run.handlerStatus, again.handlerStatus]).toEqual([200, 200]);
		await until(() => portal.workflow(run.workflowId).state === 'completed');
		await sleep(3000); // a second execution, if one had been queued, would have run by now
		const executions = await executionsOf(EXAMPLE_ID);
		expect(executions).toHaveLength(before + 1);
		expect(portal.workflow(run.workflowId).logLines.map((l) => l.message)).toEqual(expectedLines('R'));
	});

	test('with the OAuth2 credential, each step of the registration is made once, not once per process', async () => {
		for (const { step, active, publish, changes, registered, reachable } of REGISTRATION_STEPS) {
			const journalStart = portal.journal().length;
			if (publish) await publishEdit(REGISTERED_ID, publish);
			else await cluster.main.setActive(REGISTERED_ID, active);
			const changeCalls = () => portal.journal().slice(journalStart).filter((entry) => CHANGES.includes(entry.restMethod ?? ''));
			await until(() => changeCalls().length >= changes.length); // 2.x publishes in the background
			await sleep(SETTLE_MS);
			expect({ step, changes: changeCalls().map((entry) => `${entry.restMethod} ${entry.authKind} ${entry.status}`) }).toEqual({ step, changes });
			expect({ step, registered: portal.registeredActivities().length > 0 }).toEqual({ step, registered });
			if (!reachable) continue;

			// The registered HANDLER is the webhook processor's URL, and a call through it runs on a worker.
			const [action] = portal.registeredActivities();
			expect(action).toMatchObject({ CODE: 'n8n_e2e_check', HANDLER: `${cluster.webhookBaseUrl}/webhook/${REGISTERED_PATH}`, USE_SUBSCRIPTION: 'Y' });
			await cluster.main.waitForWebhook(action.HANDLER, 120_000);
			const before = new Set((await executionsOf(REGISTERED_ID)).map((execution) => execution.id));
			const run = await portal.startWorkflow({ code: 'n8n_e2e_check', properties: { Order: 'ORD-Q' } });
			expect(run.handlerStatus).toBe(200);
			await until(() => portal.workflow(run.workflowId).state === 'completed');
			expect(portal.workflow(run.workflowId).logLines[0].message).toBe('Order ORD-Q checked through the registered action');
			const execution = (await executionsOf(REGISTERED_ID)).find((candidate) => !before.has(candidate.id));
			await until(() => cluster.workerOf().has(execution.id), 10_000);
		}
	});

	test(
		`${PROCESSES} business processes call the handler at once: every one gets its lines once, in order, and its result; both workers work`,
		async () => {
			const figures = await runLoad({ cluster, portal, handlerUrl, processes: PROCESSES, timeoutMs: LOAD_TIMEOUT_MS, onProgress: (text) => process.stdout.write(`  [queue ${line}.x] ${text}\n`) });
			process.stdout.write(`\n[queue ${line}.x, n8n ${cluster.version}] ${describeLoad(figures)}\n\n`);
			expect(figures.exited).toEqual([]);
			expect(figures.handlerStatuses).toEqual({ 200: PROCESSES });
			expect(figures.wrong).toEqual([]);
			expect(figures.correct).toBe(PROCESSES);
			expect(figures.executions).toBe(PROCESSES);
			expect(figures.executionStatuses).toEqual({ success: PROCESSES });
			expect(figures.unattributed).toBe(0);
			for (const count of Object.values(figures.perWorker)) expect(count).toBeGreaterThan(0);
			// Refused calls (the portal's limit is shared, the buckets are not) were waited out, never lost.
			expect(figures.portal.otherErrors).toEqual([]);
		},
		LOAD_TIMEOUT_MS + 3 * 60 * 1000,
	);
});
