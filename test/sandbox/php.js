// @ts-check
'use strict';

/**
 * What PHP itself does to request data before the portal's code sees it, ported from php-src:
 * `parse_str` and form/query parsing (main/php_variables.c: php_default_treat_data,
 * php_register_variable_ex; ext/standard/url.c: php_url_decode), the path/query split of
 * `parse_url` (ext/standard/url.c: php_url_parse_ex2), and PHP's string conversion where the
 * portal's batch code relies on it. PHP works on bytes; here text is UTF-8 decoded at the end, so
 * bytes that are not valid UTF-8 (e.g. `%FF`) become U+FFFD.
 */

/** A PHP fatal error (an uncaught `TypeError`): the portal answers the whole request with 500. */
class PhpFatalError extends Error {}

/** Bytes that C's isspace() and PCRE's `\s` (no UTF mode) treat as white space. */
const PHP_WHITESPACE = '\t\n\v\f\r ';

/** PHP's max_input_nesting_level default: deeper bracket keys drop the whole variable. */
const MAX_INPUT_NESTING_LEVEL = 64;

/**
 * php_url_decode: `+` is a space, `%XX` (two hex digits) a byte; any other `%` stays as it is.
 * @param {string} text
 */
function phpUrlDecode(text) {
	return text
		.replace(/\+/g, ' ')
		.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

/** A string PHP turns into an integer array key: "5", "-3"; not "05", "+5", "-0", "5 ", or beyond 64 bits. */
function isPhpIntKey(/** @type {string} */ key) {
	if (!/^(0|-?[1-9]\d{0,18})$/.test(key)) return false;
	const value = BigInt(key);
	return value <= 9223372036854775807n && value >= -9223372036854775808n;
}

/** @typedef {{ [key: string]: PhpValue }} PhpArray a PHP array while it is built (null prototype) */
/** @typedef {string | PhpArray} PhpValue */

const newPhpArray = () => /** @type {PhpArray} */ (Object.create(null));

/** `$array[] = ...`: the next integer key (largest integer key + 1, or 0). */
function nextIndex(/** @type {PhpArray} */ array) {
	const keys = Object.keys(array).filter(isPhpIntKey).map(BigInt);
	return keys.length ? String(keys.reduce((a, b) => (b > a ? b : a)) + 1n) : '0';
}

/** PHP arrays as JSON gives them to a client: a list (keys 0..n-1 in order) becomes an array. */
function phpArrayToJs(/** @type {unknown} */ value) {
	if (value === null || typeof value !== 'object') return value;
	/** @type {Array<[string, unknown]>} */
	const entries = Object.entries(value).map(([k, v]) => [k, phpArrayToJs(v)]);
	const isList = entries.length > 0 && entries.every(([k], i) => k === String(i));
	return isList ? entries.map(([, v]) => v) : Object.fromEntries(entries);
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
	for (const prefix of ['__Host-', '__Secure-']) if (base.startsWith(prefix) && !name.startsWith(prefix)) return;
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
				container[key ?? nextIndex(container)] = value;
				return;
			}
			nextIndexName = name.slice(indexStart, close);
			at = close;
		}
		const key = index ?? nextIndex(container);
		const existing = container[key];
		if (typeof existing !== 'object') container[key] = newPhpArray();
		container = /** @type {PhpArray} */ (container[key]);
		index = nextIndexName;
		if (name[at + 1] === '[') {
			bracket = at + 1;
			continue;
		}
		container[index ?? nextIndex(container)] = value;
		return;
	}
}

/**
 * PHP's `parse_str` (the same rules fill $_GET and $_POST): `&`-separated pairs, empty pairs skipped,
 * name and value URL-decoded, later pairs overwrite earlier ones. Not reproduced: max_input_vars (a
 * portal setting; PHP's default stops after 1000 pairs). Integer-like keys come out in ascending
 * order (JS object order) where PHP keeps the order sent.
 * @param {string} text
 * @returns {Record<string, any>}
 */
function parsePhpQueryString(text) {
	const root = newPhpArray();
	for (const pair of text.split('&')) {
		if (!pair) continue;
		const eq = pair.indexOf('=');
		const value = eq < 0 ? '' : phpUrlDecode(pair.slice(eq + 1));
		registerVariable(root, phpUrlDecode(eq < 0 ? pair : pair.slice(0, eq)), value);
	}
	return /** @type {Record<string, any>} */ (phpArrayToJs(root));
}

/**
 * `parse_url($call)['path']` and `['query']`, for the strings a batch command is. A raw `#` starts
 * the fragment (dropped); the first `?` before it starts the query; control characters (bytes
 * 0-31, 127) in path and query become `_`. Simplified: when a `:` comes before the first `?`/`#`, or
 * the text starts with `//`, PHP reads a scheme, host or port (`x:profile` has the path `profile`
 * there); here such a command has no path, so it names no method.
 * @param {string} url
 * @returns {{ path: string | undefined, query: string | undefined }}
 */
function parsePhpUrl(url) {
	const fragmentAt = url.indexOf('#');
	const end = fragmentAt < 0 ? url.length : fragmentAt;
	const queryAt = url.slice(0, end).indexOf('?');
	const pathEnd = queryAt < 0 ? end : queryAt;
	const controls = (/** @type {string} */ text) => text.replace(/[\x00-\x1f\x7f]/g, '_');
	if (url.slice(0, pathEnd).includes(':') || url.startsWith('//')) return { path: undefined, query: undefined };
	return {
		// PHP sets no path for "?x" or "#x" (an empty path is kept only for an empty string)
		path: pathEnd > 0 || url === '' ? controls(url.slice(0, pathEnd)) : undefined,
		query: queryAt < 0 ? undefined : controls(url.slice(queryAt + 1, end)),
	};
}

/** PHP's float to string (precision 14, "%.14G"): 0.1 -> "0.1", 1e20 -> "1.0E+20", 5.0 -> "5". */
function phpFloatString(/** @type {number} */ value) {
	if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NAN' : value > 0 ? 'INF' : '-INF';
	if (value === 0) return Object.is(value, -0) ? '-0' : '0';
	const [mantissa, exponentText] = value.toExponential(13).split('e');
	const exponent = Number(exponentText);
	if (exponent < -4 || exponent >= 14) {
		const digits = mantissa.replace(/0+$/, '').replace(/\.$/, '.0');
		return `${digits}E${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
	}
	return value.toFixed(Math.max(0, 13 - exponent)).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/**
 * What `str_replace($search, $value, $subject)` inserts for a value in PHP 8 (no strict types):
 * scalars are converted, null is "" (deprecated, still works), an array is a TypeError.
 * @param {unknown} value
 */
function phpStringForReplace(value) {
	if (typeof value === 'string') return value;
	if (value === true) return '1';
	if (value === false || value === null || value === undefined) return '';
	if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 1e15 ? String(value) : phpFloatString(value);
	throw new PhpFatalError('str_replace(): Argument #2 ($replace) must be of type string when argument #1 ($search) is a string');
}

module.exports = {
	PhpFatalError,
	PHP_WHITESPACE,
	phpUrlDecode,
	isPhpIntKey,
	phpArrayToJs,
	parsePhpQueryString,
	parsePhpUrl,
	phpFloatString,
	phpStringForReplace,
};
