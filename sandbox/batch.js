// @ts-check
'use strict';

const { RestError, errors } = require('./errors');
const { upperKeys, isPhpEmpty } = require('./bodies');
const { timeBlock } = require('./timing');
const { ListPage } = require('./listQuery');
const { PHP_WHITESPACE, phpArrayToJs, phpStringForReplace, isPhpIntKey } = require('./phpValues');
const { parsePhpUrl, parsePhpQueryString } = require('./phpUrl');

/**
 * `batch`, step for step as the core runs it (rest module: CRestProvider::methodsBatch in
 * classes/general/rest_provider.php; CRestUtil::ParseBatchQuery, processBatchStructure and
 * processBatchElement in classes/general/rest_util.php).
 */

/** CRestUtil::BATCH_MAX_LENGTH */
const MAX_BATCH_COMMANDS = 50;

/**
 * The core's $arResult: section name -> (command key -> value), in insertion order. It starts with
 * these five and grows by every key a command's answer has (`error_description` after an error).
 * @typedef {Map<string, Map<string, unknown>>} BatchResults
 */

/** @typedef {Record<string, unknown>} CommandAnswer what one command gave, as the core's $res */

/** A section as PHP's JSON gives it: an empty one is [], keys 0..n-1 a list. */
function sectionToJs(/** @type {Map<string, unknown>} */ section) {
	return section.size ? phpArrayToJs(Object.fromEntries(section)) : [];
}

/**
 * PHP's isset($container[$key]) followed by the read, for the containers a batch result holds.
 * @returns {{ value: unknown } | undefined}
 */
function phpIndex(/** @type {unknown} */ container, /** @type {string} */ key) {
	/** @type {unknown} */
	let value;
	if (container instanceof Map) value = container.get(key);
	else if (Array.isArray(container)) value = isPhpIntKey(key) ? container[Number(key)] : undefined;
	else if (typeof container === 'string') {
		// A string offset: a numeric key picks one byte (negative from the end).
		if (!/^[+-]?\d+$/.test(key)) return undefined;
		const bytes = Buffer.from(container, 'utf8');
		const offset = Number(key) < 0 ? bytes.length + Number(key) : Number(key);
		return offset >= 0 && offset < bytes.length ? { value: bytes.subarray(offset, offset + 1).toString('utf8') } : undefined;
	} else if (container !== null && typeof container === 'object') value = Object.hasOwn(container, key) ? /** @type {Record<string, unknown>} */ (container)[key] : undefined;
	return value === undefined || value === null ? undefined : { value };
}

/**
 * CRestUtil::processBatchElement: every `$KEY...` up to the next white space (KEY one of `keys`,
 * case-insensitive) whose tail holds `[x]` parts is replaced by $arResult[KEY][x]... The walk stops
 * at the first missing part (keeping what it reached: a whole section if the first is missing). A
 * match that is the whole text makes the value that (any type); inside a longer text it goes through
 * str_replace, where an array is a PHP 8 TypeError (the request dies with 500).
 * @param {unknown} text a parameter value or key
 * @param {BatchResults} results
 * @param {string[]} keys the $arResult keys when the command's parameters were processed
 */
function substituteResults(text, results, keys) {
	if (typeof text !== 'string') return text;
	const pattern = new RegExp(`\\$(${keys.join('|')})([^${PHP_WHITESPACE}]*)`, 'gi');
	/** @type {unknown} */
	let value = text;
	for (const [match, key, tail] of text.matchAll(pattern)) {
		const path = [...tail.matchAll(/\[([^\]]+)\]/g)].map((part) => part[1]);
		if (!path.length) continue;
		/** @type {unknown} */
		let reached = results.get(key) ?? null; // exact case: "$RESULT[x]" reaches nothing (null)
		for (const part of path) {
			const next = phpIndex(reached, part);
			if (!next) break;
			reached = next.value;
		}
		// Matches are separated by white space, so only a first match can be the whole text.
		if (match === value) return reached instanceof Map ? sectionToJs(reached) : reached;
		value = /** @type {string} */ (value).split(match).join(phpStringForReplace(reached));
	}
	return value;
}

/**
 * CRestUtil::processBatchStructure: values get substituted with the $arResult keys of the moment;
 * keys go through the same step with no keys at all (`/\$()(...)/`). A key from parse_str never holds
 * a whole `[x]` (the base name has no `[`, an index no `]`), so keys never change in practice.
 * @param {Record<string, unknown> | unknown[]} params
 * @param {BatchResults} results
 * @param {string[]} keys
 * @returns {Record<string, unknown> | unknown[]}
 */
function processBatchStructure(params, results, keys) {
	/** @type {Record<string, unknown>} */
	const processed = Object.create(null);
	for (const [key, value] of Object.entries(params)) {
		const newKey = String(substituteResults(key, results, []) ?? '');
		processed[newKey] = value !== null && typeof value === 'object'
			? processBatchStructure(/** @type {Record<string, unknown>} */ (value), results, keys)
			: substituteResults(value, results, keys);
	}
	return /** @type {Record<string, unknown> | unknown[]} */ (phpArrayToJs(processed));
}

/** CRestUtil::ParseBatchQuery. @param {string | undefined} query @param {BatchResults} results */
function parseBatchQuery(query, results) {
	if (!query || query === '0') return {}; // PHP's if($query)
	return processBatchStructure(parsePhpQueryString(query), results, [...results.keys()]);
}

/** The answer a command that failed leaves behind: `$res['error'] = $res`, so both keys are new entries. */
function errorAnswer(/** @type {RestError} */ error) {
	return { error: { error: error.code, error_description: error.description }, error_description: error.description };
}

/** How many commands a batch request holds (for the journal). @param {Record<string, any>} params */
function countBatchCommands(params) {
	const { CMD } = upperKeys(params);
	return CMD !== null && typeof CMD === 'object' ? Object.keys(CMD).length : 0;
}

/**
 * @param {{
 *   callMethod: (method: string, params: Record<string, any>, auth: any, takeFault: (method: string) => RestError | undefined) => Promise<unknown>,
 *   takeCommandFault: (method: string) => RestError | undefined,
 * }} deps
 */
function createBatchMethod({ callMethod, takeCommandFault }) {
	/** One command: parse_url, ParseBatchQuery, then the method with the batch's authorization. */
	async function runCommand(/** @type {string} */ call, /** @type {BatchResults} */ results, /** @type {any} */ auth) {
		const { path, query } = parsePhpUrl(call);
		const params = /** @type {Record<string, any>} */ (parseBatchQuery(query, results));
		if (path === 'download' || path === 'upload') return errorAnswer(errors.batchMethodNotAllowed());
		// Not in the core (which would run a nested batch): the sandbox refuses it.
		if (path?.toLowerCase() === 'batch') return errorAnswer(errors.batchMethodNotAllowed());
		delete params.auth; // the batch's own credential replaces any in the command
		const startedAt = Date.now();
		try {
			const result = await callMethod(path ?? '', params, auth, takeCommandFault);
			// A list's next / total land in result_next / result_total.
			return { ...(result instanceof ListPage ? result.toAnswer() : { result }), time: timeBlock(startedAt) };
		} catch (error) {
			if (!(error instanceof RestError)) throw error;
			return errorAnswer(error);
		}
	}

	return {
		batch: {
			scope: null,
			async run(/** @type {{ params: Record<string, any>, auth: any }} */ { params, auth }) {
				const { HALT, CMD } = upperKeys(params);
				const halt = !isPhpEmpty(HALT); // (bool) $arQuery['HALT']
				/** @type {BatchResults} */
				const results = new Map(['result', 'next', 'total', 'time', 'error'].map((section) => [section, new Map()]));
				const commands = CMD !== null && typeof CMD === 'object' ? Object.entries(CMD) : [];
				let count = 0;
				for (const [key, call] of commands) {
					/** @type {CommandAnswer} */
					let answer;
					if (count++ < MAX_BATCH_COMMANDS) {
						if (typeof call !== 'string') continue;
						answer = await runCommand(call, results, auth);
					} else answer = errorAnswer(errors.batchLength());
					for (const [section, value] of Object.entries(answer)) {
						if (!results.has(section)) results.set(section, new Map());
						results.get(section)?.set(key, value);
					}
					if (answer.error && halt) break;
				}
				const section = (/** @type {string} */ name) => sectionToJs(results.get(name) ?? new Map());
				return {
					result: section('result'),
					result_error: section('error'),
					result_total: section('total'),
					result_next: section('next'),
					result_time: section('time'),
				};
			},
		},
	};
}

module.exports = { createBatchMethod, countBatchCommands, substituteResults, MAX_BATCH_COMMANDS };
