'use strict';

const { startSandbox } = require('..');
const { call, TIME_FIELDS, activityLogUrl, logMessages } = require('./helpers');

let portal;
beforeAll(async () => {
	portal = await startSandbox({ rateLimit: false });
});
afterAll(() => portal.close());

const log = (json) => call(activityLogUrl(portal), { json });

describe('event tokens', () => {
	test('have the portal shape: workflowId|activityName|eventId.hmacSha256', () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		expect(eventToken).toMatch(/^[0-9a-f]{14}\.\d{8}\|A\d{5}_\d{5}_\d{5}_\d{5}\|[A-Za-z0-9]{32}\.[0-9a-f]{64}$/);
		expect(eventToken.startsWith(`${workflowId}|`)).toBe(true);
		expect(portal.workflow(workflowId)).toMatchObject({ id: workflowId, state: 'waiting', useSubscription: true, returnValues: {}, logLines: [] });
	});

	test('workflowId and activityName can be chosen', () => {
		const { eventToken } = portal.issueEventToken({ workflowId: '55c1dc1c3f0d75.78875596', activityName: 'A51601_82584_96831_81132' });
		expect(eventToken).toMatch(/^55c1dc1c3f0d75\.78875596\|A51601_82584_96831_81132\|/);
	});

	test('the signature is keyed with a secret of each sandbox: another sandbox refuses the token', async () => {
		const other = await startSandbox({ rateLimit: false });
		try {
			const { eventToken } = other.issueEventToken();
			expect((await log({ event_token: eventToken, log_message: 'x' })).status).toBe(403);
		} finally {
			await other.close();
		}
	});
});

describe('bizproc.activity.log', () => {
	test('success answers 200 {result: true, time} with every time field', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const answer = await log({ event_token: eventToken, log_message: 'Please wait for answer!' });
		expect(answer.status).toBe(200);
		expect(answer.contentType).toBe('application/json; charset=utf-8');
		expect(answer.body.result).toBe(true);
		expect(Object.keys(answer.body.time).sort()).toEqual([...TIME_FIELDS].sort());
		expect(answer.body.time.date_start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
		expect(answer.body.time.date_finish).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
		expect(answer.body.time.operating_reset_at).toBeGreaterThan(answer.body.time.start);
		expect(logMessages(portal, workflowId)).toEqual(['Please wait for answer!']);
		expect(portal.logLines().filter((l) => l.workflowId === workflowId)).toEqual([
			{ workflowId, time: expect.any(String), message: 'Please wait for answer!' },
		]);
	});

	test('several log calls are all written and do not close the action', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		await log({ event_token: eventToken, log_message: 'one' });
		await log({ event_token: eventToken, log_message: 'two' });
		expect(logMessages(portal, workflowId)).toEqual(['one', 'two']);
		expect(portal.workflow(workflowId).state).toBe('waiting');
	});

	test.each([
		['a forged signature', (t) => t.replace(/.$/, (c) => (c === '0' ? '1' : '0'))],
		['a changed workflow id', (t) => `${t[0] === 'f' ? 'e' : 'f'}${t.slice(1)}`],
		['no signature', (t) => t.slice(0, t.lastIndexOf('.'))],
		['garbage', () => 'not-a-token'],
		['an empty string', () => ''],
	])('%s is 403 ACCESS_DENIED and writes nothing', async (_name, mangle) => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const answer = await log({ event_token: mangle(eventToken), log_message: 'x' });
		expect(answer.status).toBe(403);
		expect(answer.body).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied!' });
		expect(logMessages(portal, workflowId)).toEqual([]);
	});

	test('a missing or non-string token is ACCESS_DENIED', async () => {
		expect((await log({ log_message: 'x' })).body.error).toBe('ACCESS_DENIED');
		expect((await log({ event_token: 42, log_message: 'x' })).body.error).toBe('ACCESS_DENIED');
	});

	test('the token is checked before the message: bad token + empty message is ACCESS_DENIED', async () => {
		const answer = await log({ event_token: 'forged', log_message: '' });
		expect(answer.status).toBe(403);
		expect(answer.body.error).toBe('ACCESS_DENIED');
	});

	test.each([
		['missing', {}],
		['empty', { log_message: '' }],
		['"0"', { log_message: '0' }],
		['number 0', { log_message: 0 }],
		['false', { log_message: false }],
		['null', { log_message: null }],
		['[]', { log_message: [] }],
	])('a %s message is 400 ERROR_EMPTY_LOG_MESSAGE', async (_name, message) => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const answer = await log({ event_token: eventToken, ...message });
		expect(answer.status).toBe(400);
		expect(answer.body).toEqual({ error: 'ERROR_EMPTY_LOG_MESSAGE', error_description: 'Empty log message!' });
		expect(logMessages(portal, workflowId)).toEqual([]);
	});

	test('a " " or "00" message is not empty for PHP and is written', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		await log({ event_token: eventToken, log_message: ' ' });
		await log({ event_token: eventToken, log_message: '00' });
		expect(logMessages(portal, workflowId)).toEqual([' ', '00']);
	});

	test.each([
		['a number', 42],
		['an object', { text: 'hi' }],
		['true', true],
	])('a non-string message (%s) is written as the default text "Activity log"', async (_name, value) => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const answer = await log({ event_token: eventToken, log_message: value });
		expect(answer.body.result).toBe(true);
		expect(logMessages(portal, workflowId)).toEqual(['Activity log']);
	});

	test('an action without subscription answers true and writes nothing', async () => {
		const { eventToken, workflowId } = portal.issueEventToken({ useSubscription: false });
		expect(portal.workflow(workflowId)).toMatchObject({ state: 'completed', useSubscription: false });
		const answer = await log({ event_token: eventToken, log_message: 'x' });
		expect(answer.status).toBe(200);
		expect(answer.body.result).toBe(true);
		expect(logMessages(portal, workflowId)).toEqual([]);
	});

	test('an earlier run of the action: its token answers true and writes nothing', async () => {
		const first = portal.issueEventToken();
		const second = portal.issueEventToken({ workflowId: first.workflowId });
		expect(second.eventToken).not.toBe(first.eventToken);
		expect((await log({ event_token: first.eventToken, log_message: 'old' })).body.result).toBe(true);
		await log({ event_token: second.eventToken, log_message: 'new' });
		expect(logMessages(portal, first.workflowId)).toEqual(['new']);
	});

	test('messages are kept byte-exact: Cyrillic, emoji, newlines, 10 KB', async () => {
		const texts = ['Привет, мир', 'done ✅ 🎉', 'line 1\nline 2\r\n\ttab', 'x'.repeat(10 * 1024), '<b>"quotes" & \'apostrophes\'</b>'];
		const { eventToken, workflowId } = portal.issueEventToken();
		for (const text of texts) await log({ event_token: eventToken, log_message: text });
		const form = new URLSearchParams({ event_token: eventToken, log_message: 'форма 🧾\n' }).toString();
		await call(activityLogUrl(portal), { form });
		expect(logMessages(portal, workflowId)).toEqual([...texts, 'форма 🧾\n']);
		expect(Buffer.from(logMessages(portal, workflowId)[1], 'utf8')).toEqual(Buffer.from('done ✅ 🎉', 'utf8'));
	});

	test('works through OAuth with auth in the JSON body, as in the docs', async () => {
		const { access_token } = portal.issueOAuthTokens();
		const { eventToken, workflowId } = portal.issueEventToken();
		const answer = await call(`${portal.baseUrl}/rest/bizproc.activity.log`, { json: { event_token: eventToken, log_message: 'via oauth', auth: access_token } });
		expect(answer.status).toBe(200);
		expect(logMessages(portal, workflowId)).toEqual(['via oauth']);
	});

	test('the action closes after timeout_duration: then calls answer true and write nothing', async () => {
		const { eventToken, workflowId } = portal.issueEventToken({ timeoutDuration: 1 });
		await log({ event_token: eventToken, log_message: 'in time' });
		await new Promise((resolve) => setTimeout(resolve, 1100));
		expect((await log({ event_token: eventToken, log_message: 'too late' })).body.result).toBe(true);
		expect(portal.workflow(workflowId).state).toBe('completed');
		expect(logMessages(portal, workflowId)).toEqual(['in time']);
	});

	test('errors do not echo the event token', async () => {
		const { eventToken } = portal.issueEventToken();
		const answer = await log({ event_token: `${eventToken}x`, log_message: '' });
		expect(answer.text).not.toContain(eventToken.split('|')[2]);
	});
});
