/**
 * What a Bitrix24 portal POSTs to the HANDLER of an application action or robot, read into one item.
 *
 * The portal sends `application/x-www-form-urlencoded` with PHP bracket keys (`document_id[0]`,
 * `properties[NAME]`, `auth[access_token]`). n8n's webhook server gives the node the raw body
 * (`req.rawBody`, a Buffer) and a body that `querystring.parse` made flat (`{'document_id[0]': ...}`);
 * other servers or versions may give an already nested body or JSON. Everything here is pure.
 */
import { timingSafeEqual } from 'crypto';

import type { IDataObject } from 'n8n-workflow';

import { isRecord } from '../shared/isRecord';
import { sha256 } from '../shared/sha256';

/**
 * A handler call is bounded by its size, never by its number of keys: the portal sends `auth[...]`
 * last, so a call with a Multiple property of 1,000 values cut at 1,000 keys lost its application
 * token and was refused. 1 MiB is far above what a business process sends (a 1,000-value property is
 * ~40 KB; a typical call ~1 KB) and far below n8n's own limit (N8N_PAYLOAD_SIZE_MAX, 16 MiB by
 * default). The body is parsed before the call is checked, so the bound also caps what anyone who
 * knows the URL can make the webhook process spend: the worst 1 MiB form (~170,000 `a[]=1` keys)
 * parses in well under a second. A larger call is answered 413. Nesting deeper than MAX_DEPTH is kept flat.
 */
export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_DEPTH = 12;

/** Own, enumerable property without ever touching a prototype (`__proto__` is just a name here). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
	if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
	else target[key] = value; // only `__proto__` is an accessor on a plain object; assignment is much faster
}

/**
 * Splits a PHP bracket key: `properties[A][B]` -> ['properties', 'A', 'B'], `a[]` -> ['a', ''].
 * A key whose brackets do not close is taken as a plain name, as PHP keeps the rest literally.
 */
export function splitBracketKey(key: string): string[] {
	const open = key.indexOf('[');
	if (open <= 0) return [key];
	const parts = [key.slice(0, open)];
	let rest = key.slice(open);
	while (rest.startsWith('[')) {
		const close = rest.indexOf(']');
		if (close < 0) break;
		parts.push(rest.slice(1, close));
		rest = rest.slice(close + 1);
		if (parts.length > MAX_DEPTH) break;
	}
	if (rest !== '') parts[parts.length - 1] += rest; // PHP ignores text after the last bracket; keep it rather than lose it
	return parts;
}

/** Per object being filled: the index the next `[]` takes (PHP: the largest integer key + 1). */
const nextIndexes = new WeakMap<object, number>();

/** Sets `value` at `path` inside `root`, creating objects on the way (`[]` appends). */
function setPath(root: IDataObject, path: string[], value: unknown): void {
	let target: Record<string, unknown> = root;
	for (let i = 0; i < path.length; i++) {
		let segment = path[i];
		const next = nextIndexes.get(target) ?? 0;
		if (segment === '') segment = String(next);
		if (/^\d{1,15}$/.test(segment) && Number(segment) >= next) nextIndexes.set(target, Number(segment) + 1);
		if (i === path.length - 1) {
			define(target, segment, value);
			return;
		}
		const inner = Object.prototype.hasOwnProperty.call(target, segment) ? target[segment] : undefined;
		if (isRecord(inner)) {
			target = inner as Record<string, unknown>;
		} else {
			const created: IDataObject = {};
			define(target, segment, created);
			target = created;
		}
	}
}

/** Objects whose keys are exactly 0..n-1 become arrays, as PHP lists do in JSON. */
function listsToArrays(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(listsToArrays);
	if (!isRecord(value)) return value;
	const keys = Object.keys(value);
	const isList = keys.length > 0 && keys.every((k, i) => k === String(i));
	if (isList) return keys.map((k) => listsToArrays(value[k]));
	const out: IDataObject = {};
	for (const key of keys) define(out, key, listsToArrays(value[key]));
	return out;
}

/** Expands flat bracket keys (`a[b][c]`) into nested objects; nested input is copied as it is. */
export function expandBracketKeys(entries: Iterable<[string, unknown]>): IDataObject {
	const root: IDataObject = {};
	for (const [key, raw] of entries) {
		const path = splitBracketKey(key);
		// querystring.parse gives a string[] for a repeated bracket key; PHP keeps the last one. An
		// array under a plain key is a real list (JSON, nested parsers) and stays one.
		const value = Array.isArray(raw) && path.length > 1 && !key.endsWith('[]') ? raw[raw.length - 1] : raw;
		if (Array.isArray(value) && key.endsWith('[]')) {
			for (const element of value) setPath(root, path, copyValue(element));
		} else {
			setPath(root, path, copyValue(value));
		}
	}
	return listsToArrays(root) as IDataObject;
}

function copyValue(value: unknown, depth = 0): unknown {
	if (depth > MAX_DEPTH) return undefined;
	if (Array.isArray(value)) return value.map((v) => copyValue(v, depth + 1));
	if (isRecord(value)) {
		const out: IDataObject = {};
		for (const [key, inner] of Object.entries(value)) define(out, key, copyValue(inner, depth + 1));
		return out;
	}
	return value;
}

/** Parses an `application/x-www-form-urlencoded` string with PHP bracket keys into nested JSON. */
export function parseBracketForm(text: string): IDataObject {
	return expandBracketKeys(new URLSearchParams(text).entries());
}

type ParsedBody = { ok: true; fields: IDataObject } | { ok: false; problem: string; tooLarge?: true };

interface IncomingRequest {
	/** The request's Content-Type header (parameters such as charset are allowed). */
	contentType?: string;
	/** The body as received, when the server kept it (n8n keeps it as `req.rawBody`). */
	rawBody?: Buffer | string;
	/** The body the server parsed already: flat bracket keys, nested objects, or a string. */
	body?: unknown;
}

function mediaTypeOf(contentType: string | undefined): string {
	return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Reads the handler call's fields from a request. Prefers the raw body (exact keys, order and
 * repeats); falls back to the parsed body. Form and JSON bodies are accepted; anything else is not.
 */
export function parseHandlerRequest(request: IncomingRequest): ParsedBody {
	const mediaType = mediaTypeOf(request.contentType);
	const size = request.rawBody === undefined ? 0 : Buffer.isBuffer(request.rawBody) ? request.rawBody.length : Buffer.byteLength(String(request.rawBody));
	if (size > MAX_BODY_BYTES) {
		return { ok: false, tooLarge: true, problem: `The call is ${size} bytes; a handler call may have at most ${MAX_BODY_BYTES} bytes (1 MiB)` };
	}
	const raw = request.rawBody === undefined ? undefined : Buffer.isBuffer(request.rawBody) ? request.rawBody.toString('utf8') : String(request.rawBody);
	const isForm = mediaType === 'application/x-www-form-urlencoded';
	const isJson = mediaType === 'application/json' || mediaType.endsWith('+json');

	if (raw !== undefined && raw.trim() !== '') {
		if (isForm) return { ok: true, fields: parseBracketForm(raw) };
		if (isJson) {
			try {
				const parsed: unknown = JSON.parse(raw);
				if (!isRecord(parsed)) return { ok: false, problem: 'The JSON body is not an object' };
				return { ok: true, fields: expandBracketKeys(Object.entries(parsed)) };
			} catch {
				return { ok: false, problem: 'The JSON body could not be read' };
			}
		}
		return { ok: false, problem: `Expected a form (application/x-www-form-urlencoded) or JSON body, got "${mediaType || 'no content type'}"` };
	}
	if (isRecord(request.body) && (isForm || isJson || mediaType === '')) {
		return { ok: true, fields: expandBracketKeys(Object.entries(request.body)) };
	}
	if (typeof request.body === 'string' && isForm) return { ok: true, fields: parseBracketForm(request.body) };
	// A form or JSON call with nothing in it: say so, rather than blame a media type that is right.
	if (isForm || isJson || (raw === undefined && request.body === undefined)) return { ok: false, problem: 'The request has no body' };
	return { ok: false, problem: `Expected a form (application/x-www-form-urlencoded) or JSON body, got "${mediaType || 'no content type'}"` };
}

function text(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	return undefined;
}

function numberOrText(value: unknown): number | string | undefined {
	const asText = text(value);
	if (asText === undefined) return undefined;
	return /^-?\d+(\.\d+)?$/.test(asText.trim()) ? Number(asText) : asText;
}

function list(value: unknown): unknown[] {
	if (Array.isArray(value)) return value;
	if (isRecord(value)) return Object.values(value);
	return value === undefined || value === null || value === '' ? [] : [value];
}

/** The part of the call that says who sent it: `auth[...]`, or top-level fields some portals add. */
export function authOf(fields: IDataObject): IDataObject {
	return isRecord(fields.auth) ? fields.auth : {};
}

export function eventTokenOf(fields: IDataObject): string | undefined {
	const token = text(fields.event_token);
	return token !== undefined && token.trim() !== '' ? token.trim() : undefined;
}

export function applicationTokenOf(fields: IDataObject): string | undefined {
	return text(authOf(fields).application_token) ?? text(fields.application_token);
}

/** The portal's address without scheme and trailing slash, lower case, for comparing domains. */
export function normalizeDomain(value: unknown): string {
	return (text(value) ?? '')
		.trim()
		.toLowerCase()
		.replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
		.replace(/\/.*$/, '');
}

/**
 * The item a workflow gets for one call. Access and refresh tokens and the application token are
 * left out unless `includeAccessTokens`; the event token is kept (the next nodes need it).
 */
export function shapeHandlerItem(fields: IDataObject, options: { includeAccessTokens?: boolean } = {}): IDataObject {
	const auth = authOf(fields);
	const item: IDataObject = {
		event_token: eventTokenOf(fields),
		workflow_id: text(fields.workflow_id),
		code: text(fields.code),
		document_id: list(fields.document_id),
		document_type: list(fields.document_type),
		properties: isRecord(fields.properties) ? fields.properties : Array.isArray(fields.properties) ? { ...fields.properties } : {},
		use_subscription: text(fields.use_subscription),
		timeout_duration: numberOrText(fields.timeout_duration),
		ts: numberOrText(fields.ts),
		domain: text(auth.domain),
		member_id: text(auth.member_id),
		client_endpoint: text(auth.client_endpoint),
		user_id: numberOrText(auth.user_id),
	};
	if (options.includeAccessTokens) {
		item.auth = { ...auth };
		if (fields.application_token !== undefined) item.application_token = fields.application_token;
	}
	for (const key of Object.keys(item)) if (item[key] === undefined) delete item[key];
	return item;
}

/**
 * Compares a received secret with the expected one in constant time: both are hashed to 32 bytes
 * first, so neither the content nor the length leaks through timing. Empty or missing never matches.
 */
export function secretsMatch(received: unknown, expected: unknown): boolean {
	if (typeof received !== 'string' || typeof expected !== 'string') return false;
	if (received === '' || expected.trim() === '') return false;
	return timingSafeEqual(sha256(received), sha256(expected.trim()));
}

/**
 * Event tokens seen recently, per trigger (workflow + node), as hashes with an expiry. Bounded: the
 * oldest entries go first when a trigger holds more than `maxEntries`.
 */
export class RecentTokens {
	private readonly byTrigger = new Map<string, Map<string, number>>();

	constructor(private readonly maxEntries = 10_000, private readonly maxTriggers = 1_000) {}

	/**
	 * Records the token; returns true when it was already seen within the window (a repeat).
	 * A window of 0 turns the check off.
	 */
	seen(triggerKey: string, token: string, windowMs: number, now = Date.now()): boolean {
		if (!(windowMs > 0)) return false;
		let tokens = this.byTrigger.get(triggerKey);
		if (!tokens) {
			if (this.byTrigger.size >= this.maxTriggers) this.byTrigger.delete(this.byTrigger.keys().next().value as string);
			tokens = new Map();
			this.byTrigger.set(triggerKey, tokens);
		}
		for (const [hash, expiresAt] of tokens) {
			if (expiresAt > now) break; // insertion order = expiry order for one window; stop at the first live one
			tokens.delete(hash);
		}
		const hash = sha256(token, 'hex');
		const expiresAt = tokens.get(hash);
		if (expiresAt !== undefined && expiresAt > now) return true;
		tokens.delete(hash);
		tokens.set(hash, now + windowMs);
		while (tokens.size > this.maxEntries) tokens.delete(tokens.keys().next().value as string);
		return false;
	}

	forget(triggerKey: string): void {
		this.byTrigger.delete(triggerKey);
	}

	/** The stored hashes of one trigger (for tests: they must never be the tokens). */
	hashes(triggerKey: string): string[] {
		return [...(this.byTrigger.get(triggerKey)?.keys() ?? [])];
	}
}
