/**
 * Batches, rate limits and faults inside a real n8n: the sandbox's leaky bucket, parallel workers and
 * injected faults switched on; every line lands exactly once, each business process's lines in order.
 */
const { fixture, sandboxCredentials } = require('../../harness/fixtures');
const { N8N_LINES, startN8nAndSandbox } = require('../../harness/n8n-and-sandbox');

const LOG_NODE = 'Bitrix24 Bizproc Log';

describe.each(N8N_LINES)('n8n %s.x', (line) => {
	let n8n, portal, stopAll; // what startN8nAndSandbox started
	let workflowCount = 0;

	beforeAll(async () => {
		({ n8n, portal, stop: stopAll } = await startN8nAndSandbox({ line, credentials: (sandbox) => sandboxCredentials(sandbox, sandbox.issueOAuthTokens({})) }));
	});

	afterAll(async () => await stopAll?.());

	beforeEach(() => {
		portal.clearJournal();
		portal.clearFaults();
		portal.setParallelWorkers(0);
	});

	/**
	 * Runs `count` log lines in one `n8n execute`: line n goes to business process n % processes, so
	 * each process gets its lines interleaved with the others'.
	 */
	async function logLines(count, credentialId, { processes = count, options = {} } = {}) {
		const workflows = Array.from({ length: processes }, () => portal.issueEventToken({}));
		const id = `e2eRateLimit${String(++workflowCount).padStart(4, '0')}`;
		await n8n.importWorkflow(
			fixture('handler-call-log.workflow.json', {
				__WORKFLOW_ID__: id,
				__CALLS_JSON__: JSON.stringify({ calls: Array.from({ length: count }, (_, n) => ({ event_token: workflows[n % processes].eventToken, text: `line ${n}` })) }),
				__CREDENTIAL_TYPE__: 'bitrix24WebhookApi',
				__CREDENTIAL_ID__: credentialId,
				__AUTHENTICATION__: 'webhook',
				__ON_ERROR__: 'stopWorkflow',
				__LOG_OPTIONS__: options,
			}),
		);
		const started = Date.now();
		const result = await n8n.execute(id);
		const [stored] = await n8n.readExecutions({ workflowId: id });
		const landedNow = () => workflows.map((w) => portal.workflow(w.workflowId).logLines.map((l) => l.message));
		return {
			landedNow,
			elapsedMs: Date.now() - started,
			status: stored.status,
			error: stored.data.resultData.runData[LOG_NODE]?.[0]?.error,
			output: result,
			landed: workflows.map((w) => portal.workflow(w.workflowId).logLines.map((l) => l.message)),
		};
	}

	/** Requests carrying log lines: plain calls and batches. */
	const logCalls = () => portal.journal().filter((entry) => entry.restMethod === 'bizproc.activity.log' || entry.restMethod === 'batch');
	const expected = (count, processes = count) =>
		Array.from({ length: processes }, (_, p) => Array.from({ length: count }, (_, n) => n).filter((n) => n % processes === p).map((n) => `line ${n}`));

	test('120 lines of 4 processes, the portal running requests in parallel: 3 batches, each process in order, none refused', async () => {
		portal.setRateLimit({ burst: 50, drainPerSecond: 2 });
		portal.setParallelWorkers(40);
		const run = await logLines(120, 'b24WebhookCred01', { processes: 4 });
		expect(run.error).toBeUndefined();
		expect(run.landed).toEqual(expected(120, 4));
		expect(logCalls().map((call) => [call.restMethod, call.batchCommands, call.status])).toEqual([
			['batch', 50, 200],
			['batch', 50, 200],
			['batch', 20, 200],
		]);
		portal.setRateLimit(false);
	});

	test('a batch refused once by the rate limit (503) goes again: every line once', async () => {
		portal.injectFault({ kind: 'error', method: 'batch', status: 503, error: 'QUERY_LIMIT_EXCEEDED', errorDescription: 'Too many requests' });
		const run = await logLines(6, 'b24WebhookCred01', { processes: 2 });
		expect(run.error).toBeUndefined();
		expect(run.landed).toEqual(expected(6, 2));
		expect(logCalls().map((call) => [call.batchCommands, call.status])).toEqual([
			[6, 503],
			[6, 200],
		]);
	});

	test('batches off, a burst larger than the portal allows waits its turn: 30 lines, each once, no call refused', async () => {
		portal.setRateLimit({ burst: 5, drainPerSecond: 10 });
		const run = await logLines(30, 'b24CustomPlan001', { options: { combineIntoBatches: false } });
		expect(run.error).toBeUndefined();
		expect(run.landed).toEqual(expected(30));
		expect(logCalls().filter((call) => call.status !== 200)).toEqual([]);
		portal.setRateLimit(false);
	});

	test('batches off, a portal stricter than the credential says: refused calls are sent again, each line once', async () => {
		portal.setRateLimit({ burst: 3, drainPerSecond: 10 });
		const run = await logLines(15, 'b24LoosePlan0001', { options: { combineIntoBatches: false } });
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

	// 60 lines of one process, Timeout 2 s, the first batch (lines 0-49) answered only after 5 s: n8n gives
	// up at 2 s while the portal goes on and writes it. Lines 50-59 must not overtake it.
	describe('after a batch that got no answer in time', () => {
		const sixty = (options) => logLines(60, 'b24WebhookCred01', { processes: 1, options: { timeoutSeconds: 2, ...options } });
		const landsAfter = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

		test('the next batch waits until the portal can no longer be running it (70 s after it left): all 60 lines in order', async () => {
			portal.injectFault({ kind: 'slow', delayMs: 5000, method: 'batch' });
			const run = await sixty({});
			expect(run.error.message).toBe('The Bitrix24 portal did not answer in time');
			expect(run.landed).toEqual(expected(60, 1));
			expect(logCalls().map((call) => call.batchCommands)).toEqual([50, 10]);
		}, 180_000);

		test('Max Wait 10 s: lines 50-59 are never sent', async () => {
			portal.injectFault({ kind: 'slow', delayMs: 5000, method: 'batch' });
			const run = await sixty({ maxWaitSeconds: 10 });
			expect(run.error.message).toBe('The Bitrix24 portal did not answer in time');
			await landsAfter(4000); // the slow batch lands
			expect(run.landedNow()).toEqual([expected(50, 1)[0]]);
			expect(logCalls().map((call) => call.batchCommands)).toEqual([50]);
		}, 180_000);
	});

	test('INTERNAL_SERVER_ERROR is not sent again', async () => {
		portal.injectFault({ kind: 'internalError', count: 3 });
		const run = await logLines(1, 'b24WebhookCred01');
		expect(run.error.message).toBe('Bitrix24 had an internal error (INTERNAL_SERVER_ERROR)');
		expect(logCalls()).toHaveLength(1);
	});
});
