/**
 * What users paste as an address varies: with or without `https://` or the trailing slash, with a
 * method name copied from the portal's example (`profile`, `bizproc.activity.log.json`), with spaces
 * around it. The rules live here once, as regular expressions, and are used twice: by the nodes'
 * REST calls (the functions below) and, rendered into n8n expressions, by the credentials (the OAuth2
 * authorize URL, the webhook credential's test), which n8n evaluates without our code.
 * Problems never repeat the secret webhook code.
 */
export const WEBHOOK_URL_EXAMPLE = 'https://yourportal.bitrix24.com/rest/1/abc123xyz456/';
export const PORTAL_URL_EXAMPLE = 'https://yourportal.bitrix24.com';

type Step = readonly [RegExp, string];

/** Spaces around go; an address typed without a scheme gets `https://`, as Bitrix24 cloud requires. */
const TIDY: readonly Step[] = [
	[/^\s+|\s+$/g, ''],
	[/^(?![a-z][a-z0-9+.-]*:\/\/)/i, 'https://'],
];

/** A portal address is its scheme and host: whatever path was pasted after it (`/rest/`, a page) goes. */
const PORTAL_ORIGIN: readonly Step[] = [...TIDY, [/^([a-z][a-z0-9+.-]*:\/\/[^/?#\s]*)[\s\S]*$/i, '$1']];

/** An inbound webhook after TIDY: `https://host/rest/<user>/<code>`, then maybe a method, a slash, a query. */
const WEBHOOK_URL = /^(https?:\/\/[^/\s?#]+(?:\/[^/\s?#]+)*?\/rest\/\d+\/[A-Za-z0-9_]+)(?:\/[A-Za-z0-9_.]*)?\/?(?:[?#].*)?$/i;

const apply = (steps: readonly Step[], value: unknown) => steps.reduce((text, [pattern, to]) => text.replace(pattern, to), typeof value === 'string' ? value : '');

/** The same steps as n8n expression text, applied to the expression `value`. */
const applyInExpression = (steps: readonly Step[], value: string) =>
	`String(${value} || "")${steps.map(([pattern, to]) => `.replace(${String(pattern)}, ${JSON.stringify(to)})`).join('')}`;

/**
 * The portal's address (`https://host`) from a credential field, as an n8n expression (no `={{ }}`),
 * e.g. `portalAddressExpression('$self["portalUrl"]')`.
 */
export function portalAddressExpression(value: string): string {
	return applyInExpression(PORTAL_ORIGIN, value);
}

/**
 * The webhook's REST base ending in `/`, as an n8n expression. A paste that is not a whole webhook
 * URL becomes the portal's `/rest/`, which Bitrix24 answers 401 NO_AUTH_FOUND: the credential test
 * then says the URL is incomplete or wrong, instead of calling `undefined/`.
 */
export function webhookBaseExpression(value: string): string {
	const tidy = applyInExpression(TIDY, value);
	return `(((${tidy}).match(${String(WEBHOOK_URL)}) || [])[1] || ${applyInExpression(PORTAL_ORIGIN, value)} + "/rest") + "/"`;
}

type AddressCheck = { ok: true; url: string } | { ok: false; problem: string };

/** The webhook base URL ending in `/`: `https://host/rest/<user>/<code>/`. */
export function normalizeWebhookUrl(pasted: unknown): AddressCheck {
	const text = apply(TIDY, pasted);
	if (typeof pasted !== 'string' || pasted.trim() === '') {
		return { ok: false, problem: `The webhook URL is empty. Paste the URL Bitrix24 shows for the inbound webhook, like ${WEBHOOK_URL_EXAMPLE}` };
	}
	const match = WEBHOOK_URL.exec(text);
	if (!match) {
		return {
			ok: false,
			problem: `The webhook URL is not a whole Bitrix24 inbound-webhook URL. It must look like ${WEBHOOK_URL_EXAMPLE} (your portal, /rest/, your user ID, the webhook code)`,
		};
	}
	return { ok: true, url: `${match[1]}/` };
}

/** The webhook's secret code, so it can be masked wherever text could echo it. */
export function webhookCode(pasted: unknown): string | undefined {
	const check = normalizeWebhookUrl(pasted);
	return check.ok ? check.url.split('/').filter(Boolean).pop() : undefined;
}

/** The REST base of an OAuth2 portal address: accepts `yourportal.bitrix24.com`, trailing slashes and a pasted `/rest/`. */
export function portalRestUrl(pasted: unknown): AddressCheck {
	if (typeof pasted !== 'string' || pasted.trim() === '') {
		return { ok: false, problem: `The Portal URL is empty. Enter your portal's address, like ${PORTAL_URL_EXAMPLE}` };
	}
	const address = apply(PORTAL_ORIGIN, pasted);
	if (!URL.canParse(address) || !/^https?:$/i.test(new URL(address).protocol) || new URL(address).host === '') {
		return { ok: false, problem: `The Portal URL is not a web address. Enter your portal's address, like ${PORTAL_URL_EXAMPLE}` };
	}
	return { ok: true, url: `${address}/rest/` };
}
