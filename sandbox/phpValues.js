// @ts-check
'use strict';

/**
 * PHP's values as the other php*.js files build and hand them on, ported from php-src: bytes, integer
 * array keys, arrays as JSON gives them to a client, and PHP's string conversion where the portal's
 * batch code relies on it. PHP works on bytes, and so does the sandbox's PHP (as latin1 strings: one
 * char a byte); text is UTF-8 decoded at the end, so bytes that are not valid UTF-8 (e.g. `%FF`)
 * become U+FFFD. sandbox/test/phpDifferential.test.js checks them against real PHP.
 */

/** A PHP fatal error (an uncaught `TypeError`): the portal answers the whole request with 500. */
class PhpFatalError extends Error {}

/** Bytes that C's isspace() and PCRE's `\s` (no UTF mode) treat as white space. */
const PHP_WHITESPACE = '\t\n\v\f\r ';

const PHP_INT_MAX = 9223372036854775807n;
const PHP_INT_MIN = -9223372036854775808n;

const isDigit = (/** @type {string | undefined} */ c) => c !== undefined && c >= '0' && c <= '9';

/** Text as PHP's bytes (a latin1 string, one char a byte). @param {string | Buffer} text */
const bytesOf = (text) => (typeof text === 'string' ? Buffer.from(text, 'utf8') : text).toString('latin1');
/** PHP's bytes as the sandbox's text. @param {string} bytes */
const textOf = (bytes) => Buffer.from(bytes, 'latin1').toString('utf8');

/** A string PHP turns into an integer array key: "5", "-3"; not "05", "+5", "-0", "5 ", or beyond 64 bits. */
function isPhpIntKey(/** @type {string} */ key) {
	if (!/^(0|-?[1-9]\d{0,18})$/.test(key)) return false;
	const value = BigInt(key);
	return value <= PHP_INT_MAX && value >= PHP_INT_MIN;
}

/** @typedef {{ [key: string]: PhpValue }} PhpArray a PHP array while it is built (null prototype) */
/** @typedef {string | PhpArray} PhpValue */

const newPhpArray = () => /** @type {PhpArray} */ (Object.create(null));

/**
 * PHP arrays as JSON gives them to a client: a list (keys 0..n-1 in order) becomes an array.
 * @param {unknown} value
 * @param {(text: string) => string} [text] applied to every key and string (bytes to text)
 * @returns {unknown}
 */
function phpArrayToJs(value, text = (t) => t) {
	if (typeof value === 'string') return text(value);
	if (value === null || typeof value !== 'object') return value;
	/** @type {Array<[string, unknown]>} */
	const entries = Object.entries(value).map(([k, v]) => [text(k), phpArrayToJs(v, text)]);
	const isList = entries.length > 0 && entries.every(([k], i) => k === String(i));
	return isList ? entries.map(([, v]) => v) : Object.fromEntries(entries);
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
	PHP_INT_MAX,
	PHP_INT_MIN,
	isDigit,
	bytesOf,
	textOf,
	isPhpIntKey,
	newPhpArray,
	phpArrayToJs,
	phpFloatString,
	phpStringForReplace,
};
