/**
 * The credentials as n8n evaluates them: the webhook credential test (its URL expression resolved by
 * n8n's expression engine, then the request sent to the sandbox), and the OAuth2 URLs.
 */
import { NodeHelpers, Workflow, type IDataObject, type INodeParameters } from 'n8n-workflow';

import { Bitrix24OAuth2Api } from '../../credentials/Bitrix24OAuth2Api.credentials';
import { Bitrix24WebhookApi } from '../../credentials/Bitrix24WebhookApi.credentials';
import { normalizeWebhookUrl, portalRestUrl } from '../../nodes/shared/portalAddress';
import { usePortal } from './portal';

const portal = usePortal();

const workflow = new Workflow({
	nodes: [],
	connections: {},
	active: false,
	nodeTypes: { getByName: () => undefined as never, getByNameAndVersion: () => undefined as never, getKnownTypes: () => ({}) },
});

function resolve(value: unknown, credentials: IDataObject): unknown {
	const node = { id: 'n', name: 'n', type: 'x', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} };
	return workflow.expression.getComplexParameterValue(node, value as never, 'internal', { $credentials: credentials }, undefined, undefined, credentials);
}

/** What n8n's credential test does for the webhook credential: resolve the request, send it, look at the status. */
async function testWebhookCredential(webhookUrl: string): Promise<{ status: number; url: string }> {
	const { request } = new Bitrix24WebhookApi().test;
	const url = `${resolve(request.baseURL, { webhookUrl })}${request.url}`;
	const response = await fetch(url, { method: request.method });
	return { status: response.status, url };
}

describe('webhook credential test tells a working webhook from a wrong or revoked one', () => {
	test.each([
		['as pasted from Bitrix24', (url: string) => url],
		['with a method name and spaces', (url: string) => `  ${url}profile.json \n`],
		['without the trailing slash', (url: string) => url.replace(/\/$/, '')],
	])('working webhook, %s: 200', async (_label, paste) => {
		const { status, url } = await testWebhookCredential(paste(portal.webhookUrl));
		expect(url).toBe(`${portal.webhookUrl}scope.json`);
		expect(status).toBe(200);
	});

	test('wrong code: 401', async () => {
		expect((await testWebhookCredential(`${portal.baseUrl}/rest/1/wrongcode123/`)).status).toBe(401);
	});

	test.each([
		['the code left out', (url: string) => url.replace(/[^/]+\/$/, '')],
		['the user and code left out', (url: string) => url.replace(/\d+\/[^/]+\/$/, '')],
		['only the portal', (url: string) => new URL(url).origin],
	])("a partial paste (%s) goes to the portal's /rest/ and gets 401, which the test explains", async (_label, paste) => {
		const { status, url } = await testWebhookCredential(paste(portal.webhookUrl));
		expect(url).toBe(`${portal.baseUrl}/rest/scope.json`);
		expect(url).not.toContain('undefined');
		expect(status).toBe(401);
		const rule = new Bitrix24WebhookApi().test.rules?.find((r) => r.type === 'responseCode' && r.properties.value === status);
		expect(rule?.properties.message).toContain('it is incomplete, its code is wrong, or the webhook was deleted');
	});

	test('revoked webhook: 401', async () => {
		const { url, code } = portal.createWebhook({});
		expect((await testWebhookCredential(url)).status).toBe(200);
		(portal as unknown as { revokeWebhook(code: string): void }).revokeWebhook(code);
		expect((await testWebhookCredential(url)).status).toBe(401);
	});
});

test.each([
	'https://acme.bitrix24.com/rest/1/abc123xyz456/',
	'  acme.bitrix24.com/rest/1/abc123xyz456/profile.json?x=1 ',
	'http://127.0.0.1:8080/sub/rest/7/code_9',
])('the webhook credential test and the nodes read %j the same way', (webhookUrl) => {
	const check = normalizeWebhookUrl(webhookUrl);
	expect(check.ok).toBe(true);
	expect(resolve(new Bitrix24WebhookApi().test.request.baseURL, { webhookUrl })).toBe(check.ok && check.url);
});

describe('OAuth2 credential', () => {
	const type = new Bitrix24OAuth2Api();
	const withDefaults = (data: IDataObject) =>
		resolve(NodeHelpers.getNodeParameters(type.properties, data as INodeParameters, true, false, null, null), data) as IDataObject;

	test('authorize URL on the portal, token URL on the OAuth server (default oauth.bitrix.info), client credentials in the body', () => {
		const resolved = withDefaults({ portalUrl: ' https://acme.bitrix24.com/ ' });
		expect(resolved.authUrl).toBe('https://acme.bitrix24.com/oauth/authorize/');
		expect(resolved.accessTokenUrl).toBe('https://oauth.bitrix.info/oauth/token/');
		expect(resolved.authentication).toBe('body');
		expect(resolved.grantType).toBe('authorizationCode');
		expect(resolved.portalPlan).toBe('standard');
	});

	test.each([
		['acme.bitrix24.com', 'https://acme.bitrix24.com'],
		['  https://acme.bitrix24.com/rest/  ', 'https://acme.bitrix24.com'],
		['https://acme.bitrix24.com/crm/deal/details/5/', 'https://acme.bitrix24.com'],
		['http://127.0.0.1:3000/', 'http://127.0.0.1:3000'],
	])('Portal URL %j: the authorize URL and the REST calls use the same address', (portalUrl, address) => {
		expect(withDefaults({ portalUrl }).authUrl).toBe(`${address}/oauth/authorize/`);
		expect(portalRestUrl(portalUrl)).toEqual({ ok: true, url: `${address}/rest/` });
	});

	test('an on-premise or sandbox OAuth server can be set', () => {
		const resolved = withDefaults({ portalUrl: portal.oauth.portalUrl, oauthServerUrl: `${portal.oauth.oauthServerUrl}/` });
		expect(resolved.accessTokenUrl).toBe(`${portal.baseUrl}/oauth/token/`);
	});

	test('extends n8n oAuth2Api and is named as n8n expects', () => {
		expect(type.extends).toEqual(['oAuth2Api']);
		expect(type.name).toBe('bitrix24OAuth2Api');
		expect(type.displayName).toBe('Bitrix24 OAuth2 API');
	});
});
