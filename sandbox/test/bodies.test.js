'use strict';

const { startSandbox } = require('..');
const { encodeBracketForm } = require('../bodies');
const { parsePhpQueryString } = require('../phpUrl');
const { call, activityLogUrl, logMessages } = require('./helpers');

let portal;
beforeAll(async () => {
	portal = await startSandbox({ rateLimit: false });
});
afterAll(() => portal.close());

describe('request bodies reach the methods', () => {
	test('JSON body with lower-case keys', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		expect((await call(activityLogUrl(portal), { json: { event_token: eventToken, log_message: 'json' } })).status).toBe(200);
		expect(logMessages(portal, workflowId)).toEqual(['json']);
	});

	test('form body with upper-case keys', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const form = new URLSearchParams({ EVENT_TOKEN: eventToken, LOG_MESSAGE: 'form & more' }).toString();
		expect((await call(activityLogUrl(portal), { form })).status).toBe(200);
		expect(logMessages(portal, workflowId)).toEqual(['form & more']);
	});

	test('query string with mixed-case keys on GET', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const query = new URLSearchParams({ Event_Token: eventToken, log_Message: 'query' }).toString();
		expect((await call(`${activityLogUrl(portal)}.json?${query}`)).status).toBe(200);
		expect(logMessages(portal, workflowId)).toEqual(['query']);
	});

	test('the body wins over the query for the same key', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		await call(`${activityLogUrl(portal)}?log_message=from-query`, { json: { event_token: eventToken, log_message: 'from-body' } });
		expect(logMessages(portal, workflowId)).toEqual(['from-body']);
	});

	test('PHP bracket keys in a form are parsed into nested values (journal shows them as sent)', async () => {
		portal.clearJournal();
		await call(`${portal.webhookUrl}profile`, { form: 'a%5Bb%5D%5Bc%5D=1&a[]=x&list[]=p&list[]=q&plain=%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82+%F0%9F%91%8B' });
		expect(portal.journal()[0].params).toEqual({ a: { b: { c: '1' }, 0: 'x' }, list: ['p', 'q'], plain: 'привет 👋' });
	});

	test.each([
		['an unpaired surrogate escape (an emoji cut in half)', (token) => Buffer.from(`{"event_token":"${token}","log_message":"cut \\ud83d"}`)],
		['bytes that are not UTF-8', (token) => Buffer.concat([Buffer.from(`{"event_token":"${token}","log_message":"`), Buffer.from([0xff]), Buffer.from('"}')])],
		['a byte order mark', (token) => Buffer.from(`\ufeff{"event_token":"${token}","log_message":"bom"}`)],
		['more than 511 levels', (token) => Buffer.from(`{"event_token":"${token}","log_message":"deep","x":${'['.repeat(511)}${']'.repeat(511)}}`)],
	])('a JSON body PHP refuses (%s) gives no parameters: ACCESS_DENIED as for a missing token, nothing written', async (_, body) => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const answer = await fetch(activityLogUrl(portal), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body(eventToken) });
		expect(answer.status).toBe(403);
		expect((/** @type {any} */ (await answer.json())).error).toBe('ACCESS_DENIED');
		expect(portal.workflow(workflowId).logLines).toEqual([]);
	});

	test('a paired surrogate escape and 510 levels are fine', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const body = `{"event_token":"${eventToken}","log_message":"whole \\ud83d\\ude00","x":${'['.repeat(510)}${']'.repeat(510)}}`;
		const answer = await fetch(activityLogUrl(portal), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
		expect(answer.status).toBe(200);
		expect(logMessages(portal, workflowId)).toEqual(['whole 😀']);
	});

	test('invalid JSON leaves the parameters empty: the token check fails as for a missing token', async () => {
		const answer = await fetch(activityLogUrl(portal), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"event_token": ' });
		expect(answer.status).toBe(403);
		expect((/** @type {any} */ (await answer.json())).error).toBe('ACCESS_DENIED');
	});
});

describe('bracket encoding (used for the handler POST)', () => {
	test('round-trips nested values like PHP', () => {
		const values = { a: { b: ['1', '2'], c: 'x y' }, list: ['p'], n: '5' };
		expect(parsePhpQueryString(encodeBracketForm(values))).toEqual(values);
	});

	test('booleans become 1/0 and null is left out, as http_build_query does', () => {
		expect(encodeBracketForm({ t: true, f: false, n: null })).toBe('t=1&f=0');
	});

	test('a "__proto__" key is plain data', () => {
		const parsed = parsePhpQueryString('__proto__[polluted]=1');
		expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
		expect({}.polluted).toBeUndefined();
	});
});
