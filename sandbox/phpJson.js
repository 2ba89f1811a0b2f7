// @ts-check
'use strict';

/**
 * PHP's `json_decode($body, true)`, how the portal reads a JSON request body, ported from php-src
 * (ext/json: php_json_scanner.re, php_json_parser.y). sandbox/test/phpDifferential.test.js checks it
 * against real PHP.
 */

const { PHP_INT_MAX, PHP_INT_MIN, isDigit, newPhpArray, phpArrayToJs } = require('./phpValues');

/** @typedef {import('./phpValues').PhpValue} PhpValue */

/**
 * json_decode's default depth (512): at most 511 arrays or objects inside each other (measured with
 * PHP 8.2: 511 decode, 512 give "Maximum stack depth exceeded").
 */
const JSON_MAX_NESTING = 511;
// On purpose (no-control-regex is off for this file in eslint.project.config.mjs): JSON forbids raw control characters in a string; PHP's json_decode refuses them
const JSON_STRING = /"(?:[^"\\\x00-\x1f]+|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;
const JSON_NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const JSON_LITERAL = /true|false|null/y;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const defaultInt = (/** @type {string} */ text) => Number(BigInt(text));

/**
 * Text where JSON.parse gives what json_decode gives, in JS terms (the quick path): no surrogate
 * escape, no "-0" (an int 0 in PHP), fewer than 512 brackets in all (so not 512 levels).
 */
function isPlainJson(/** @type {string} */ text) {
	if (/\\u[dD][89a-fA-F]|-0/.test(text)) return false;
	let brackets = 0;
	for (let i = 0; i < text.length && brackets <= JSON_MAX_NESTING; i += 1) {
		const code = text.charCodeAt(i);
		if (code === 0x5b || code === 0x7b) brackets += 1;
	}
	return brackets <= JSON_MAX_NESTING;
}

/**
 * `json_decode($body, true)`. PHP refuses (null) what JSON.parse would take: bytes that are not UTF-8
 * (also encoded surrogates and overlong forms), a `\uD83D` escape not paired with a low surrogate
 * escape ("Single unpaired UTF-16 surrogate"), more than 511 levels; a leading BOM is a syntax error
 * in both. Integers that fit in 64 bits are PHP ints, the rest (and 1.0, 1e2) floats: 1e400 is INF.
 * Objects and lists become PHP arrays (so `{"0":"a"}` is the list ["a"] too); a repeated key keeps
 * its first place and the last value.
 * @param {Buffer} body
 * @param {{ int?: (text: string) => unknown }} [options] what a PHP int becomes (default: a JS number)
 * @returns {{ value: unknown } | undefined} undefined where PHP refuses the body
 */
function phpJsonDecode(body, { int = defaultInt } = {}) {
	let text;
	try {
		text = STRICT_UTF8.decode(body);
	} catch {
		return undefined; // JSON_ERROR_UTF8
	}
	if (int === defaultInt && isPlainJson(text)) {
		try {
			return { value: phpArrayToJs(JSON.parse(text)) };
		} catch {
			return undefined; // PHP's grammar is JSON's: what JSON.parse refuses, json_decode does
		}
	}
	let at = 0;
	const refuse = () => {
		throw new SyntaxError('refused');
	};
	const space = () => {
		while (text[at] === ' ' || text[at] === '\t' || text[at] === '\n' || text[at] === '\r') at += 1;
	};
	const token = (/** @type {RegExp} */ pattern) => {
		pattern.lastIndex = at;
		const match = pattern.exec(text) ?? refuse();
		at = pattern.lastIndex;
		return /** @type {RegExpExecArray} */ (match);
	};
	const string = () => {
		const decoded = JSON.parse(token(JSON_STRING)[0]);
		return LONE_SURROGATE.test(decoded) ? refuse() : decoded; // JSON_ERROR_UTF16
	};
	const expect = (/** @type {string} */ char) => (text[at] === char ? (at += 1) : refuse());
	/** @returns {unknown} */
	const value = (/** @type {number} */ level) => {
		space();
		const open = text[at];
		if (open === '{' || open === '[') {
			if (level >= JSON_MAX_NESTING) refuse(); // JSON_ERROR_DEPTH
			at += 1;
			const array = newPhpArray();
			const close = open === '{' ? '}' : ']';
			space();
			if (text[at] === close) return (at += 1), array;
			for (let index = 0; ; index += 1) {
				if (open === '{') {
					space();
					const key = string();
					space();
					expect(':');
					array[key] = /** @type {PhpValue} */ (value(level + 1));
				} else array[String(index)] = /** @type {PhpValue} */ (value(level + 1));
				space();
				if (text[at] !== ',') break;
				at += 1;
			}
			expect(close);
			return array;
		}
		if (open === '"') return string();
		if (open === '-' || isDigit(open)) {
			const [number, fraction, exponent] = token(JSON_NUMBER);
			const isInt = !fraction && !exponent && BigInt(number) <= PHP_INT_MAX && BigInt(number) >= PHP_INT_MIN;
			return isInt ? int(number) : Number(number);
		}
		return { true: true, false: false, null: null }[token(JSON_LITERAL)[0]];
	};
	try {
		const decoded = value(0);
		space();
		if (at < text.length) refuse();
		return { value: phpArrayToJs(decoded) };
	} catch (error) {
		if (error instanceof SyntaxError) return undefined;
		throw error;
	}
}

module.exports = { phpJsonDecode };
