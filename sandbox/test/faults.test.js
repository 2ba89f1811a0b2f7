'use strict';

const { startSandbox } = require('..');
const { call, writeLog, logMessages } = require('./helpers');

let portal;
beforeAll(async () => {
	portal = await startSandbox({ rateLimit: false });
});
afterEach(() => portal.clearFaults());
afterAll(() => portal.close());

describe('injected faults', () => {
	test('internalError: 500 INTERNAL_SERVER_ERROR for the next call only, which does not run', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		portal.injectFault({ kind: 'internalError' });
		const failed = await writeLog(portal, eventToken, 'lost');
		expect(failed.status).toBe(500);
		expect(failed.body.error).toBe('INTERNAL_SERVER_ERROR');
		expect((await writeLog(portal, eventToken, 'kept')).status).toBe(200);
		expect(logMessages(portal, workflowId)).toEqual(['kept']);
	});

	test('count: the next N calls fail', async () => {
		const { eventToken } = portal.issueEventToken();
		portal.injectFault({ kind: 'internalError', count: 2 });
		expect((await writeLog(portal, eventToken, 'x')).status).toBe(500);
		expect((await writeLog(portal, eventToken, 'x')).status).toBe(500);
		expect((await writeLog(portal, eventToken, 'x')).status).toBe(200);
	});

	test('method: only calls of that method count', async () => {
		const { eventToken } = portal.issueEventToken();
		portal.injectFault({ kind: 'internalError', method: 'bizproc.activity.log' });
		expect((await call(`${portal.webhookUrl}profile`)).status).toBe(200);
		expect((await writeLog(portal, eventToken, 'x')).status).toBe(500);
	});

	test('operationTimeLimit: 429 with time.operating_reset_at', async () => {
		const { eventToken } = portal.issueEventToken();
		portal.injectFault({ kind: 'operationTimeLimit', operatingResetAt: 1900000000 });
		const answer = await writeLog(portal, eventToken, 'x');
		expect(answer.status).toBe(429);
		expect(answer.body).toMatchObject({ error: 'OPERATION_TIME_LIMIT', time: { operating_reset_at: 1900000000 } });
		expect(answer.body.error_description).toEqual(expect.any(String));
	});

	test('operationTimeLimit without a reset time: 10 minutes ahead', async () => {
		portal.injectFault({ kind: 'operationTimeLimit' });
		const answer = await call(`${portal.webhookUrl}profile`);
		expect(answer.body.time.operating_reset_at).toBeGreaterThan(Date.now() / 1000 + 500);
	});

	test('methodNotFound: 404 ERROR_METHOD_NOT_FOUND for an existing method', async () => {
		const { eventToken } = portal.issueEventToken();
		portal.injectFault({ kind: 'methodNotFound' });
		const answer = await writeLog(portal, eventToken, 'x');
		expect(answer.status).toBe(404);
		expect(answer.body).toEqual({ error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' });
	});

	test('htmlPage: 502 text/html like a proxy', async () => {
		portal.injectFault({ kind: 'htmlPage' });
		const answer = await call(`${portal.webhookUrl}profile`);
		expect(answer.status).toBe(502);
		expect(answer.contentType).toMatch(/^text\/html/);
		expect(answer.text).toContain('502 Bad Gateway');
	});

	test('error: any Bitrix24 error body and status', async () => {
		portal.injectFault({ kind: 'error', status: 403, error: 'ACCESS_DENIED', errorDescription: 'REST is available only on commercial plans' });
		const answer = await call(`${portal.webhookUrl}profile`);
		expect(answer.status).toBe(403);
		expect(answer.body).toEqual({ error: 'ACCESS_DENIED', error_description: 'REST is available only on commercial plans' });
		portal.injectFault({ kind: 'error', status: 503, error: 'OVERLOAD_LIMIT', errorDescription: 'REST API is blocked due to overload.' });
		expect((await call(`${portal.webhookUrl}profile`)).body.error).toBe('OVERLOAD_LIMIT');
	});

	test('slow: answers normally after delayMs', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		portal.injectFault({ kind: 'slow', delayMs: 300 });
		const started = Date.now();
		const answer = await writeLog(portal, eventToken, 'slowly');
		expect(Date.now() - started).toBeGreaterThanOrEqual(290);
		expect(answer.status).toBe(200);
		expect(logMessages(portal, workflowId)).toEqual(['slowly']);
	});

	test('drop: the connection is destroyed and the call did NOT run', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		portal.injectFault({ kind: 'drop' });
		await expect(writeLog(portal, eventToken, 'never')).rejects.toThrow();
		expect(logMessages(portal, workflowId)).toEqual([]);
		expect(portal.journal().at(-1)).toMatchObject({ status: 0, error: 'CONNECTION_DROPPED' });
	});

	test('drop with afterRun: the call ran, then the connection is destroyed', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		portal.injectFault({ kind: 'drop', afterRun: true });
		await expect(writeLog(portal, eventToken, 'ran once')).rejects.toThrow();
		expect(logMessages(portal, workflowId)).toEqual(['ran once']);
	});

	test('clearFaults removes pending faults; unknown kinds are refused', async () => {
		portal.injectFault({ kind: 'internalError', count: 5 });
		portal.clearFaults();
		expect((await call(`${portal.webhookUrl}profile`)).status).toBe(200);
		expect(() => portal.injectFault({ kind: 'meteor' })).toThrow(/Unknown fault kind/);
	});
});

describe('faults inside a batch', () => {
	const batch = (cmd) => call(`${portal.webhookUrl}batch`, { json: { halt: 0, cmd } });
	const logCommand = (eventToken, message) => `bizproc.activity.log?${new URLSearchParams({ event_token: eventToken, log_message: message })}`;

	test('operationTimeLimit for a method: matching commands get OPERATION_TIME_LIMIT without running; the batch is 200', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		portal.injectFault({ kind: 'operationTimeLimit', method: 'bizproc.activity.log', count: 2 });
		const answer = await batch({ a: logCommand(eventToken, 'a'), p: 'profile', b: logCommand(eventToken, 'b'), c: logCommand(eventToken, 'c') });
		expect(answer.status).toBe(200);
		const blocked = { error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.' };
		expect(answer.body.result.result_error).toEqual({ a: blocked, b: blocked });
		// As in the core, an error entry has no time block: the reset time is not in the answer.
		expect(Object.keys(answer.body.result.result_time)).toEqual(['p', 'c']);
		expect(logMessages(portal, workflowId)).toEqual(['c']);
	});

	test('internalError, methodNotFound and error kinds become that command\'s result_error entry', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		portal.injectFault({ kind: 'internalError', method: 'bizproc.activity.log' });
		portal.injectFault({ kind: 'methodNotFound', method: 'bizproc.activity.log' });
		portal.injectFault({ kind: 'error', method: 'bizproc.activity.log', status: 503, error: 'OVERLOAD_LIMIT', errorDescription: 'REST API is blocked due to overload.' });
		const answer = await batch({ a: logCommand(eventToken, 'a'), b: logCommand(eventToken, 'b'), c: logCommand(eventToken, 'c'), d: logCommand(eventToken, 'd') });
		expect(answer.status).toBe(200);
		expect(answer.body.result.result_error).toEqual({
			a: { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' },
			b: { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' },
			c: { error: 'OVERLOAD_LIMIT', error_description: 'REST API is blocked due to overload.' },
		});
		expect(logMessages(portal, workflowId)).toEqual(['d']);
	});

	test('a command fault waits for its method: the batch request and other methods pass it by', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		portal.injectFault({ kind: 'operationTimeLimit', method: 'bizproc.event.send' });
		const answer = await batch({ a: logCommand(eventToken, 'a') });
		expect(answer.body.result.result_error).toEqual([]);
		const send = await batch({ s: `bizproc.event.send?${new URLSearchParams({ event_token: eventToken })}` });
		expect(send.body.result.result_error.s.error).toBe('OPERATION_TIME_LIMIT');
		expect(logMessages(portal, workflowId)).toEqual(['a']);
	});

	test('HTTP-level kinds naming a method never hit a command; they wait for a plain call', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		portal.injectFault({ kind: 'htmlPage', method: 'bizproc.activity.log' });
		expect((await batch({ a: logCommand(eventToken, 'in batch') })).body.result.result).toEqual({ a: true });
		expect((await writeLog(portal, eventToken, 'plain')).status).toBe(502);
		expect(logMessages(portal, workflowId)).toEqual(['in batch']);
	});

	test('faults without a method, or for "batch", hit the batch request itself', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		portal.injectFault({ kind: 'internalError' });
		expect((await batch({ a: logCommand(eventToken, 'lost') })).status).toBe(500);
		portal.injectFault({ kind: 'htmlPage', method: 'batch' });
		expect((await batch({ a: logCommand(eventToken, 'lost too') })).status).toBe(502);
		portal.injectFault({ kind: 'drop', method: 'batch', afterRun: true });
		await expect(batch({ a: logCommand(eventToken, 'ran, answer lost') })).rejects.toThrow();
		expect(logMessages(portal, workflowId)).toEqual(['ran, answer lost']);
	});
});
