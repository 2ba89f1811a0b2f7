// @ts-check
'use strict';

/**
 * Request parameters the way PHP (and so the portal) sees them: query string and form bodies with
 * bracket keys (`a[b][c]=1`, `a[]=x`, parsed by PHP's rules, see php.js), or a JSON body. Query and
 * body are merged, body winning.
 */

const { parsePhpQueryString } = require('./php');

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
		try {
			const parsed = JSON.parse(body.toString('utf8'));
			// Like PHP, anything but a JSON object leaves the body parameters empty.
			if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) fromBody = parsed;
		} catch {
			fromBody = {};
		}
	} else if (body.length && type.includes('application/x-www-form-urlencoded')) {
		fromBody = parsePhpQueryString(body.toString('utf8'));
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
