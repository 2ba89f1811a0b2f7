// @ts-check
'use strict';

/**
 * Request parameters the way PHP (and so the portal) sees them: query string and form bodies with
 * bracket keys (`a[b][c]=1`, `a[]=x`, parsed by PHP's rules, see phpUrl.js), or a JSON body decoded by
 * PHP's json_decode rules. Query and body are merged, body winning.
 */

const { parsePhpQueryString } = require('./phpUrl');
const { phpJsonDecode } = require('./phpJson');

/** @typedef {Record<string, any>} Params */

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
	const fromQuery = parsePhpQueryString(query);
	const type = contentType.toLowerCase();
	/** @type {Params} */
	let fromBody = {};
	if (body.length && type.includes('json')) {
		// A body json_decode refuses (e.g. a lone "\ud83d" escape) or that is not an array (a JSON
		// object or list) gives no parameters: the method then answers as for a call without them.
		const decoded = phpJsonDecode(body)?.value;
		if (decoded !== null && typeof decoded === 'object') fromBody = { ...decoded };
	} else if (body.length && type.includes('application/x-www-form-urlencoded')) {
		fromBody = parsePhpQueryString(body, { post: true });
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

module.exports = { encodeBracketForm, parseRequestParams, upperKeys, isPhpEmpty };
