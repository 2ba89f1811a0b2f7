// @ts-check
'use strict';

/**
 * Request parameters the way PHP (and so the portal) sees them: query string and form bodies with
 * bracket keys (`a[b][c]=1`, `a[]=x`), or a JSON body. Query and body are merged, body winning.
 */

/** @typedef {Record<string, any>} Params */

/** Splits `a[b][]` into ['a', 'b', '']; a key without a proper bracket part stays whole. */
function splitBracketKey(/** @type {string} */ key) {
	const open = key.indexOf('[');
	if (open <= 0 || !key.includes(']', open)) return [key];
	const parts = [key.slice(0, open)];
	const segment = /\[([^\]]*)\]/y;
	segment.lastIndex = open;
	for (let match = segment.exec(key); match; match = segment.exec(key)) parts.push(match[1]);
	return parts; // like PHP, anything after the last "]" is ignored
}

/** PHP's `$a[] = x`: the next integer key. */
function nextIndex(/** @type {Params} */ container) {
	const indexes = Object.keys(container).filter((k) => /^\d+$/.test(k)).map(Number);
	return String(indexes.length ? Math.max(...indexes) + 1 : 0);
}

/** Containers built with null prototypes (a key "__proto__" is data); turned into plain values here. Lists 0..n-1 become arrays, as PHP's json_encode does. */
/** @param {any} value @returns {any} */
function toPlain(value) {
	if (value === null || typeof value !== 'object') return value;
	/** @type {Array<[string, any]>} */
	const entries = Object.entries(value).map(([k, v]) => [k, toPlain(v)]);
	const isList = entries.every(([k], i) => k === String(i));
	return isList && entries.length ? entries.map(([, v]) => v) : Object.fromEntries(entries);
}

function decodeComponent(/** @type {string} */ text) {
	const spaced = text.replace(/\+/g, ' ');
	try {
		return decodeURIComponent(spaced);
	} catch {
		return spaced; // PHP keeps malformed escapes as they are
	}
}

/**
 * Parses `a[b][c]=1&a[]=x` like PHP's parse_str.
 * @param {string} text
 * @returns {Params}
 */
function parseBracketQuery(text) {
	const root = Object.create(null);
	for (const pair of text.split('&')) {
		if (!pair) continue;
		const eq = pair.indexOf('=');
		const rawKey = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
		const value = eq < 0 ? '' : decodeComponent(pair.slice(eq + 1));
		const parts = splitBracketKey(rawKey);
		if (!parts[0]) continue;
		let node = root;
		parts.forEach((part, i) => {
			const key = part === '' ? nextIndex(node) : part;
			if (i === parts.length - 1) {
				node[key] = value;
				return;
			}
			if (node[key] === null || typeof node[key] !== 'object') node[key] = Object.create(null);
			node = node[key];
		});
	}
	const plain = toPlain(root);
	return Array.isArray(plain) ? { ...plain } : plain;
}

/**
 * Encodes nested values with bracket keys, like PHP's http_build_query (true -> 1, false -> 0, null skipped).
 * @param {Params} values
 * @returns {string}
 */
function encodeBracketForm(values) {
	const form = new URLSearchParams();
	const add = (/** @type {string} */ key, /** @type {any} */ value) => {
		if (value === null || value === undefined) return;
		if (typeof value === 'object') {
			for (const [k, v] of Object.entries(value)) add(`${key}[${k}]`, v);
		} else if (typeof value === 'boolean') form.append(key, value ? '1' : '0');
		else form.append(key, String(value));
	};
	for (const [key, value] of Object.entries(values)) add(key, value);
	return form.toString();
}

/**
 * @param {{ contentType: string | undefined, body: Buffer, query: string }} request
 * @returns {Params}
 */
function parseRequestParams({ contentType = '', body, query }) {
	const fromQuery = parseBracketQuery(query);
	const type = contentType.toLowerCase();
	/** @type {Params} */
	let fromBody = {};
	if (body.length && type.includes('json')) {
		try {
			const parsed = JSON.parse(body.toString('utf8'));
			// Like PHP, anything but a JSON object leaves the body parameters empty.
			if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) fromBody = parsed;
		} catch {
			fromBody = {};
		}
	} else if (body.length && type.includes('application/x-www-form-urlencoded')) {
		fromBody = parseBracketQuery(body.toString('utf8'));
	}
	return { ...fromQuery, ...fromBody };
}

/** The core upper-cases top-level keys (array_change_key_case), so EVENT_TOKEN and event_token both work. */
function upperKeys(/** @type {Params} */ params) {
	return Object.fromEntries(Object.entries(params).map(([k, v]) => [k.toUpperCase(), v]));
}

/** PHP's empty(): missing, null, false, 0, "", "0" and empty arrays count as empty. */
function isPhpEmpty(/** @type {unknown} */ value) {
	if (value === undefined || value === null || value === false || value === 0 || value === '' || value === '0') return true;
	return typeof value === 'object' && Object.keys(value).length === 0;
}

module.exports = { parseBracketQuery, encodeBracketForm, parseRequestParams, upperKeys, isPhpEmpty };
