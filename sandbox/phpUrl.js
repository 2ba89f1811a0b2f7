// @ts-check
'use strict';

/**
 * What PHP does to a URL and a query string or form body before the portal's code sees them, ported
 * from php-src: `parse_str` and the filling of $_GET / $_POST (main/php_variables.c:
 * php_default_treat_data, php_register_variable_ex; ext/standard/url.c: php_url_decode) and
 * `parse_url` (ext/standard/url.c: php_url_parse_ex2). Bytes in, text out (see phpValues.js).
 * sandbox/test/phpDifferential.test.js checks them against real PHP.
 */

const { PHP_WHITESPACE, PHP_INT_MAX, isDigit, bytesOf, textOf, isPhpIntKey, newPhpArray, phpArrayToJs } = require('./phpValues');

/** @typedef {import('./phpValues').PhpArray} PhpArray */

/** PHP's max_input_nesting_level default: deeper bracket keys drop the whole variable. */
const MAX_INPUT_NESTING_LEVEL = 64;
/**
 * PHP's max_input_vars default: pairs after the 1000th (empty ones between `&&` not counted) are
 * dropped, in parse_str too. Bitrix recommends a larger value for its own servers; the sandbox keeps
 * PHP's default, the stricter one.
 */
const MAX_INPUT_VARS = 1000;

/**
 * php_url_decode: `+` is a space, `%XX` (two hex digits) a byte; any other `%` stays as it is.
 * Bytes in, bytes out (latin1 strings).
 * @param {string} bytes
 */
function phpUrlDecode(bytes) {
	return bytes.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

/** Names PHP's variable registration keeps apart (cookie prefixes with a meaning for browsers). */
const COOKIE_PREFIXES = ['__Host-', '__Secure-'];

/** `$array[] = ...`: the next integer key (largest integer key + 1, or 0); null when PHP cannot append (after PHP_INT_MAX). */
function nextIndex(/** @type {PhpArray} */ array) {
	const keys = Object.keys(array).filter(isPhpIntKey).map(BigInt);
	if (!keys.length) return '0';
	const largest = keys.reduce((a, b) => (b > a ? b : a));
	return largest === PHP_INT_MAX ? null : String(largest + 1n);
}

/**
 * php_register_variable_ex: stores one decoded `name=value` pair. The base name (before the first
 * `[`) loses leading spaces and has ` ` and `.` turned into `_`; `[x]` parts build nested arrays,
 * `[]` appends; a `[` without a closing `]` is not an index (it and ` `, `.`, `[` after it become `_`
 * at the first level; deeper, the rest is ignored); anything after the last `]` is ignored.
 * @param {PhpArray} root
 * @param {string} decodedName
 * @param {string} value
 */
function registerVariable(root, decodedName, value) {
	const name = decodedName.split('\0')[0].replace(/^ +/, ''); // C strings end at NUL
	const open = name.indexOf('[');
	const base = (open < 0 ? name : name.slice(0, open)).replace(/[ .]/g, '_');
	// Mangling must not make a name look like a cookie prefix it did not have.
	const mangledIntoCookie = (/** @type {string} */ mangled) => COOKIE_PREFIXES.some((prefix) => mangled.startsWith(prefix) && !name.startsWith(prefix));
	if (mangledIntoCookie(base)) return;
	if (!base) return;
	if (open < 0) {
		root[base] = value;
		return;
	}

	let container = root;
	/** @type {string | null} null: append */
	let index = base;
	let bracket = open;
	for (let level = 1; ; level += 1) {
		if (level > MAX_INPUT_NESTING_LEVEL) {
			delete root[base];
			return;
		}
		const indexStart = bracket + 1;
		let at = PHP_WHITESPACE.includes(name[indexStart] ?? 'x') ? indexStart + 1 : indexStart;
		/** @type {string | null} */
		let nextIndexName = null;
		if (name[at] !== ']') {
			const close = name.indexOf(']', at);
			if (close < 0) {
				const key = level === 1 ? `${base}_${name.slice(indexStart).replace(/[ .[]/g, '_')}` : index;
				if (level === 1 && key !== null && mangledIntoCookie(key)) return;
				const target = key ?? nextIndex(container);
				if (target !== null) container[target] = value;
				return;
			}
			nextIndexName = name.slice(indexStart, close);
			at = close;
		}
		const key = index ?? nextIndex(container);
		if (key === null) return; // the append fails: the variable is dropped
		const existing = container[key];
		if (typeof existing !== 'object') container[key] = newPhpArray();
		container = /** @type {PhpArray} */ (container[key]);
		index = nextIndexName;
		// So must an index: one with a cookie prefix the whole name does not start with ends the variable
		// there (measured with PHP 8.2: `a[__Host-x]=1` gives a = [], `__Host-a[__Host-x]=1` is kept).
		if (index !== null && mangledIntoCookie(index)) return;
		if (name[at + 1] === '[') {
			bracket = at + 1;
			continue;
		}
		const target = index ?? nextIndex(container);
		if (target !== null) container[target] = value;
		return;
	}
}

/**
 * PHP's `parse_str` (the same rules fill $_GET) or, with `post`, how PHP fills $_POST from a form
 * body: `&`-separated pairs, name and value URL-decoded, later pairs overwrite earlier ones.
 * parse_str and $_GET read a C string (a raw NUL byte ends the text) and keep the first
 * MAX_INPUT_VARS non-empty pairs (php_default_treat_data); $_POST keeps NUL bytes in values and reads
 * one pair more, empty ones counted (main/php_variables.c: add_post_vars checks the count after
 * adding; measured with `php -S`). Integer-like keys come out in ascending order (JS object order)
 * where PHP keeps the order sent.
 * @param {string | Buffer} text a string is taken as UTF-8
 * @param {{ post?: boolean }} [options]
 * @returns {Record<string, any>}
 */
function parsePhpQueryString(text, { post = false } = {}) {
	const root = newPhpArray();
	const bytes = bytesOf(text);
	const pairs = post ? bytes.split('&').slice(0, MAX_INPUT_VARS + 1) : bytes.split('\0')[0].split('&').filter(Boolean).slice(0, MAX_INPUT_VARS);
	for (const pair of pairs) {
		if (!pair) continue;
		const eq = pair.indexOf('=');
		const value = eq < 0 ? '' : phpUrlDecode(pair.slice(eq + 1));
		registerVariable(root, phpUrlDecode(eq < 0 ? pair : pair.slice(0, eq)), value);
	}
	return /** @type {Record<string, any>} */ (phpArrayToJs(root, textOf));
}

/** Where `char` occurs last in bytes[from, to), or -1 (C's memrchr). */
function lastIndexIn(/** @type {string} */ bytes, /** @type {string} */ char, /** @type {number} */ from, /** @type {number} */ to) {
	for (let i = to - 1; i >= from; i -= 1) if (bytes[i] === char) return i;
	return -1;
}

/**
 * `parse_url($call)['path']` and `['query']`, step for step as php_url_parse_ex2 finds them (the
 * scheme, host and port it reads on the way are not kept): `x:profile` is the path `profile` of the
 * scheme `x`, `//host/m` and `m:80` have a host, a raw `#` starts the fragment, the first `?` before
 * it the query; control bytes (0-31, 127) become `_`. Both undefined where parse_url gives false.
 * @param {string} url
 * @returns {{ path: string | undefined, query: string | undefined }}
 */
function parsePhpUrl(url) {
	const none = { path: undefined, query: undefined };
	const str = bytesOf(url);
	const end = str.length;
	const startsWithSlashes = (/** @type {number} */ at) => at + 1 < end && str[at] === '/' && str[at + 1] === '/';
	/** the first of `chars` in str[from, end), or end (binary_strcspn) */
	const firstOf = (/** @type {number} */ from, /** @type {string} */ chars) => Math.min(end, ...[...chars].map((c) => str.indexOf(c, from)).filter((i) => i >= 0));
	let s = 0;
	let port = 0; // ret->port: 0 means none was read
	/** @type {'port' | 'host' | 'path'} */
	let next;
	const colon = str.indexOf(':');
	if (colon > 0) {
		if (!/^[A-Za-z0-9+.-]+$/.test(str.slice(0, colon))) {
			if (colon + 1 < end && colon < firstOf(0, '?#')) next = 'port';
			else if (startsWithSlashes(0)) [s, next] = [2, 'host'];
			else next = 'path';
		} else if (colon + 1 === end) {
			return none; // only a scheme
		} else if (str[colon + 1] !== '/') {
			// "a.com:80" is a host and a port; "mailto:x" a scheme and a path
			let p = colon + 1;
			while (p < end && isDigit(str[p])) p += 1;
			if ((p === end || str[p] === '/') && p - colon < 7) next = 'port';
			else [s, next] = [colon + 1, 'path'];
		} else if (colon + 2 < end && str[colon + 2] === '/') {
			s = colon + 3;
			next = 'host';
			if (str.slice(0, colon).toLowerCase() === 'file' && colon + 3 < end && str[colon + 3] === '/') {
				if (colon + 5 < end && str[colon + 5] === ':') s = colon + 4; // file:///c:/dir
				next = 'path';
			}
		} else [s, next] = [colon + 1, 'path'];
	} else if (colon === 0) next = 'port';
	else if (startsWithSlashes(0)) [s, next] = [2, 'host'];
	else next = 'path';

	if (next === 'port') {
		const p = colon + 1;
		let pp = p;
		while (pp < end && pp - p < 6 && isDigit(str[pp])) pp += 1;
		if (pp - p > 0 && pp - p < 6 && (pp === end || str[pp] === '/')) {
			port = Number(str.slice(p, pp));
			if (port > 65535) return none;
			if (startsWithSlashes(s)) s += 2;
			next = 'host';
		} else if (p === pp && pp === end) return none;
		else if (startsWithSlashes(s)) [s, next] = [s + 2, 'host'];
		else next = 'path';
	}

	if (next === 'host') {
		const hostEnd = firstOf(s, '/?#');
		const at = lastIndexIn(str, '@', s, hostEnd);
		if (at >= 0) s = at + 1; // user and password
		const ipv6 = s < end && str[s] === '[' && str[hostEnd - 1] === ']';
		const portColon = ipv6 ? -1 : lastIndexIn(str, ':', s, hostEnd);
		if (portColon >= 0 && !port) {
			const digits = str.slice(portColon + 1, hostEnd);
			if (digits.length > 5) return none;
			if (digits.length > 0) {
				// ZEND_STRTOL: white space, a sign, then at least one digit
				const number = /^[\t\n\v\f\r ]*([+-]?\d+)/.exec(digits);
				if (!number || Number(number[1]) < 0 || Number(number[1]) > 65535) return none;
			}
		}
		if ((portColon >= 0 ? portColon : hostEnd) - s < 1) return none; // no host
		if (hostEnd === end) return none; // a host and no path
		s = hostEnd;
	}

	// On purpose (no-control-regex is off for this file in eslint.project.config.mjs): PHP's parse_url replaces control characters (0x00-0x1f, 0x7f) with _
	const controls = (/** @type {string} */ bytes) => textOf(bytes.replace(/[\x00-\x1f\x7f]/g, '_'));
	const hash = str.indexOf('#', s);
	const pathEnd = hash < 0 ? end : hash;
	const question = str.indexOf('?', s);
	const hasQuery = question >= 0 && question < pathEnd;
	const stop = hasQuery ? question : pathEnd;
	return {
		path: s < stop || s === end ? controls(str.slice(s, stop)) : undefined,
		query: hasQuery ? controls(str.slice(question + 1, pathEnd)) : undefined,
	};
}

module.exports = { phpUrlDecode, parsePhpQueryString, parsePhpUrl };
