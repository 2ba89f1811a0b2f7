'use strict';

const { startSandbox } = require('..');
const { call } = require('./helpers');

let portal;
beforeAll(async () => {
	portal = await startSandbox({ rateLimit: false, adminUserIds: [1] });
});
afterAll(() => portal.close());

const rest = (method, json, token) => call(`${portal.baseUrl}/rest/${method}`, { json: { auth: token, ...json } });
const ours = (userId = 1) => portal.issueOAuthTokens({ userId }).access_token;

describe('app.info tells which application a token belongs to', () => {
	test('this application: its ID and its code (the client id of a local application)', async () => {
		const answer = await rest('app.info', {}, ours());
		expect(answer.status).toBe(200);
		expect(answer.body.result).toMatchObject({ ID: 7, CODE: portal.oauth.clientId, STATUS: 'L', INSTALLED: true });
	});

	test("another application's genuine token answers with that application", async () => {
		const other = portal.issueOAuthTokens({ application: 'other' }).access_token;
		const answer = await rest('app.info', {}, other);
		expect(answer.body.result.ID).toBe(8);
		expect(answer.body.result.CODE).not.toBe(portal.oauth.clientId);
	});

	test('a forged token is invalid_token; a webhook is not an application', async () => {
		expect((await rest('app.info', {}, 'forged0123456789')).body.error).toBe('invalid_token');
		const viaWebhook = await call(`${portal.webhookUrl}app.info`, { json: {} });
		expect(viaWebhook.status).toBe(403);
		expect(viaWebhook.body).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied! Application context required' });
	});
});

describe('app.option.set / app.option.get keep settings per application', () => {
	test('a JSON value keeps its type; one key or all; an unknown key is null', async () => {
		const token = ours();
		expect((await rest('app.option.get', {}, token)).body.result).toEqual([]);
		expect((await rest('app.option.set', { options: { 'n8n.x': { handler: 'https://a.test/h', n: 2 }, flag: true } }, token)).body.result).toBe(true);
		expect((await rest('app.option.get', { option: 'n8n.x' }, token)).body.result).toEqual({ handler: 'https://a.test/h', n: 2 });
		expect((await rest('app.option.get', { option: 'nope' }, token)).body.result).toBeNull();
		expect((await rest('app.option.get', {}, token)).body.result).toEqual({ 'n8n.x': { handler: 'https://a.test/h', n: 2 }, flag: true });
		// No delete: a key set to "" stays, with an empty value.
		await rest('app.option.set', { options: { flag: '' } }, token);
		expect((await rest('app.option.get', { option: 'flag' }, token)).body.result).toBe('');
	});

	test('another application does not see them', async () => {
		const token = ours();
		await rest('app.option.set', { options: { mine: 'yes' } }, token);
		const other = portal.issueOAuthTokens({ application: 'other' }).access_token;
		expect((await rest('app.option.get', { option: 'mine' }, other)).body.result).toBeNull();
	});

	test('set needs an administrator and something to set; get does not need an administrator', async () => {
		const notAdmin = ours(5);
		expect((await rest('app.option.set', { options: { a: 1 } }, notAdmin)).body).toEqual({
			error: 'ACCESS_DENIED',
			error_description: 'Access denied! Administrator authorization required',
		});
		expect((await rest('app.option.get', { option: 'mine' }, notAdmin)).body.result).toBe('yes');
		const empty = await rest('app.option.set', { options: {} }, ours());
		expect(empty.status).toBe(400);
		expect(empty.body.error).toBe('ERROR_ARGUMENT');
	});
});
