'use strict';

const { startSandbox } = require('..');
const { call } = require('./helpers');

let portal;
beforeAll(async () => {
	portal = await startSandbox({ rateLimit: false });
});
afterAll(() => portal.close());

describe('incoming webhooks', () => {
	test('the default webhook URL has the documented shape and listens on 127.0.0.1', () => {
		expect(portal.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		expect(portal.webhookUrl).toBe(`${portal.baseUrl}/rest/1/${portal.webhookCode}/`);
	});

	test.each(['profile', 'profile.json'])('a method is reachable as %s', async (suffix) => {
		const answer = await call(`${portal.webhookUrl}${suffix}`);
		expect(answer.status).toBe(200);
		expect(answer.contentType).toBe('application/json; charset=utf-8');
		expect(answer.body.result).toMatchObject({ ID: '1', ADMIN: true });
	});

	test('a wrong code is NO_AUTH_FOUND and does not echo the code', async () => {
		const answer = await call(`${portal.baseUrl}/rest/1/wrongsecretcode1/profile`);
		expect(answer.status).toBe(401);
		expect(answer.body).toEqual({ error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' });
		expect(answer.text).not.toContain('wrongsecretcode1');
	});

	test('a right code under another user id is NO_AUTH_FOUND', async () => {
		const answer = await call(`${portal.baseUrl}/rest/2/${portal.webhookCode}/profile`);
		expect(answer.status).toBe(401);
		expect(answer.body.error).toBe('NO_AUTH_FOUND');
	});

	test('a revoked webhook stops working', async () => {
		const hook = portal.createWebhook({ userId: 3 });
		expect(hook.url).toBe(`${portal.baseUrl}/rest/3/${hook.code}/`);
		expect((await call(`${hook.url}profile`)).body.result.ID).toBe('3');
		portal.revokeWebhook(hook.code);
		expect((await call(`${hook.url}profile`)).body.error).toBe('NO_AUTH_FOUND');
	});

	test('a webhook without the bizproc scope gets insufficient_scope for bizproc methods only', async () => {
		const hook = portal.createWebhook({ scopes: ['crm'] });
		const { eventToken } = portal.issueEventToken();
		const answer = await call(`${hook.url}bizproc.activity.log`, { json: { event_token: eventToken, log_message: 'x' } });
		expect(answer.status).toBe(401);
		expect(answer.body).toEqual({
			error: 'insufficient_scope',
			error_description: 'The request requires higher privileges than provided by the webhook token',
		});
		expect(portal.logLines()).toEqual([]);
		expect((await call(`${hook.url}scope`)).body.result).toEqual(['crm']);
	});

	test('an unknown method is 404 ERROR_METHOD_NOT_FOUND', async () => {
		const answer = await call(`${portal.webhookUrl}crm.deal.list`);
		expect(answer.status).toBe(404);
		expect(answer.contentType).toBe('application/json; charset=utf-8');
		expect(answer.body).toEqual({ error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' });
	});

	test('method names are case-insensitive', async () => {
		expect((await call(`${portal.webhookUrl}Server.Time.json`)).status).toBe(200);
	});

	test('the journal records webhook calls with their method and auth kind', async () => {
		portal.clearJournal();
		await call(`${portal.webhookUrl}user.admin.json?x=1`);
		expect(portal.journal()).toEqual([
			expect.objectContaining({ httpMethod: 'GET', restMethod: 'user.admin', authKind: 'webhook', params: { x: '1' }, status: 200, error: null }),
		]);
	});
});
