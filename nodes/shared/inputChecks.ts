/**
 * Checks made before anything is sent, so that bad input never reaches the portal and the error
 * names the item and the fix.
 *
 * The preSends read the fields and build the body themselves rather than through `routing.send`.
 * n8n's RoutingNode (n8n-core routing-node.ts) evaluates every field of the node per item before any
 * hook runs: in `runNode`, and on 2.x once more in `resolveBaseUrl`. A routed field it reads twice
 * more (`getRequestOptionsFromParameters` calls `getNodeParameter` in both passes), so routing a field
 * costs 4 evaluations per item on 2.x where reading it here costs 3 (on 1.x, 2 either way), and with
 * n8n 2.x's expression engine each evaluation is most of an item's cost (docs/benchmarks.md, B1).
 * test/engine/evaluations.engine.test.ts counts them.
 */
import { NodeOperationError, type IDataObject, type IExecuteSingleFunctions, type IHttpRequestOptions } from 'n8n-workflow';

import { checkEventToken } from './eventToken';

/** Log text as Bitrix24 will store it: numbers and booleans as text, objects and lists as JSON. */
export function logMessageText(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'string') return value;
	if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
	return JSON.stringify(value);
}

/** Why Bitrix24 would refuse this log message, or undefined when it is fine (PHP `empty()` semantics). */
export function logMessageProblem(text: string | undefined): string | undefined {
	if (text === undefined || text.trim() === '') return 'is empty';
	if (text === '0') return 'is "0", which Bitrix24 treats as an empty message';
	return undefined;
}

/**
 * Half of a UTF-16 surrogate pair without its other half (an emoji cut in two by `slice()`).
 * JSON.stringify writes it as "\ud83d"; PHP's json_decode refuses the whole body for it
 * (JSON_ERROR_UTF16, php-src ext/json/json_scanner.re), so the portal would see a call without
 * parameters and answer as if the token were wrong.
 */
const HALF_CHARACTER = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Position (1-based, in characters as a person counts them) of the first half-character, or undefined. */
export function halfCharacterAt(text: string): number | undefined {
	const match = HALF_CHARACTER.exec(text);
	return match ? Array.from(text.slice(0, match.index)).length + 1 : undefined;
}

const HALF_CHARACTER_HELP =
	'That is one half of an emoji or another character that takes two UTF-16 units, usually cut in two by slice() or substring() in a Code node. Bitrix24 cannot decode a request that holds it and would refuse the whole call. Cut text by characters, for example Array.from(text).slice(0, 100).join(""), or remove the broken character.';

/** Where a return value (its texts, and the names and texts inside it) holds a half-character. */
function halfCharacterInValue(value: unknown, path: string): string | undefined {
	if (typeof value === 'string') {
		const at = halfCharacterAt(value);
		return at === undefined ? undefined : `The return value "${path}" holds half of a character at position ${at}`;
	}
	if (typeof value !== 'object' || value === null) return undefined;
	for (const [key, entry] of Object.entries(value)) {
		const at = halfCharacterAt(key);
		if (at !== undefined) return `A name inside the return value "${path}" holds half of a character at position ${at}`;
		const found = halfCharacterInValue(entry, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
		if (found) return found;
	}
	return undefined;
}

/** Where the return values hold a half-character, as the start of an error message, or undefined. */
function halfCharacterInReturnValues(values: IDataObject): string | undefined {
	for (const [name, value] of Object.entries(values)) {
		const at = halfCharacterAt(name);
		if (at !== undefined) return `The name of a return value holds half of a character at position ${at}`;
		const found = halfCharacterInValue(value, name);
		if (found) return found;
	}
	return undefined;
}

/** Fails the item before anything is sent: the message names the field and the item, the description the fix. */
export function failBeforeSending(context: IExecuteSingleFunctions, message: string, fix: string): never {
	const itemIndex = context.getItemIndex();
	throw new NodeOperationError(context.getNode(), `${message} (item ${itemIndex})`, { itemIndex, description: `${fix} Nothing was sent.` });
}

const TRIGGER_TYPE_SUFFIX = '.bitrix24BizprocTrigger';

/**
 * When the incoming item has no token (steps between the trigger and this node replaced it), the
 * token of the Bitrix24 Bizproc Trigger upstream, whatever it is named: Trigger -> work -> Log then
 * needs no expression.
 */
function eventTokenFromTrigger(context: IExecuteSingleFunctions): unknown {
	const trigger = context.getParentNodes(context.getNode().name).find((node) => node.type.endsWith(TRIGGER_TYPE_SUFFIX));
	if (!trigger) return undefined;
	const reference = JSON.stringify(trigger.name);
	// evaluateExpression adds the leading "=" itself.
	return context.evaluateExpression(`{{ $(${reference}).isExecuted ? $(${reference}).item.json.event_token : undefined }}`, context.getItemIndex());
}

/** The Event Token field's value, trimmed, or the item fails. */
function requireEventToken(context: IExecuteSingleFunctions): string {
	let token = context.getNodeParameter('eventToken', '') as unknown;
	if (token === undefined || token === null || token === '') token = eventTokenFromTrigger(context);
	const check = checkEventToken(token);
	if (!check.ok) failBeforeSending(context, 'The Event Token cannot be used', check.problem);
	const at = halfCharacterAt(check.token);
	if (at !== undefined) {
		failBeforeSending(context, 'The Event Token cannot be used', `It holds half of a character at position ${at}. ${HALF_CHARACTER_HELP} Map the event_token field of the handler call unchanged.`);
	}
	return check.token;
}

/** Fails the item whose log line Bitrix24 could not decode. */
function failOnHalfCharacterIn(context: IExecuteSingleFunctions, text: string | undefined): void {
	const at = text === undefined ? undefined : halfCharacterAt(text);
	if (at !== undefined) failBeforeSending(context, `The Log Message holds half of a character at position ${at}`, HALF_CHARACTER_HELP);
}

/** preSend of the Log node: checks the item's fields and builds the body of bizproc.activity.log. */
export async function logBody(this: IExecuteSingleFunctions, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	const eventToken = requireEventToken(this);
	const text = logMessageText(this.getNodeParameter('logMessage', ''));
	const problem = logMessageProblem(text);
	if (problem) {
		failBeforeSending(this, `The Log Message ${problem}`, 'Enter the text to write into the business process log, or map a field that has text.');
	}
	failOnHalfCharacterIn(this, text);
	options.body = { event_token: eventToken, log_message: text };
	return options;
}

/** How the name/value fields are named in the editor, for the words of a refusal. */
interface NamedValuesWords {
	/** e.g. "The Return Values cannot be sent" */
	refusal: string;
	/** e.g. "A return value" */
	row: string;
	/** e.g. "the return property as registered for the action" */
	name: string;
	/** e.g. "Return Values (JSON)" */
	jsonField: string;
	/** e.g. {"result": "approved"} */
	example: string;
}

const RETURN_VALUE_WORDS: NamedValuesWords = {
	refusal: 'The Return Values cannot be sent',
	row: 'A return value',
	name: 'the return property as registered for the action',
	jsonField: 'Return Values (JSON)',
	example: '{"result": "approved"}',
};

/** Named values from name/value rows, or from a JSON object (text or already an object). */
function namedValuesFrom(mode: string, pairs: Array<{ name?: unknown; value?: unknown }>, json: unknown, words: NamedValuesWords): { values?: IDataObject; problem?: string } {
	if (mode !== 'json') {
		const values: IDataObject = {};
		for (const { name, value } of pairs) {
			const key = typeof name === 'string' ? name.trim() : '';
			if (key === '') return { problem: `${words.row} has no name. Enter the name of ${words.name}.` };
			values[key] = value as IDataObject[string];
		}
		return { values };
	}
	let parsed = json;
	if (typeof json === 'string') {
		if (json.trim() === '') return { values: {} };
		try {
			parsed = JSON.parse(json);
		} catch {
			return { problem: `${words.jsonField} is not valid JSON. Enter an object such as ${words.example}.` };
		}
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		return { problem: `${words.jsonField} must be an object such as ${words.example}, not a list or a single value.` };
	}
	return { values: parsed as IDataObject };
}

/**
 * The item's named values (Send Result's return values, a template's parameters, a task's form fields),
 * given in the fields `<field>Mode` (rows or JSON), `<field>` (the rows) and `<field>Json`
 * (nodeFields.ts, namedValuesProperties), or the item fails.
 */
export function namedValuesOf(
	context: IExecuteSingleFunctions,
	field: string,
	words: NamedValuesWords,
	mode = context.getNodeParameter(`${field}Mode`, 'keyValue') as string,
): IDataObject {
	const pairs = context.getNodeParameter(`${field}.values`, []) as Array<{ name?: unknown; value?: unknown }>;
	const { values, problem } = namedValuesFrom(mode, pairs, context.getNodeParameter(`${field}Json`, '{}'), words);
	if (problem !== undefined) failBeforeSending(context, words.refusal, problem);
	return values!;
}

/** preSend of the Send Result node: checks the item's fields and builds the body of bizproc.event.send. */
export async function sendResultBody(this: IExecuteSingleFunctions, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	const body: IDataObject = { event_token: requireEventToken(this) };
	const values = namedValuesOf(this, 'returnValues', RETURN_VALUE_WORDS);
	const broken = halfCharacterInReturnValues(values);
	if (broken) failBeforeSending(this, broken, HALF_CHARACTER_HELP);
	body.return_values = values;
	// An empty message is left out: Bitrix24 then writes its own "Received response from the application".
	const text = logMessageText(this.getNodeParameter('logMessage', ''));
	failOnHalfCharacterIn(this, text);
	if (!logMessageProblem(text)) body.log_message = text;
	options.body = body;
	return options;
}
