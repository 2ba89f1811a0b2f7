/**
 * Rate limits and faults inside a real n8n: the sandbox's leaky bucket and injected faults switched
 * on; every line lands exactly once.
 */
const { startSandbox } = require('../sandbox');
const { fixture, sandboxCredentials } = require('./fixtures');
const { createN8nInstance, packPackage } = require('./n8n-harness');

const LINES = (process.env.N8N_E2E_LINES || '2,1').split(',');
const LOG_NODE = 'Bitrix24 Bizproc Log';

let tarball;
beforeAll(() => {
	tarball = packPackage();
});

describe.each(LINES)('n8n %s.x', (line) => {
	let n8n;
	let portal;
	let workflowCount = 0;

	beforeAll(async () => {
		portal = await startSandbox({ rateLimit: false, maxLifetimeMs: 30 * 60 * 1000 });
		n8n = await createN8nInstance({ line, tarball });
		await n8n.importCredentials(sandboxCredentials(portal, portal.issueOAuthTokens({})));
	});

	afterAll(async () => {
		await n8n?.dispose();
		await portal?.close();
	});

	beforeEach(() => {
		portal.clearJournal();
		portal.clearFaults();
	});

	/** Runs `count` log lines, each for its own business process, in one `n8n execute`. */
	async function logLines(count, credentialId) {
		const workflows = Array.from({ length: count }, () => portal.issueEventToken({}));
		const id = `e2eRateLimit${String(++workflowCount).padStart(4, '0')}`;
		await n8n.importWorkflow(
			fixture('handler-call-log.workflow.json', {
				__WORKFLOW_ID__: id,
				__CALLS_JSON__: JSON.stringify({ calls: workflows.map((w, n) => ({ event_token: w.eventToken, text: `line ${n}` })) }),
				__CREDENTIAL_TYPE__: 'bitrix24WebhookApi',
				__CREDENTIAL_ID__: credentialId,
				__AUTHENTICATION__: 'webhook',
				__ON_ERROR__: 'stopWorkflow',
			}),
		);
		const started = Date.now();
		const result = await n8n.execute(id);
		const [stored] = (await n8n.storedExecutions()).filter((execution) => execution.workflowId === id);
		return {
			elapsedMs: Date.now() - started,
			status: stored.status,
			error: stored.data.resultData.runData[LOG_NODE]?.[0]?.error,
			output: result,
			landed: workflows.map((w) => portal.workflow(w.workflowId).logLines.map((l) => l.message)),
		};
	}

	const logCalls = () => portal.journal().filter((entry) => entry.restMethod === 'bizproc.activity.log');
	const expected = (count) => Array.from({ length: count }, (_, n) => [`line ${n}`]);

	test('a burst larger than the portal allows waits its turn: 30 lines, each once, no call refused', async () => {
		portal.setRateLimit({ burst: 5, drainPerSecond: 10 });
		const run = await logLines(30, 'b24CustomPlan001');
		expect(run.error).toBeUndefined();
		expect(run.landed).toEqual(expected(30));
		expect(logCalls().filter((call) => call.status !== 200)).toEqual([]);
		portal.setRateLimit(false);
	});

	test('a portal stricter than the credential says: refused calls are sent again, each line once', async () => {
		portal.setRateLimit({ burst: 3, drainPerSecond: 10 });
		const run = await logLines(15, 'b24LoosePlan0001');
		expect(run.error).toBeUndefined();
		expect(run.landed).toEqual(expected(15));
		const calls = logCalls();
		expect(calls.some((call) => call.error === 'QUERY_LIMIT_EXCEEDED')).toBe(true);
		expect(calls.filter((call) => call.status === 200)).toHaveLength(15);
		portal.setRateLimit(false);
	});

	test('OPERATION_TIME_LIMIT: waits until operating_reset_at, then the line lands once', async () => {
		portal.injectFault({ kind: 'operationTimeLimit', operatingResetAt: Math.ceil(Date.now() / 1000) + 2 });
		const run = await logLines(1, 'b24WebhookCred01');
		expect(run.error).toBeUndefined();
		expect(run.landed).toEqual(expected(1));
		expect(logCalls().map((call) => call.status)).toEqual([429, 200]);
	});

	test('a dropped connection after the portal wrote the line is not sent again', async () => {
		portal.injectFault({ kind: 'drop', afterRun: true });
		const run = await logLines(1, 'b24WebhookCred01');
		expect(run.error.message).toBe('The connection to Bitrix24 was cut before it answered');
		expect(run.landed).toEqual(expected(1));
		expect(logCalls()).toHaveLength(1);
	});

	test('INTERNAL_SERVER_ERROR is not sent again', async () => {
		portal.injectFault({ kind: 'internalError', count: 3 });
		const run = await logLines(1, 'b24WebhookCred01');
		expect(run.error.message).toBe('Bitrix24 had an internal error (INTERNAL_SERVER_ERROR)');
		expect(logCalls()).toHaveLength(1);
	});
});
