/**
 * Bitrix24 event tokens look like `{workflowId}|{activityName}|{eventId}.{signature}`, the signature
 * being 64 hex characters of HMAC-SHA256. A client cannot check the signature, only the shape.
 */
const EVENT_TOKEN = /^[^|\s]+\|[^|\s]+\|[^|\s]+\.[0-9a-f]{64}$/i;

type EventTokenCheck = { ok: true; token: string } | { ok: false; problem: string };

/** Trims the whitespace and line breaks that copying from a form or an expression leaves around a token. */
export function checkEventToken(value: unknown): EventTokenCheck {
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
		return {
			ok: false,
			problem:
				'The Event Token is empty. It comes from the call Bitrix24 makes to the action handler: map the event_token field of that call (the default {{ $json.event_token }} does this when the node follows the trigger).',
		};
	}
	if (typeof value !== 'string') {
		return { ok: false, problem: `The Event Token must be text, but it is ${describeType(value)}. Map the event_token field of the handler call.` };
	}
	const token = value.trim();
	if (!EVENT_TOKEN.test(token)) {
		return {
			ok: false,
			problem:
				'The Event Token is not shaped like a Bitrix24 event token (workflow|activity|event.signature). Map the event_token field of the handler call unchanged; it is not the webhook code or an access token.',
		};
	}
	return { ok: true, token };
}

function describeType(value: unknown): string {
	if (Array.isArray(value)) return 'a list';
	return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
