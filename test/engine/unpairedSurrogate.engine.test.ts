/**
 * A text holding half of a character (an unpaired UTF-16 surrogate, left by cutting an emoji in two)
 * is refused before sending, naming the item, the field and the position; the other items go.
 *
 * JSON.stringify writes such a text as "\ud83d", and PHP's json_decode refuses the whole body
 * (JSON_ERROR_UTF16), so the portal would see a call without parameters. The assertions count the
 * requests the sandbox received, so they hold against a sandbox that decodes JSON bodies as PHP does.
 */
import type { IDataObject } from 'n8n-workflow';

import { runNode } from './n8nEngine';
import { usePortal, webhookCredentials } from './portal';

const SEND_RESULT = 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocSendResult';
const HALF = '\ud83d'; // the first half of 🎉 (U+1F389) alone
const LOW_HALF = '\ude00'; // a second half alone

const portal = usePortal();

const lines = (workflowId: string) => portal.workflow(workflowId)!.logLines.map((line) => line.message);
const restCalls = () => portal.journal().filter((entry) => entry.restMethod !== undefined);

describe.each([
	['combined into batches', true],
	['one request per line', false],
])('%s', (_label, combineIntoBatches) => {
	test.each([
		['a lone first half at the end', `Paid ${HALF}`, /^The Log Message holds half of a character at position 6 \(item 1\)$/],
		['a lone second half inside', `x${LOW_HALF}y`, /^The Log Message holds half of a character at position 2 \(item 1\)$/],
		['after a whole emoji, counted as one character', `ok 🎉 then ${HALF}`, /^The Log Message holds half of a character at position 11 \(item 1\)$/],
	])('Log Message: %s', async (_case, broken, message) => {
		const first = portal.issueEventToken({});
		const bad = portal.issueEventToken({});
		const last = portal.issueEventToken({});
		const run = await runNode({
			parameters: { logMessage: '={{ $json.message }}', options: { combineIntoBatches } },
			credentials: webhookCredentials(portal),
			items: [
				{ event_token: first.eventToken, message: 'first 🎉' },
				{ event_token: bad.eventToken, message: broken },
				{ event_token: last.eventToken, message: 'last' },
			],
			continueOnFail: true,
		});
		expect(run.error).toBeUndefined();
		expect(run.items!.map((item) => item.json.result ?? item.json.error)).toEqual([true, expect.stringMatching(message), true]);
		expect(lines(first.workflowId)).toEqual(['first 🎉']);
		expect(lines(last.workflowId)).toEqual(['last']);
		expect(lines(bad.workflowId)).toEqual([]);
		// Only the two good lines reached the portal: one batch of two, or two requests.
		const calls = restCalls();
		expect(calls.map((call) => call.batchCommands ?? 1).reduce((a, b) => a + b, 0)).toBe(2);
		expect(calls).toHaveLength(combineIntoBatches ? 1 : 2);
		expect(JSON.stringify(portal.journal())).not.toContain(bad.workflowId);
	});
});

test('the node stops at the broken item and says why, with the fix', async () => {
	const { eventToken } = portal.issueEventToken({});
	const run = await runNode({ parameters: { logMessage: `Paid ${HALF}` }, credentials: webhookCredentials(portal), items: [{ event_token: eventToken }] });
	expect(run.error?.message).toBe('The Log Message holds half of a character at position 6 (item 0)');
	expect(run.error?.description).toMatch(/emoji.*Nothing was sent/s);
	expect(restCalls()).toHaveLength(0);
});

test('Event Token: a half-character is refused with its position, and the token is not shown', async () => {
	const { eventToken } = portal.issueEventToken({});
	const broken = `${eventToken.slice(0, 3)}${HALF}${eventToken.slice(3)}`;
	const run = await runNode({ parameters: { eventToken: broken, logMessage: 'x' }, credentials: webhookCredentials(portal), items: [{}] });
	expect(run.error?.message).toBe('The Event Token cannot be used (item 0)');
	expect(run.error?.description).toMatch(/half of a character at position 4\b.*Nothing was sent/s);
	expect(run.error?.description).not.toContain(eventToken.slice(3, 20));
	expect(restCalls()).toHaveLength(0);
});

describe('Send Result: every text, name and line it sends', () => {
	test.each([
		['a return value', { returnValues: { values: [{ name: 'comment', value: '={{ $json.comment }}' }] } }, { comment: `Approved ${HALF}` }, 'The return value "comment" holds half of a character at position 10'],
		['a value nested in JSON', { returnValuesMode: 'json', returnValuesJson: '={{ $json.values }}' }, { values: { a: { b: ['ok', `x${HALF}`] } } }, 'The return value "a.b[1]" holds half of a character at position 2'],
		['a name in JSON text', { returnValuesMode: 'json', returnValuesJson: '={{ $json.text }}' }, { text: '{"\\ude00": 1}' }, 'The name of a return value holds half of a character at position 1'],
		['a nested name', { returnValuesMode: 'json', returnValuesJson: '={{ $json.values }}' }, { values: { a: { [`${LOW_HALF}b`]: 1 } } }, 'A name inside the return value "a" holds half of a character at position 1'],
		['the log line', { logMessage: '={{ $json.line }}' }, { line: `Done ${HALF}` }, 'The Log Message holds half of a character at position 6'],
	])('%s', async (_case, parameters: IDataObject, fields: IDataObject, message) => {
		const first = portal.issueEventToken({});
		const bad = portal.issueEventToken({});
		const run = await runNode({
			type: SEND_RESULT,
			parameters,
			credentials: webhookCredentials(portal),
			items: [{ event_token: first.eventToken, comment: 'fine', values: { a: 'fine' }, text: '{"a": "fine"}', line: 'fine' }, { event_token: bad.eventToken, ...fields }],
			continueOnFail: true,
		});
		expect(run.error).toBeUndefined();
		expect(run.items!.map((item) => item.json.result ?? item.json.error)).toEqual([true, `${message} (item 1)`]);
		expect(portal.workflow(first.workflowId)!.state).toBe('completed');
		expect(portal.workflow(bad.workflowId)!.state).toBe('waiting');
		expect(restCalls().map((call) => call.batchCommands ?? 1)).toEqual([1]);
		expect(JSON.stringify(portal.journal())).not.toContain(bad.workflowId);
	});
});
