/**
 * How calls travel together in one Bitrix24 `batch` request, and which calls cannot.
 *
 * The portal turns each command string back into parameters its own way (b24restdocs
 * api-reference/how-to-call-rest-api/batch.md; Bitrix core, rest module: CRestProvider::methodsBatch,
 * CRestUtil::ParseBatchQuery):
 *  1. parse_url(): a raw `#` starts a fragment, which is dropped;
 *  2. parse_str(): `+` becomes a space, `%xx` is decoded, `a[b]=` builds arrays;
 *  3. every value is scanned for `$result[..]`, `$next[..]`, `$total[..]`, `$time[..]`, `$error[..]`
 *     (any case, and any section name an earlier command's answer added, such as `$error_description`),
 *     and the match is replaced by part of an earlier answer, or the whole request fails; every key is
 *     scanned for `$` followed by `[..]` the same way.
 * Percent-encoding every byte but letters, digits and `-_.~` takes any text through 1 and 2 unchanged.
 * Nothing takes a text through 3, so these go as plain calls, which the portal does not scan:
 *  - a value holding `$` followed by a letter or `_` (a superset of every section name, present or future);
 *  - a value that is not text (a plain JSON call keeps numbers, booleans, null and empty lists typed;
 *    a query string makes them text), and text with a lone surrogate (it has no UTF-8 form);
 *    a list of texts goes as `name[0]=..&name[1]=..`, which parse_str reads back as the same list;
 *  - a key that parse_str would read differently: empty, starting with white space, or holding `[`, `]`, `$` or NUL;
 *    a top-level key holding a space or a dot (PHP turns them into `_`); a nested key starting with `__Host-` or
 *    `__Secure-` (PHP drops it) (Send Result's return property names);
 *  - a call of more than 1,000 pairs (parse_str keeps the first 1,000: max_input_vars).
 * sandbox/test/phpDifferential.test.js checks these commands against real PHP.
 */
import type { Bitrix24Failure } from './bitrix24Errors';
import { failureFromAnswer } from './bitrix24Errors';
import { isRecord } from './isRecord';

/** The portal runs at most 50 commands of a batch; the rest get ERROR_BATCH_LENGTH_EXCEEDED. */
export const MAX_BATCH_COMMANDS = 50;
/**
 * Our own cap on the commands' size in one batch (encoded, ~3 bytes per byte of non-Latin text): far
 * below PHP's usual 8 MB post_max_size, and a batch's 50 commands must run within the portal's 60 s.
 * A call larger than this goes alone as a plain call.
 */
export const MAX_BATCH_BYTES = 512 * 1024;

const SCANNED_BY_THE_PORTAL = /\$[a-z_]/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every byte but the unreserved ones, so that parse_url and parse_str give the text back unchanged. */
function encode(text: string): string {
	return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** PHP's max_input_vars default, which parse_str applies to a command too. */
const MAX_COMMAND_PAIRS = 1000;

function safeKey(key: string, nested: boolean): boolean {
	if (key === '' || /^\s/.test(key) || /[[\]$\0]/.test(key) || LONE_SURROGATE.test(key)) return false;
	return nested ? !/^__(Host|Secure)-/.test(key) : !/[ .]/.test(key);
}

function pairsOf(params: Record<string, unknown>, prefix = ''): Array<[string, string]> | undefined {
	const pairs: Array<[string, string]> = [];
	for (const [key, value] of Object.entries(params)) {
		if (!safeKey(key, prefix !== '')) return undefined;
		const name = prefix ? `${prefix}[${encode(key)}]` : encode(key);
		if ((isRecord(value) || Array.isArray(value)) && Object.keys(value).length > 0) {
			const nested = pairsOf({ ...value }, name);
			if (!nested) return undefined;
			pairs.push(...nested);
		} else if (typeof value === 'string' && !SCANNED_BY_THE_PORTAL.test(value) && !LONE_SURROGATE.test(value)) {
			pairs.push([name, encode(value)]);
		} else {
			return undefined;
		}
	}
	return pairs;
}

/** The batch command for a call (`method?encoded params`), or undefined when it must go as a plain call. */
export function batchCommandFor(method: string, params: Record<string, unknown>): string | undefined {
	const pairs = pairsOf(params);
	if (!pairs || pairs.length > MAX_COMMAND_PAIRS) return undefined;
	const command = `${method}?${pairs.map(([name, value]) => `${name}=${value}`).join('&')}`;
	return command.length <= MAX_BATCH_BYTES ? command : undefined;
}

/** Command keys are not integer-like: JSON objects keep the order of such keys, and the portal runs them in that order. */
function commandKey(index: number): string {
	return `c${index}`;
}

export function batchBody(commands: string[]): { halt: 0; cmd: Record<string, string> } {
	return { halt: 0, cmd: Object.fromEntries(commands.map((command, index) => [commandKey(index), command])) };
}

/** A list method's page also says where the next page starts (`next`) and how many rows there are (`total`). */
export type CommandOutcome = { result: unknown; time: unknown; next?: unknown; total?: unknown } | { failure: Bitrix24Failure };

/** The answer's `next` and `total`, where it has them. */
export function pageInfo(next: unknown, total: unknown): { next?: unknown; total?: unknown } {
	return { ...(next === undefined ? {} : { next }), ...(total === undefined ? {} : { total }) };
}

export const UNKNOWN_OUTCOME: Bitrix24Failure = {
	code: 'BATCH_ANSWER_INCOMPLETE',
	message: "Bitrix24's answer did not say what became of this call",
	description:
		'The portal answered the batch request without a result or an error for this item, so the line may or may not have been written; it was not sent again to avoid a duplicate. Check the business process log before running again.',
	neverSendAgain: true,
};

/** Empty sections come back as `[]`, not `{}`. */
function section(value: unknown): Record<string, unknown> {
	return isRecord(value) ? value : {};
}

/**
 * Each command's outcome from a batch answer (HTTP 200), in command order; undefined when the body is
 * not a batch answer at all.
 */
export function commandOutcomes(body: unknown, count: number): CommandOutcome[] | undefined {
	const answer = isRecord(body) && isRecord(body.result) ? body.result : undefined;
	if (!answer || !('result' in answer)) return undefined;
	const results = section(answer.result);
	const errors = section(answer.result_error);
	const times = section(answer.result_time);
	const nexts = section(answer.result_next);
	const totals = section(answer.result_total);
	return Array.from({ length: count }, (_, index): CommandOutcome => {
		const key = commandKey(index);
		if (key in errors) {
			const entry = isRecord(errors[key]) ? errors[key] : { error: String(errors[key]) };
			// A command's status is not given; 400 makes an empty code (a business-process exception) a failure too.
			return { failure: failureFromAnswer({ status: 400, body: entry }) ?? UNKNOWN_OUTCOME };
		}
		if (key in results) return { result: results[key], time: times[key], ...pageInfo(nexts[key], totals[key]) };
		return { failure: UNKNOWN_OUTCOME };
	});
}
