'use strict';

const { startSandbox } = require('../sandbox');
const { call, TIME_FIELDS } = require('./helpers');

let portal;
beforeAll(async () => {
	portal = await startSandbox({ rateLimit: false });
});
afterAll(() => portal.close());

const batchUrl = () => `${portal.webhookUrl}batch`;
const logCommand = (eventToken, message) => `bizproc.activity.log?${new URLSearchParams({ event_token: eventToken, log_message: message })}`;
const messages = (workflowId) => portal.workflow(workflowId).logLines.map((line) => line.message);

describe('batch', () => {
	test('runs commands from a JSON body; 200 with results, errors and times per command', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const answer = await call(batchUrl(), {
			json: { halt: 0, cmd: { first: logCommand(eventToken, 'one & two'), bad: 'bizproc.activity.log?event_token=forged&log_message=x', second: logCommand(eventToken, 'три') } },
		});
		expect(answer.status).toBe(200);
		expect(answer.body.result).toEqual({
			result: { first: true, second: true },
			result_error: { bad: { error: 'ACCESS_DENIED', error_description: 'Access denied!' } },
			result_total: {},
			result_next: {},
			result_time: { first: expect.any(Object), second: expect.any(Object) },
		});
		expect(Object.keys(answer.body.result.result_time.first).sort()).toEqual([...TIME_FIELDS].sort());
		expect(Object.keys(answer.body.time).sort()).toEqual([...TIME_FIELDS].sort());
		expect(messages(workflowId)).toEqual(['one & two', 'три']);
	});

	test('form body: cmd[key] with the command URL-encoded twice', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const form = new URLSearchParams({ halt: '0', 'cmd[a]': logCommand(eventToken, 'a+b=c&d') }).toString();
		const answer = await call(batchUrl(), { form });
		expect(answer.body.result.result).toEqual({ a: true });
		expect(messages(workflowId)).toEqual(['a+b=c&d']);
	});

	test('halt=1 stops at the first error', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const answer = await call(batchUrl(), {
			json: { halt: 1, cmd: { a: logCommand(eventToken, 'before'), b: `bizproc.activity.log?event_token=${encodeURIComponent(eventToken)}`, c: logCommand(eventToken, 'after') } },
		});
		expect(answer.status).toBe(200);
		expect(answer.body.result.result).toEqual({ a: true });
		expect(answer.body.result.result_error).toEqual({ b: { error: 'ERROR_EMPTY_LOG_MESSAGE', error_description: 'Empty log message!' } });
		expect(messages(workflowId)).toEqual(['before']);
	});

	test('halt=0 goes on after an error', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		await call(batchUrl(), { json: { halt: 0, cmd: { a: 'no.such.method', b: logCommand(eventToken, 'after') } } });
		expect(messages(workflowId)).toEqual(['after']);
	});

	test('50 commands are fine; 51 are 400 ERROR_BATCH_LENGTH_EXCEEDED and none runs', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const commands = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, logCommand(eventToken, `m${i}`)]));
		const tooMany = await call(batchUrl(), { json: { cmd: commands(51) } });
		expect(tooMany.status).toBe(400);
		expect(tooMany.body.error).toBe('ERROR_BATCH_LENGTH_EXCEEDED');
		expect(messages(workflowId)).toEqual([]);
		const fifty = await call(batchUrl(), { json: { cmd: commands(50) } });
		expect(Object.keys(fifty.body.result.result)).toHaveLength(50);
		expect(messages(workflowId)).toHaveLength(50);
	});

	test('a nested batch is refused per command with ERROR_BATCH_METHOD_NOT_ALLOWED', async () => {
		const answer = await call(batchUrl(), { json: { cmd: { inner: 'batch?cmd[x]=profile', ok: 'profile' } } });
		expect(answer.status).toBe(200);
		expect(answer.body.result.result_error.inner).toEqual({ error: 'ERROR_BATCH_METHOD_NOT_ALLOWED', error_description: 'Method is not allowed for batch usage' });
		expect(answer.body.result.result.ok.ID).toBe('1');
	});

	test('commands run with the batch authorization and its scopes', async () => {
		const hook = portal.createWebhook({ scopes: ['crm'] });
		const { eventToken } = portal.issueEventToken();
		const answer = await call(`${hook.url}batch`, { json: { cmd: { a: logCommand(eventToken, 'x') } } });
		expect(answer.body.result.result_error.a.error).toBe('insufficient_scope');
	});

	test('a batch is one request in the journal', async () => {
		portal.clearJournal();
		const { eventToken } = portal.issueEventToken();
		await call(batchUrl(), { json: { cmd: { a: logCommand(eventToken, '1'), b: logCommand(eventToken, '2') } } });
		expect(portal.journal()).toHaveLength(1);
		expect(portal.journal()[0]).toMatchObject({ restMethod: 'batch', status: 200 });
	});
});

describe('batch and the rate limit', () => {
	test('a batch counts once', async () => {
		const limited = await startSandbox({ rateLimit: { burst: 2, drainPerSecond: 0.001 } });
		try {
			const { eventToken, workflowId } = limited.issueEventToken();
			const cmd = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}`, logCommand(eventToken, `m${i}`)]));
			expect((await call(`${limited.webhookUrl}batch`, { json: { cmd } })).status).toBe(200);
			expect((await call(`${limited.webhookUrl}batch`, { json: { cmd } })).status).toBe(200);
			expect((await call(`${limited.webhookUrl}batch`, { json: { cmd } })).status).toBe(503);
			expect(limited.workflow(workflowId).logLines).toHaveLength(20);
		} finally {
			await limited.close();
		}
	});
});
