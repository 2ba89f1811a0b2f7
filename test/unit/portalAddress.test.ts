import { normalizeWebhookUrl, portalRestUrl, webhookCode } from '../../nodes/shared/portalAddress';

const BASE = 'https://acme.bitrix24.com/rest/1/abc123xyz456/';

describe('normalizeWebhookUrl accepts what users paste', () => {
	test.each([
		['as shown by Bitrix24', BASE],
		['without the trailing slash', 'https://acme.bitrix24.com/rest/1/abc123xyz456'],
		['with a method name', 'https://acme.bitrix24.com/rest/1/abc123xyz456/profile'],
		['with a method and .json', 'https://acme.bitrix24.com/rest/1/abc123xyz456/bizproc.activity.log.json'],
		['with a method and a slash', 'https://acme.bitrix24.com/rest/1/abc123xyz456/profile/'],
		['with spaces and a line break around it', '  https://acme.bitrix24.com/rest/1/abc123xyz456/ \n'],
		['with a query string', 'https://acme.bitrix24.com/rest/1/abc123xyz456/profile.json?x=1'],
		['without https:// (added, as for the Portal URL)', 'acme.bitrix24.com/rest/1/abc123xyz456/'],
	])('%s', (_label, pasted) => {
		expect(normalizeWebhookUrl(pasted)).toEqual({ ok: true, url: BASE });
	});

	test('keeps http for on-premise and the sandbox', () => {
		expect(normalizeWebhookUrl('http://127.0.0.1:8080/rest/7/code_9/')).toEqual({ ok: true, url: 'http://127.0.0.1:8080/rest/7/code_9/' });
	});
});

describe('normalizeWebhookUrl refuses what is not a webhook, without echoing the code', () => {
	test.each([
		['empty', '', /is empty/],
		['blank', '   ', /is empty/],
		['not text', 42, /is empty/],
		['the portal only', 'https://acme.bitrix24.com/', /not a whole Bitrix24 inbound-webhook URL/],
		['no user id', 'https://acme.bitrix24.com/rest/s3cr3tc0de777/', /not a whole Bitrix24 inbound-webhook URL/],
		['an OAuth REST URL', 'https://acme.bitrix24.com/rest/profile', /not a whole Bitrix24 inbound-webhook URL/],
		['no code', 'https://acme.bitrix24.com/rest/1/', /not a whole Bitrix24 inbound-webhook URL/],
		['ftp', 'ftp://acme.bitrix24.com/rest/1/s3cr3tc0de777/', /not a whole Bitrix24 inbound-webhook URL/],
	])('%s', (_label, pasted, problem) => {
		const check = normalizeWebhookUrl(pasted);
		expect(check.ok).toBe(false);
		if (!check.ok) {
			expect(check.problem).toMatch(problem);
			expect(check.problem).not.toContain('s3cr3tc0de777');
			expect(check.problem).toContain('https://yourportal.bitrix24.com/rest/1/');
		}
	});
});

test('webhookCode finds the secret to mask', () => {
	expect(webhookCode(' https://acme.bitrix24.com/rest/1/abc123xyz456/profile ')).toBe('abc123xyz456');
	expect(webhookCode('nonsense')).toBeUndefined();
});

describe('portalRestUrl', () => {
	test.each([
		['https://acme.bitrix24.com', 'https://acme.bitrix24.com/rest/'],
		['https://acme.bitrix24.com/', 'https://acme.bitrix24.com/rest/'],
		['acme.bitrix24.com', 'https://acme.bitrix24.com/rest/'],
		[' https://acme.bitrix24.com/rest/ ', 'https://acme.bitrix24.com/rest/'],
		['http://127.0.0.1:3000', 'http://127.0.0.1:3000/rest/'],
		['https://acme.bitrix24.com/crm/deal/details/5/ (a page of the portal)', 'https://acme.bitrix24.com/rest/'],
	])('%s', (pasted, url) => {
		expect(portalRestUrl(pasted)).toEqual({ ok: true, url });
	});

	test.each([
		['', /empty/],
		['   ', /empty/],
		['ftp://acme.bitrix24.com', /not a web address/],
	])('%j is refused', (pasted, problem) => {
		expect(portalRestUrl(pasted)).toMatchObject({ ok: false, problem: expect.stringMatching(problem) });
	});
});
