'use strict';

const { startSandbox } = require('..');
const { call } = require('./helpers');

let portal;
beforeAll(async () => {
	portal = await startSandbox({ rateLimit: false, domain: 'portal.example.test' });
});
afterAll(() => portal.close());

const refreshForm = (refreshToken, overrides = {}) =>
	new URLSearchParams({
		grant_type: 'refresh_token',
		client_id: portal.oauth.clientId,
		client_secret: portal.oauth.clientSecret,
		refresh_token: refreshToken,
		...overrides,
	}).toString();

function expectTokenResponse(body, userId = 1) {
	expect(body).toEqual({
		access_token: expect.any(String),
		refresh_token: expect.any(String),
		expires: expect.any(Number),
		expires_in: 3600,
		scope: 'bizproc',
		domain: 'portal.example.test',
		client_endpoint: `${portal.baseUrl}/rest/`,
		server_endpoint: `${portal.oauth.oauthServerUrl}/rest/`,
		member_id: portal.oauth.memberId,
		user_id: userId,
		status: 'L',
	});
	expect(Math.abs(body.expires - (Date.now() / 1000 + 3600))).toBeLessThan(5);
}

describe('OAuth client settings', () => {
	test('portal.oauth describes the application', () => {
		expect(portal.oauth).toEqual({
			clientId: expect.any(String),
			clientSecret: expect.any(String),
			portalUrl: portal.baseUrl,
			oauthServerUrl: portal.baseUrl,
			authorizeUrl: `${portal.baseUrl}/oauth/authorize/`,
			tokenUrl: `${portal.baseUrl}/oauth/token/`,
			applicationToken: expect.stringMatching(/^[0-9a-f]{32}$/),
			memberId: expect.stringMatching(/^[0-9a-f]{32}$/),
		});
	});

	test('issueOAuthTokens gives a full token response', () => {
		expectTokenResponse(portal.issueOAuthTokens({ userId: 2 }), 2);
	});
});

describe('calling REST with an access token', () => {
	test.each([
		['Authorization: Bearer', (t) => call(`${portal.baseUrl}/rest/profile`, { headers: { Authorization: `Bearer ${t}` } })],
		['auth= in the query', (t) => call(`${portal.baseUrl}/rest/profile.json?auth=${t}`)],
		['auth in a JSON body', (t) => call(`${portal.baseUrl}/rest/profile`, { json: { auth: t } })],
		['auth in a form body', (t) => call(`${portal.baseUrl}/rest/profile.json`, { form: `auth=${t}` })],
	])('%s works', async (_how, send) => {
		const tokens = portal.issueOAuthTokens();
		const answer = await send(tokens.access_token);
		expect(answer.status).toBe(200);
		expect(answer.body.result.ID).toBe('1');
	});

	test('the Authorization header wins over auth= in the query', async () => {
		const tokens = portal.issueOAuthTokens({ scopes: ['bizproc', 'crm'] });
		const answer = await call(`${portal.baseUrl}/rest/scope?auth=unknown`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
		expect(answer.body.result).toEqual(['bizproc', 'crm']);
	});

	test('no credential at all is NO_AUTH_FOUND', async () => {
		const answer = await call(`${portal.baseUrl}/rest/profile`);
		expect(answer.status).toBe(401);
		expect(answer.body.error).toBe('NO_AUTH_FOUND');
	});

	test('an unknown token is invalid_token, not echoed', async () => {
		const answer = await call(`${portal.baseUrl}/rest/profile`, { headers: { Authorization: 'Bearer madeuptoken123' } });
		expect(answer.status).toBe(401);
		expect(answer.body).toEqual({ error: 'invalid_token', error_description: 'The access token provided is invalid.' });
		expect(answer.text).not.toContain('madeuptoken123');
	});

	test('expireAccessTokens makes every issued token answer expired_token', async () => {
		const tokens = portal.issueOAuthTokens();
		portal.expireAccessTokens();
		const answer = await call(`${portal.baseUrl}/rest/profile?auth=${tokens.access_token}`);
		expect(answer.status).toBe(401);
		expect(answer.body).toEqual({ error: 'expired_token', error_description: 'The access token provided has expired' });
		const fresh = portal.issueOAuthTokens();
		expect((await call(`${portal.baseUrl}/rest/profile?auth=${fresh.access_token}`)).status).toBe(200);
	});

	test('a token without the bizproc scope gets insufficient_scope', async () => {
		const tokens = portal.issueOAuthTokens({ scopes: ['crm'] });
		const { eventToken } = portal.issueEventToken();
		const answer = await call(`${portal.baseUrl}/rest/bizproc.activity.log`, { json: { auth: tokens.access_token, event_token: eventToken, log_message: 'x' } });
		expect(answer.status).toBe(401);
		expect(answer.body.error).toBe('insufficient_scope');
	});
});

describe('access token lifetime setting', () => {
	test('a token expires after accessTokenLifetimeSeconds', async () => {
		const shortLived = await startSandbox({ rateLimit: false, accessTokenLifetimeSeconds: 1 });
		try {
			const tokens = shortLived.issueOAuthTokens();
			expect(tokens.expires_in).toBe(1);
			expect((await call(`${shortLived.baseUrl}/rest/profile?auth=${tokens.access_token}`)).status).toBe(200);
			await new Promise((resolve) => setTimeout(resolve, 1100));
			expect((await call(`${shortLived.baseUrl}/rest/profile?auth=${tokens.access_token}`)).body.error).toBe('expired_token');
		} finally {
			await shortLived.close();
		}
	});
});

describe('/oauth/token/ refresh_token grant', () => {
	test('POST form refreshes, the new access token works and the used refresh token is invalid', async () => {
		const first = portal.issueOAuthTokens();
		const answer = await call(portal.oauth.tokenUrl, { form: refreshForm(first.refresh_token) });
		expect(answer.status).toBe(200);
		expectTokenResponse(answer.body);
		expect(answer.body.access_token).not.toBe(first.access_token);
		expect((await call(`${portal.baseUrl}/rest/profile?auth=${answer.body.access_token}`)).status).toBe(200);

		const reused = await call(portal.oauth.tokenUrl, { form: refreshForm(first.refresh_token) });
		expect(reused.status).toBe(400);
		expect(reused.body.error).toBe('invalid_grant');
	});

	test('GET with the query works too', async () => {
		const first = portal.issueOAuthTokens();
		const answer = await call(`${portal.oauth.tokenUrl}?${refreshForm(first.refresh_token)}`);
		expect(answer.status).toBe(200);
		expectTokenResponse(answer.body);
	});

	test('a wrong client secret is invalid_client and the refresh token stays usable', async () => {
		const first = portal.issueOAuthTokens();
		const answer = await call(portal.oauth.tokenUrl, { form: refreshForm(first.refresh_token, { client_secret: 'nope' }) });
		expect(answer.status).toBe(401);
		expect(answer.body.error).toBe('invalid_client');
		expect(answer.text).not.toContain(first.refresh_token);
		expect((await call(portal.oauth.tokenUrl, { form: refreshForm(first.refresh_token) })).status).toBe(200);
	});

	test('an unknown refresh token is invalid_grant; an unknown grant type is unsupported_grant_type', async () => {
		expect((await call(portal.oauth.tokenUrl, { form: refreshForm('unknown') })).body.error).toBe('invalid_grant');
		expect((await call(portal.oauth.tokenUrl, { form: refreshForm('x', { grant_type: 'password' }) })).body.error).toBe('unsupported_grant_type');
	});

	test('with invalidateUsedRefreshTokens: false a refresh token can be used again', async () => {
		const lenient = await startSandbox({ rateLimit: false, invalidateUsedRefreshTokens: false });
		try {
			const { refresh_token } = lenient.issueOAuthTokens();
			const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: lenient.oauth.clientId, client_secret: lenient.oauth.clientSecret, refresh_token }).toString();
			expect((await call(lenient.oauth.tokenUrl, { form })).status).toBe(200);
			expect((await call(lenient.oauth.tokenUrl, { form })).status).toBe(200);
		} finally {
			await lenient.close();
		}
	});
});

describe('authorization code flow', () => {
	test('/oauth/authorize/ redirects with code, state and portal data; the code buys tokens once', async () => {
		const redirectUri = 'http://127.0.0.1:5678/rest/oauth2-credential/callback';
		const authorize = await call(`${portal.oauth.authorizeUrl}?${new URLSearchParams({ client_id: portal.oauth.clientId, redirect_uri: redirectUri, state: 'st4te', response_type: 'code' })}`);
		expect(authorize.status).toBe(302);
		const location = new URL(authorize.headers.get('location'));
		expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
		expect(Object.fromEntries(location.searchParams)).toEqual({
			code: expect.any(String),
			state: 'st4te',
			domain: 'portal.example.test',
			member_id: portal.oauth.memberId,
			scope: 'bizproc',
			server_domain: new URL(portal.baseUrl).host,
		});
		const form = new URLSearchParams({
			grant_type: 'authorization_code',
			client_id: portal.oauth.clientId,
			client_secret: portal.oauth.clientSecret,
			code: location.searchParams.get('code'),
			redirect_uri: redirectUri,
		}).toString();
		const token = await call(portal.oauth.tokenUrl, { form });
		expect(token.status).toBe(200);
		expectTokenResponse(token.body);
		expect((await call(portal.oauth.tokenUrl, { form })).body.error).toBe('invalid_grant');
	});

	test('an unknown client_id is refused without a redirect', async () => {
		const answer = await call(`${portal.oauth.authorizeUrl}?client_id=nope&redirect_uri=http://127.0.0.1/cb`);
		expect(answer.status).toBe(400);
		expect(answer.body.error).toBe('invalid_client');
	});
});
