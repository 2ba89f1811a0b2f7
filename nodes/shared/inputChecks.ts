/**
 * Checks made before anything is sent, so that bad input never reaches the portal and the error
 * names the item and the fix.
 *
 * The preSends read the fields and build the body themselves rather than through `routing.send`:
 * n8n's RoutingNode evaluates a routed field twice more per item than an unrouted one, and with
 * n8n 2.x's expression engine each evaluation is most of an item's cost (docs/benchmarks.md, B1).
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

export function refuse(context: IExecuteSingleFunctions, message: string, description: string): never {
	const itemIndex = context.getItemIndex();
	throw new NodeOperationError(context.getNode(), `${message} (item ${itemIndex})`, { itemIndex, description });
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

/** The Event Token field's value, trimmed, or refuses the item. */
function requireEventToken(context: IExecuteSingleFunctions): string {
	let token = context.getNodeParameter('eventToken', '') as unknown;
	if (token === undefined || token === null || token === '') token = eventTokenFromTrigger(context);
	const check = checkEventToken(token);
	if (!check.ok) refuse(context, 'The Event Token cannot be used', `${check.problem} Nothing was sent.`);
	return check.token;
}

/** preSend for bizproc.activity.log. */
export async function checkLogInput(this: IExecuteSingleFunctions, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	const eventToken = requireEventToken(this);
	const text = logMessageText(this.getNodeParameter('logMessage', ''));
	const problem = logMessageProblem(text);
	if (problem) {
		refuse(this, `The Log Message ${problem}`, 'Enter the text to write into the business process log, or map a field that has text. Nothing was sent.');
	}
	options.body = { event_token: eventToken, log_message: text };
	return options;
}

/** How the name/value fields are named in the editor, for the words of a refusal. */
export interface NamedValuesWords {
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
	row: 'A return value',
	name: 'the return property as registered for the action',
	jsonField: 'Return Values (JSON)',
	example: '{"result": "approved"}',
};

/** Named values from the node (Send Result's return values, a template's parameters): name/value rows, or a JSON object (text or already an object). */
export function namedValuesFrom(
	mode: string,
	pairs: Array<{ name?: unknown; value?: unknown }>,
	json: unknown,
	words: NamedValuesWords = RETURN_VALUE_WORDS,
): { values?: IDataObject; problem?: string } {
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

/** preSend for bizproc.event.send. */
export async function checkSendResultInput(this: IExecuteSingleFunctions, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	const body: IDataObject = { event_token: requireEventToken(this) };
	const mode = this.getNodeParameter('returnValuesMode', 'keyValue') as string;
	const pairs = this.getNodeParameter('returnValues.values', []) as Array<{ name?: unknown; value?: unknown }>;
	const { values, problem } = namedValuesFrom(mode, pairs, this.getNodeParameter('returnValuesJson', '{}'));
	if (problem) refuse(this, 'The Return Values cannot be sent', `${problem} Nothing was sent.`);
	body.return_values = values;
	// An empty message is left out: Bitrix24 then writes its own "Received response from the application".
	const text = logMessageText(this.getNodeParameter('logMessage', ''));
	if (!logMessageProblem(text)) body.log_message = text;
	options.body = body;
	return options;
}
