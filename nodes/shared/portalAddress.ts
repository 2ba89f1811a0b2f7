/**
 * What users paste as an incoming-webhook URL varies: with or without the trailing slash, with a
 * method name copied from the portal's example (`profile`, `bizproc.activity.log.json`), with
 * spaces around it. All of those lead to the same webhook base: `https://host/rest/<user>/<code>/`.
 */
const WEBHOOK_URL = /^(https?:\/\/[^/\s?#]+(?:\/[^/\s?#]+)*?\/rest\/\d+\/[A-Za-z0-9_]+)(?:\/[A-Za-z0-9_.]*)?\/?(?:[?#].*)?$/i;

export const WEBHOOK_URL_EXAMPLE = 'https://yourportal.bitrix24.com/rest/1/abc123xyz456/';

/** A credential address that cannot be used; its message is safe to show (it never repeats the secret). */
export class WebhookUrlError extends Error {}

/** Returns the webhook base URL ending in `/`, or throws a WebhookUrlError that says what is wrong (without echoing the secret). */
export function normalizeWebhookUrl(pasted: unknown): string {
	const text = typeof pasted === 'string' ? pasted.trim() : '';
	if (text === '') {
		throw new WebhookUrlError(`The webhook URL is empty. Paste the URL Bitrix24 shows for the inbound webhook, like ${WEBHOOK_URL_EXAMPLE}`);
	}
	const match = WEBHOOK_URL.exec(text);
	if (!match) {
		throw new WebhookUrlError(
			`The webhook URL is not a Bitrix24 inbound-webhook URL. It must look like ${WEBHOOK_URL_EXAMPLE} (https://, your portal, /rest/, your user ID, the webhook code)`,
		);
	}
	return `${match[1]}/`;
}

/** The webhook's secret code, so it can be masked wherever text could echo it. */
export function webhookCode(webhookBaseUrl: string): string {
	return webhookBaseUrl.split('/').filter(Boolean).pop() ?? '';
}

export const PORTAL_URL_EXAMPLE = 'https://yourportal.bitrix24.com';

/** The REST base of an OAuth2 portal address: accepts `yourportal.bitrix24.com`, trailing slashes and a pasted `/rest/`. */
export function portalRestUrl(pasted: unknown): string {
	let text = typeof pasted === 'string' ? pasted.trim() : '';
	if (text === '') {
		throw new WebhookUrlError(`The Portal URL is empty. Enter your portal's address, like ${PORTAL_URL_EXAMPLE}`);
	}
	if (!/^https?:\/\//i.test(text)) text = `https://${text}`;
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw new WebhookUrlError(`The Portal URL is not a web address. Enter your portal's address, like ${PORTAL_URL_EXAMPLE}`);
	}
	const path = url.pathname.replace(/\/+$/, '').replace(/\/rest$/i, '');
	return `${url.origin}${path}/rest/`;
}
