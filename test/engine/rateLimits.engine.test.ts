/**
 * Rate limits and faults through n8n's engine: every line lands once, none is lost or sent twice.
 */
import type { IDataObject } from 'n8n-workflow';

import { runNode, type StoredCredentials } from './n8nEngine';
import { usePortal } from './portal';

const portal = usePortal();

/** Requests that carry log lines: plain calls and batches. */
const logCalls = () => portal.journal().filter((entry) => entry.restMethod === 'bizproc.activity.log' || entry.restMethod === 'batch');
// A webhook of its own per test: buckets are per portal and credential, shared by the whole process.
const webhook = (plan: IDataObject = {}): StoredCredentials => ({ bitrix24WebhookApi: { webhookUrl: portal.createWebhook({}).url, ...plan } });

async function logLines(count: number, credentials: StoredCredentials, options: IDataObject = {}) {
	const workflows = Array.from({ length: count }, () => portal.issueEventToken({}));
	const run = await runNode({
		parameters: { logMessage: '={{ "line " + $json.n }}', options },
		credentials,
		items: workflows.map((w, n) => ({ event_token: w.eventToken, n })),
	});
	const landed = workflows.map((w) => portal.workflow(w.workflowId)!.logLines.map((line) => line.message));
	return { run, landed };
}

test('QUERY_LIMIT_EXCEEDED: the call did not run, so the same item is sent again and lands once', async () => {
	portal.injectFault({ kind: 'error', status: 503, error: 'QUERY_LIMIT_EXCEEDED', errorDescription: 'Too many requests', count: 2 });
	const { run, landed } = await logLines(1, webhook({ portalPlan: 'custom', rateLimitBurst: 50, rateLimitDrainPerSecond: 20 }));
	expect(run.error).toBeUndefined();
	expect(landed).toEqual([['line 0']]);
	expect(logCalls().map((c) => c.status)).toEqual([503, 503, 200]);
});

test('QUERY_LIMIT_EXCEEDED past Max Wait: a clear error for that item, nothing written', async () => {
	portal.injectFault({ kind: 'error', status: 503, error: 'QUERY_LIMIT_EXCEEDED', errorDescription: 'Too many requests', count: 100 });
	const { run, landed } = await logLines(1, webhook({ portalPlan: 'off' }), { maxWaitSeconds: 1 });
	expect(run.error?.message).toBe("Bitrix24's request limit was exceeded (QUERY_LIMIT_EXCEEDED)");
	expect(run.error?.description).toMatch(/nothing was written.*kept trying for up to 1 s/s);
	expect(landed).toEqual([[]]);
});

test('OPERATION_TIME_LIMIT within Max Wait: waits until operating_reset_at, then lands once', async () => {
	const resetAt = Math.ceil(Date.now() / 1000) + 1;
	portal.injectFault({ kind: 'operationTimeLimit', operatingResetAt: resetAt });
	const { run, landed } = await logLines(1, webhook());
	expect(run.error).toBeUndefined();
	expect(landed).toEqual([['line 0']]);
	const [refused, written] = logCalls();
	expect(refused.status).toBe(429);
	expect(new Date(written.at).getTime()).toBeGreaterThanOrEqual(resetAt * 1000 - 50);
});

test('OPERATION_TIME_LIMIT beyond Max Wait: fails at once saying when the method frees up', async () => {
	portal.injectFault({ kind: 'operationTimeLimit', operatingResetAt: Math.floor(Date.now() / 1000) + 3600 });
	const started = Date.now();
	const { run } = await logLines(1, webhook(), { maxWaitSeconds: 60 });
	expect(Date.now() - started).toBeLessThan(5000);
	expect(run.error?.message).toMatch(/OPERATION_TIME_LIMIT/);
	expect(run.error?.description).toMatch(/frees up at \d{4}-\d\d-\d\dT/);
});

test("Max Wait 0 with no limit: a process's second line waits for its first's answer, which is not a wait for the plan, and lands", async () => {
	const { eventToken, workflowId } = portal.issueEventToken({});
	const run = await runNode({
		parameters: { logMessage: '={{ "line " + $itemIndex }}', options: { maxWaitSeconds: 0, combineIntoBatches: false } },
		credentials: webhook({ portalPlan: 'off' }),
		items: [{ event_token: eventToken }, { event_token: eventToken }, { event_token: eventToken }],
	});
	expect(run.error).toBeUndefined();
	expect(portal.workflow(workflowId)!.logLines.map((line) => line.message)).toEqual(['line 0', 'line 1', 'line 2']);
});

test('batches off, a burst larger than the portal allows waits its turn: every line once, no call refused', async () => {
	portal.setRateLimit({ burst: 5, drainPerSecond: 10 });
	const started = Date.now();
	const { run, landed } = await logLines(25, webhook({ portalPlan: 'custom', rateLimitBurst: 5, rateLimitDrainPerSecond: 10 }), { combineIntoBatches: false });
	const elapsedMs = Date.now() - started;
	expect(run.error).toBeUndefined();
	expect(landed).toEqual(Array.from({ length: 25 }, (_, n) => [`line ${n}`]));
	expect(logCalls().filter((c) => c.status !== 200)).toEqual([]);
	expect(elapsedMs).toBeGreaterThanOrEqual(((25 - 5) / 10) * 1000 - 100);
});

test('batches off, a portal stricter than the credential says: refused calls are sent again and every line lands once', async () => {
	portal.setRateLimit({ burst: 3, drainPerSecond: 10 });
	const { run, landed } = await logLines(10, webhook({ portalPlan: 'custom', rateLimitBurst: 50, rateLimitDrainPerSecond: 50 }), { combineIntoBatches: false });
	expect(run.error).toBeUndefined();
	expect(landed).toEqual(Array.from({ length: 10 }, (_, n) => [`line ${n}`]));
	const calls = logCalls();
	expect(calls.filter((c) => c.status === 503).length).toBeGreaterThan(0);
	expect(calls.filter((c) => c.status === 200)).toHaveLength(10);
});

test('a refused connection (nothing listening) is tried again; the item fails only after the retries', async () => {
	const { eventToken } = portal.issueEventToken({});
	const started = Date.now();
	const run = await runNode({
		parameters: { logMessage: 'x' },
		credentials: { bitrix24WebhookApi: { webhookUrl: 'http://127.0.0.1:9/rest/1/abcdef123456/' } },
		items: [{ event_token: eventToken }],
	});
	expect(run.error?.message).toMatch(/connection refused/);
	expect(Date.now() - started).toBeGreaterThanOrEqual(1400); // 0.5 s + 1 s between the three attempts
});
