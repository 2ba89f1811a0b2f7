'use strict';

const { startSandbox } = require('..');
const { call, activityLogUrl } = require('./helpers');

let portal;
beforeAll(async () => {
	portal = await startSandbox({ rateLimit: false });
});
afterAll(() => portal.close());

const send = (json) => call(`${portal.webhookUrl}bizproc.event.send`, { json });
const log = (json) => call(activityLogUrl(portal), { json });

describe('bizproc.event.send', () => {
	test('keeps the return values, completes the action and writes the default log text', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const answer = await send({ event_token: eventToken, return_values: { outputString: 'abc', count: 3 } });
		expect(answer.status).toBe(200);
		expect(answer.body.result).toBe(true);
		expect(portal.workflow(workflowId)).toMatchObject({
			state: 'completed',
			returnValues: { outputString: 'abc', count: 3 },
			logLines: [{ time: expect.any(String), message: 'Received response from the application' }],
		});
	});

	test('writes LOG_MESSAGE when given; form bodies with bracket keys work', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const form = new URLSearchParams({ EVENT_TOKEN: eventToken, 'RETURN_VALUES[answer]': '42', LOG_MESSAGE: 'All done' }).toString();
		expect((await call(`${portal.webhookUrl}bizproc.event.send`, { form })).status).toBe(200);
		expect(portal.workflow(workflowId)).toMatchObject({ returnValues: { answer: '42' }, logLines: [{ message: 'All done' }] });
	});

	test('after completion, log calls answer true and write nothing; a second send changes nothing', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		await send({ event_token: eventToken, return_values: { a: 1 } });
		const logAnswer = await log({ event_token: eventToken, log_message: 'late' });
		expect(logAnswer.status).toBe(200);
		expect(logAnswer.body.result).toBe(true);
		expect((await send({ event_token: eventToken, return_values: { a: 2 } })).body.result).toBe(true);
		expect(portal.workflow(workflowId)).toMatchObject({ returnValues: { a: 1 }, logLines: [{ message: 'Received response from the application' }] });
	});

	test('the same token check: forged token is 403 ACCESS_DENIED and changes nothing', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const answer = await send({ event_token: `${eventToken.slice(0, -1)}${eventToken.endsWith('a') ? 'b' : 'a'}`, return_values: {} });
		expect(answer.status).toBe(403);
		expect(answer.body).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied!' });
		expect(portal.workflow(workflowId).state).toBe('waiting');
	});

	test('without subscription: answers true and keeps nothing', async () => {
		const { eventToken, workflowId } = portal.issueEventToken({ useSubscription: false });
		expect((await send({ event_token: eventToken, return_values: { a: 1 } })).body.result).toBe(true);
		expect(portal.workflow(workflowId)).toMatchObject({ returnValues: {}, logLines: [] });
	});
});

describe('return values against the installed action', () => {
	test('keys are matched case-insensitively to RETURN_PROPERTIES; unknown keys are dropped', async () => {
		const { access_token } = portal.issueOAuthTokens();
		const add = await call(`${portal.baseUrl}/rest/bizproc.activity.add`, {
			json: {
				auth: access_token,
				CODE: 'md5_action',
				HANDLER: 'https://handler.example.test/ping',
				NAME: 'MD5',
				USE_SUBSCRIPTION: 'Y',
				RETURN_PROPERTIES: { outputString: { Name: 'MD5', Type: 'string' } },
			},
		});
		expect(add.body.result).toBe(true);
		const { eventToken, workflowId } = portal.issueEventToken({ code: 'md5_action' });
		await send({ event_token: eventToken, return_values: { OUTPUTSTRING: 'hash', extra: 'ignored' } });
		expect(portal.workflow(workflowId).returnValues).toEqual({ outputString: 'hash' });
	});
});
