'use strict';

const { startSandbox } = require('..');
const { parsePhpQueryString } = require('../phpUrl');
const { call, startActionHandler } = require('./helpers');

let portal;
let handler;

beforeAll(async () => {
	portal = await startSandbox({ rateLimit: false, domain: 'portal.example.test' });
	handler = await startActionHandler();
});
beforeEach(() => {
	handler.received.length = 0;
});
afterAll(async () => {
	await portal.close();
	await handler.close();
});

describe('startWorkflow', () => {
	test('POSTs exactly the portal form: form-urlencoded with PHP bracket keys, in the portal order', async () => {
		const run = await portal.startWorkflow({ handlerUrl: handler.url(), properties: { message: 'Привет', nested: { a: ['x', 'y'] } } });
		expect(run).toEqual({ eventToken: expect.any(String), workflowId: expect.any(String), handlerStatus: 200, handlerBody: 'handled', redeliver: expect.any(Function) });
		expect(handler.received).toHaveLength(1);
		expect(handler.received[0].contentType).toBe('application/x-www-form-urlencoded');
		const keys = [...new URLSearchParams(handler.received[0].body).keys()];
		expect(keys).toEqual([
			'workflow_id', 'code',
			'document_id[0]', 'document_id[1]', 'document_id[2]',
			'document_type[0]', 'document_type[1]', 'document_type[2]',
			'event_token',
			'properties[message]', 'properties[nested][a][0]', 'properties[nested][a][1]',
			'use_subscription', 'timeout_duration', 'ts',
			'auth[access_token]', 'auth[refresh_token]', 'auth[expires]', 'auth[expires_in]', 'auth[scope]', 'auth[domain]',
			'auth[server_endpoint]', 'auth[client_endpoint]', 'auth[member_id]', 'auth[user_id]', 'auth[status]', 'auth[application_token]',
		]);
		const form = parsePhpQueryString(handler.received[0].body);
		expect(form).toMatchObject({
			workflow_id: run.workflowId,
			code: 'n8n_action',
			document_id: ['crm', 'CCrmDocumentDeal', 'DEAL_1'],
			document_type: ['crm', 'CCrmDocumentDeal', 'DEAL'],
			event_token: run.eventToken,
			properties: { message: 'Привет', nested: { a: ['x', 'y'] } },
			use_subscription: 'Y',
			timeout_duration: '7200',
			auth: {
				expires_in: '3600',
				scope: 'bizproc',
				domain: 'portal.example.test',
				server_endpoint: `${portal.baseUrl}/rest/`,
				client_endpoint: `${portal.baseUrl}/rest/`,
				member_id: portal.oauth.memberId,
				user_id: '1',
				status: 'L',
				application_token: portal.oauth.applicationToken,
			},
		});
		expect(Math.abs(Number(form.ts) - Date.now() / 1000)).toBeLessThan(5);
	});

	test('the auth[] access token is a working OAuth token and the event token writes into the workflow', async () => {
		const run = await portal.startWorkflow({ handlerUrl: handler.url() });
		const form = parsePhpQueryString(handler.received[0].body);
		const answer = await call(`${form.auth.client_endpoint}bizproc.activity.log`, {
			json: { auth: form.auth.access_token, event_token: form.event_token, log_message: 'from the handler' },
		});
		expect(answer.status).toBe(200);
		expect(portal.workflow(run.workflowId)).toMatchObject({ state: 'waiting', useSubscription: true, code: 'n8n_action', logLines: [{ message: 'from the handler' }] });
	});

	test('options: code, document, no subscription, timeout, another application token', async () => {
		const run = await portal.startWorkflow({
			handlerUrl: handler.url(),
			code: 'other_action',
			documentId: ['lists', 'BizprocDocument', '77'],
			documentType: ['lists', 'BizprocDocument', 'iblock_164'],
			useSubscription: false,
			timeoutDuration: 60,
			applicationToken: 'not-the-real-one',
		});
		const form = parsePhpQueryString(handler.received[0].body);
		expect(form).toMatchObject({
			code: 'other_action',
			document_id: ['lists', 'BizprocDocument', '77'],
			document_type: ['lists', 'BizprocDocument', 'iblock_164'],
			use_subscription: 'N',
			timeout_duration: '60',
			auth: { application_token: 'not-the-real-one' },
		});
		expect(portal.workflow(run.workflowId).state).toBe('completed');
	});

	test('without properties no properties[] keys are sent', async () => {
		await portal.startWorkflow({ handlerUrl: handler.url() });
		expect(handler.received[0].body).not.toContain('properties');
	});

	test('the handler URL defaults to the installed action with that code', async () => {
		const { access_token } = portal.issueOAuthTokens();
		await call(`${portal.baseUrl}/rest/bizproc.activity.add`, { json: { auth: access_token, CODE: 'installed_action', HANDLER: handler.url(), NAME: 'Installed' } });
		await portal.startWorkflow({ code: 'installed_action' });
		expect(parsePhpQueryString(handler.received[0].body).code).toBe('installed_action');
		await expect(portal.startWorkflow({ code: 'never_installed' })).rejects.toThrow(/no handlerUrl/);
	});

	test('the handler answer is returned as it is', async () => {
		const failing = await startActionHandler({ status: 403, answer: 'nope' });
		try {
			const run = await portal.startWorkflow({ handlerUrl: failing.url('/') });
			expect(run).toMatchObject({ handlerStatus: 403, handlerBody: 'nope' });
		} finally {
			await failing.close();
		}
	});

	test('redeliver() posts the very same call again, as a portal retrying a delivery does', async () => {
		const run = await portal.startWorkflow({ handlerUrl: handler.url() });
		const again = await run.redeliver();
		expect(again.handlerStatus).toBe(200);
		expect(handler.received).toHaveLength(2);
		expect(handler.received[1]).toEqual(handler.received[0]);
	});
});
