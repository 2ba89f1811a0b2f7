/**
 * What users paste as an address varies: with or without the trailing slash, with a method name
 * copied from the portal's example (`profile`, `bizproc.activity.log.json`), with spaces around it.
 * These functions return the REST base every call is built on, or a problem to show (never
 * repeating the secret webhook code).
 */
const WEBHOOK_URL = /^(https?:\/\/[^/\s?#]+(?:\/[^/\s?#]+)*?\/rest\/\d+\/[A-Za-z0-9_]+)(?:\/[A-Za-z0-9_.]*)?\/?(?:[?#].*)?$/i;

export const WEBHOOK_URL_EXAMPLE = 'https://yourportal.bitrix24.com/rest/1/abc123xyz456/';
export const PORTAL_URL_EXAMPLE = 'https://yourportal.bitrix24.com';

export type AddressCheck = { ok: true; url: string } | { ok: false; problem: string };

/** The webhook base URL ending in `/`: `https://host/rest/<user>/<code>/`. */
export function normalizeWebhookUrl(pasted: unknown): AddressCheck {
	const text = typeof pasted === 'string' ? pasted.trim() : '';
	if (text === '') {
		return { ok: false, problem: `The webhook URL is empty. Paste the URL Bitrix24 shows for the inbound webhook, like ${WEBHOOK_URL_EXAMPLE}` };
	}
	const match = WEBHOOK_URL.exec(text);
	if (!match) {
		return {
			ok: false,
			problem: `The webhook URL is not a Bitrix24 inbound-webhook URL. It must look like ${WEBHOOK_URL_EXAMPLE} (https://, your portal, /rest/, your user ID, the webhook code)`,
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
	let text = typeof pasted === 'string' ? pasted.trim() : '';
	if (text === '') return { ok: false, problem: `The Portal URL is empty. Enter your portal's address, like ${PORTAL_URL_EXAMPLE}` };
	if (!/^https?:\/\//i.test(text)) text = `https://${text}`;
	if (!URL.canParse(text)) {
		return { ok: false, problem: `The Portal URL is not a web address. Enter your portal's address, like ${PORTAL_URL_EXAMPLE}` };
	}
	const url = new URL(text);
	const path = url.pathname.replace(/\/+$/, '').replace(/\/rest$/i, '');
	return { ok: true, url: `${url.origin}${path}/rest/` };
}
