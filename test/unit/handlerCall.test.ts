/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets, @n8n/community-nodes/no-restricted-imports -- test code: it runs in Jest, not inside n8n, and needs made-up tokens as test data, Node built-ins and n8n internals */
import { parse as parseQueryString } from 'querystring';

import {
	RecentTokens,
	applicationTokenOf,
	expandBracketKeys,
	normalizeDomain,
	parseBracketForm,
	MAX_BODY_BYTES,
	parseHandlerRequest,
	secretsMatch,
	shapeHandlerItem,
	splitBracketKey,
} from '../../nodes/Bitrix24BizprocTrigger/handlerCall';
import { sha256 } from '../../nodes/shared/sha256';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildHandlerForm } = require('../../sandbox/handlerCall');

const EVENT_TOKEN = '55c1dc1c3f0d75.78875596|A51601_82584_96831_81132|hsyUws1j4XiwqPqN45eH66CcQtEvpUIP.' + 'a'.repeat(64);

/** A form exactly as the sandbox portal (built to the portal's format) sends it. */
function portalForm(properties: Record<string, unknown> = { Amount: '100', Comment: 'Привет, мир & co' }): string {
	return buildHandlerForm({
		workflowId: '55c1dc1c3f0d75.78875596',
		code: 'n8n_action',
		documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_42'],
		documentType: ['crm', 'CCrmDocumentDeal', 'DEAL'],
		eventToken: EVENT_TOKEN,
		properties,
		useSubscription: true,
		timeoutDuration: 7200,
		tokens: {
			access_token: 'ACCESS-1234567890',
			refresh_token: 'REFRESH-1234567890',
			expires: 1700000000,
			expires_in: 3600,
			scope: 'bizproc',
			domain: 'portal.bitrix24.com',
			server_endpoint: 'https://oauth.bitrix.info/rest/',
			client_endpoint: 'https://portal.bitrix24.com/rest/',
			member_id: 'member-abc',
			user_id: 1,
			status: 'L',
		},
		applicationToken: 'APP-TOKEN-0123456789',
	}) as string;
}

describe('splitBracketKey', () => {
	it.each([
		['event_token', ['event_token']],
		['document_id[0]', ['document_id', '0']],
		['properties[A][B]', ['properties', 'A', 'B']],
		['a[]', ['a', '']],
		['auth[access_token]', ['auth', 'access_token']],
		['[x]', ['[x]']],
		['a[b', ['a[b']],
	])('%s', (key, parts) => expect(splitBracketKey(key)).toEqual(parts));
});

describe('parseBracketForm', () => {
	it('nests bracket keys and turns 0..n-1 keys into arrays', () => {
		const fields = parseBracketForm('document_id[0]=crm&document_id[1]=CCrmDocumentDeal&document_id[2]=DEAL_1&properties[A][B]=x&properties[A][C]=y&auth[member_id]=m');
		expect(fields).toEqual({
			document_id: ['crm', 'CCrmDocumentDeal', 'DEAL_1'],
			properties: { A: { B: 'x', C: 'y' } },
			auth: { member_id: 'm' },
		});
	});

	it('decodes percent-encoding, + as space, Cyrillic, encoded brackets and keeps empty values', () => {
		const form = new URLSearchParams({ 'properties[Комментарий]': 'Привет, мир & co = 100%', 'properties[Empty]': '', 'properties[Plus]': 'a+b c' }).toString();
		expect(form).toContain('%D0%9F'); // really encoded
		const fields = parseBracketForm(`${form}&properties%5BEncoded%5D=1&properties[Space]=a+b`);
		expect(fields.properties).toEqual({ Комментарий: 'Привет, мир & co = 100%', Empty: '', Plus: 'a+b c', Encoded: '1', Space: 'a b' });
	});

	it('appends [] values and keeps multiple values as a list', () => {
		expect(parseBracketForm('properties[Users][]=user_1&properties[Users][]=user_2&flag=')).toEqual({ properties: { Users: ['user_1', 'user_2'] }, flag: '' });
	});

	it('keeps the last of repeated plain keys, as PHP does', () => {
		expect(parseBracketForm('code=a&code=b')).toEqual({ code: 'b' });
	});

	it('never touches a prototype', () => {
		const fields = parseBracketForm('__proto__[polluted]=1&properties[__proto__][x]=2&constructor[prototype][y]=3');
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		expect(({} as Record<string, unknown>).y).toBeUndefined();
		expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
		expect(Object.prototype.hasOwnProperty.call(fields, '__proto__')).toBe(true);
	});

	it('reads what the portal sends', () => {
		const fields = parseBracketForm(portalForm());
		expect(fields).toMatchObject({
			workflow_id: '55c1dc1c3f0d75.78875596',
			code: 'n8n_action',
			document_id: ['crm', 'CCrmDocumentDeal', 'DEAL_42'],
			event_token: EVENT_TOKEN,
			properties: { Amount: '100', Comment: 'Привет, мир & co' },
			use_subscription: 'Y',
			timeout_duration: '7200',
			auth: { access_token: 'ACCESS-1234567890', application_token: 'APP-TOKEN-0123456789', member_id: 'member-abc' },
		});
	});
});

describe('parseHandlerRequest', () => {
	const form = portalForm({ List: ['a', 'b'], Nested: { Deep: 'v' } });

	it('prefers the raw body (Buffer) over the parsed one', () => {
		const result = parseHandlerRequest({ contentType: 'application/x-www-form-urlencoded; charset=UTF-8', rawBody: Buffer.from(form), body: { ignored: '1' } });
		expect(result.ok && result.fields.properties).toEqual({ List: ['a', 'b'], Nested: { Deep: 'v' } });
		expect(result.ok && result.fields.ignored).toBeUndefined();
	});

	it('reads the flat body that n8n parses with querystring when there is no raw body', () => {
		const body = parseQueryString(form);
		const result = parseHandlerRequest({ contentType: 'application/x-www-form-urlencoded', body });
		expect(result).toEqual(parseHandlerRequest({ contentType: 'application/x-www-form-urlencoded', rawBody: form }));
	});

	it('keeps the last of a repeated bracket key from querystring, as PHP does, and appends [] keys', () => {
		const body = parseQueryString('event_token=T&properties[A]=1&properties[A]=2&properties[L][]=x&properties[L][]=y');
		expect(body['properties[A]']).toEqual(['1', '2']);
		const result = parseHandlerRequest({ contentType: 'application/x-www-form-urlencoded', body });
		expect(result.ok && result.fields.properties).toEqual({ A: '2', L: ['x', 'y'] });
	});

	it('reads an already nested body (qs-style parser) and JSON', () => {
		const nested = { event_token: 'T', properties: { A: { B: 'x' } }, document_id: ['crm', 'X', 'Y'] };
		expect(parseHandlerRequest({ contentType: 'application/x-www-form-urlencoded', body: nested })).toEqual({ ok: true, fields: nested });
		expect(parseHandlerRequest({ contentType: 'application/json', rawBody: JSON.stringify(nested) })).toEqual({ ok: true, fields: nested });
		expect(parseHandlerRequest({ contentType: 'application/json', rawBody: JSON.stringify({ 'properties[A]': '1' }) })).toEqual({ ok: true, fields: { properties: { A: '1' } } });
	});

	it('refuses other media types, broken JSON and a missing body', () => {
		expect(parseHandlerRequest({ contentType: 'text/plain', rawBody: 'event_token=x', body: 'event_token=x' }).ok).toBe(false);
		expect(parseHandlerRequest({ contentType: 'application/json', rawBody: '{not json' }).ok).toBe(false);
		expect(parseHandlerRequest({ contentType: 'application/json', rawBody: '[1,2]' }).ok).toBe(false);
		expect(parseHandlerRequest({ contentType: 'application/xml', body: { root: {} } }).ok).toBe(false);
		expect(parseHandlerRequest({ contentType: 'application/x-www-form-urlencoded' }).ok).toBe(false);
	});
});

describe('a large call is bounded by size, not by keys', () => {
	it('reads every value of a Multiple property of 5,000 values and the auth block the portal sends after it', () => {
		const values = Array.from({ length: 5000 }, (_, i) => `user_${i}`);
		const form = portalForm({ Users: values });
		const result = parseHandlerRequest({ contentType: 'application/x-www-form-urlencoded', rawBody: Buffer.from(form) });
		expect(result.ok && (result.fields.properties as Record<string, unknown>).Users).toEqual(values);
		expect(result.ok && applicationTokenOf(result.fields)).toBe('APP-TOKEN-0123456789');
	});

	it('appends [] values after the largest index given, as PHP does', () => {
		expect(parseBracketForm('a[5]=x&a[]=y&a[2]=z&a[]=w')).toEqual({ a: { 5: 'x', 6: 'y', 2: 'z', 7: 'w' } });
	});

	it(`refuses a call over ${MAX_BODY_BYTES} bytes as too large, and takes one of exactly that size`, () => {
		const head = portalForm();
		const exact = `${head}&properties[Long]=${'a'.repeat(MAX_BODY_BYTES - head.length - '&properties[Long]='.length)}`;
		expect(Buffer.byteLength(exact)).toBe(MAX_BODY_BYTES);
		expect(parseHandlerRequest({ contentType: 'application/x-www-form-urlencoded', rawBody: Buffer.from(exact) }).ok).toBe(true);
		const over = parseHandlerRequest({ contentType: 'application/x-www-form-urlencoded', rawBody: Buffer.from(`${exact}a`) });
		expect(over).toEqual({ ok: false, tooLarge: true, problem: expect.stringContaining(`at most ${MAX_BODY_BYTES} bytes`) });
	});

	it('an empty form body says there is no body, not that the form is the wrong media type', () => {
		const empty = parseHandlerRequest({ contentType: 'application/x-www-form-urlencoded', rawBody: Buffer.alloc(0) });
		expect(empty).toEqual({ ok: false, problem: 'The request has no body' });
	});
});

describe('shapeHandlerItem', () => {
	const fields = parseBracketForm(portalForm());

	it('gives the documented fields with numbers where the portal sends numbers', () => {
		expect(shapeHandlerItem(fields)).toEqual({
			event_token: EVENT_TOKEN,
			workflow_id: '55c1dc1c3f0d75.78875596',
			code: 'n8n_action',
			document_id: ['crm', 'CCrmDocumentDeal', 'DEAL_42'],
			document_type: ['crm', 'CCrmDocumentDeal', 'DEAL'],
			properties: { Amount: '100', Comment: 'Привет, мир & co' },
			use_subscription: 'Y',
			timeout_duration: 7200,
			ts: expect.any(Number),
			domain: 'portal.bitrix24.com',
			member_id: 'member-abc',
			client_endpoint: 'https://portal.bitrix24.com/rest/',
			user_id: 1,
		});
	});

	it('leaves access, refresh and application tokens out unless asked', () => {
		const text = JSON.stringify(shapeHandlerItem(fields));
		for (const secret of ['ACCESS-1234567890', 'REFRESH-1234567890', 'APP-TOKEN-0123456789']) expect(text).not.toContain(secret);
		const withTokens = shapeHandlerItem(fields, { includeAccessTokens: true });
		expect(withTokens.auth).toMatchObject({ access_token: 'ACCESS-1234567890', refresh_token: 'REFRESH-1234567890', application_token: 'APP-TOKEN-0123456789' });
	});

	it('copes with missing parts', () => {
		expect(shapeHandlerItem({ event_token: ' T ' })).toEqual({ event_token: 'T', document_id: [], document_type: [], properties: {} });
	});

	it('reads the application token from auth[] or the top level', () => {
		expect(applicationTokenOf(fields)).toBe('APP-TOKEN-0123456789');
		expect(applicationTokenOf({ application_token: 'X' })).toBe('X');
		expect(applicationTokenOf({})).toBeUndefined();
	});
});

describe('secretsMatch', () => {
	it('matches only the same non-empty secret', () => {
		expect(secretsMatch('abc', 'abc')).toBe(true);
		expect(secretsMatch('abc', ' abc ')).toBe(true); // a pasted credential may carry spaces
		expect(secretsMatch('abc', 'abd')).toBe(false);
		expect(secretsMatch('abc', 'abcd')).toBe(false);
		expect(secretsMatch('', '')).toBe(false);
		expect(secretsMatch(undefined, 'abc')).toBe(false);
		expect(secretsMatch('abc', undefined)).toBe(false);
		expect(secretsMatch(['abc'], 'abc')).toBe(false);
	});

	it('compares fixed-length hashes with crypto.timingSafeEqual', () => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const crypto = require('crypto');
		const spy = jest.spyOn(crypto, 'timingSafeEqual');
		secretsMatch('short', 'a much longer expected secret');
		expect(spy).toHaveBeenCalledTimes(1);
		const [a, b] = spy.mock.calls[0] as [Buffer, Buffer];
		expect(a.length).toBe(32);
		expect(b.length).toBe(32);
		spy.mockRestore();
	});
});

describe('normalizeDomain', () => {
	it.each([
		['https://Portal.Bitrix24.com/', 'portal.bitrix24.com'],
		['portal.bitrix24.com', 'portal.bitrix24.com'],
		[' http://portal.bitrix24.com/rest/ ', 'portal.bitrix24.com'],
		[undefined, ''],
	])('%s', (value, expected) => expect(normalizeDomain(value)).toBe(expected));
});

describe('RecentTokens', () => {
	it('reports a repeat within the window, per trigger, and forgets after it', () => {
		const recent = new RecentTokens();
		expect(recent.seen('wf:a', 'T1', 60_000, 0)).toBe(false);
		expect(recent.seen('wf:a', 'T1', 60_000, 1000)).toBe(true);
		expect(recent.seen('wf:b', 'T1', 60_000, 1000)).toBe(false);
		expect(recent.seen('wf:a', 'T1', 60_000, 61_000)).toBe(false);
		expect(recent.seen('wf:a', 'T1', 60_000, 62_000)).toBe(true);
	});

	it('a window of 0 turns it off', () => {
		const recent = new RecentTokens();
		expect(recent.seen('k', 'T', 0)).toBe(false);
		expect(recent.seen('k', 'T', 0)).toBe(false);
	});

	it('keeps only hashes, never the token', () => {
		const recent = new RecentTokens();
		recent.seen('k', EVENT_TOKEN, 60_000);
		expect(recent.hashes('k')).toEqual([sha256(EVENT_TOKEN, 'hex')]);
		expect(JSON.stringify(recent.hashes('k'))).not.toContain('hsyUws1j4XiwqPqN45eH66CcQtEvpUIP');
	});

	it('is bounded in entries and triggers', () => {
		const recent = new RecentTokens(3, 2);
		for (const t of ['a', 'b', 'c', 'd']) recent.seen('k', t, 60_000, 0);
		expect(recent.hashes('k')).toHaveLength(3);
		expect(recent.seen('k', 'a', 60_000, 1)).toBe(false); // the oldest was dropped
		recent.seen('k2', 'x', 60_000, 0);
		recent.seen('k3', 'x', 60_000, 0);
		expect(recent.hashes('k')).toHaveLength(0);
	});
});

describe('expandBracketKeys', () => {
	it('keeps every key: the bound is the body size (a call cut at 1,000 keys lost the auth block the portal sends last)', () => {
		const entries: Array<[string, string]> = Array.from({ length: 1500 }, (_, i) => [`properties[p${i}]`, 'v']);
		expect(Object.keys(expandBracketKeys(entries).properties as object)).toHaveLength(1500);
	});
});
