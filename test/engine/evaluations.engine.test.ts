/**
 * How often n8n evaluates the user's expressions per item in the Log and Send Result nodes.
 *
 * n8n-core's RoutingNode (routing-node.ts) evaluates every field of a declarative node per item before
 * any hook of the node runs: in `runNode`, and on n8n 2.x once more in `resolveBaseUrl` (its check
 * whether the base URL belongs to the node). A fixedCollection's rows it evaluates twice in each pass
 * (`getRequestOptionsFromParameters` resolves them again). Our preSend reads each field once more. A
 * field routed into the body with `routing.send` instead would be read with `getNodeParameter` in both
 * passes: 4 evaluations of a plain field instead of 3. Each evaluation is a large part of an item's
 * cost (docs/benchmarks.md, B1); these counts are what B1 reports.
 */
import { RoutingNode } from 'n8n-core';
import { Expression, type IDataObject } from 'n8n-workflow';

import { PACKAGE, runNode } from './n8nEngine';
import { usePortal, webhookCredentials } from './portal';

/** RoutingNode's passes over the fields per item: `runNode`, and on n8n 2.x `resolveBaseUrl`. */
const PASSES = 'resolveBaseUrl' in RoutingNode.prototype ? 2 : 1;
/** RoutingNode's own evaluations per item: a plain field, and each value in a fixedCollection's rows. */
const ENGINE_EVALUATIONS = { field: PASSES, rows: 2 * PASSES };
const ITEMS = 4;

type Resolve = (this: Expression, value: unknown, ...rest: unknown[]) => unknown;
const prototype = Expression.prototype as unknown as { resolveSimpleParameterValue: Resolve };
const resolve = prototype.resolveSimpleParameterValue;
const evaluations = new Map<string, number>();

const portal = usePortal();

beforeAll(() => {
	prototype.resolveSimpleParameterValue = function countEvaluation(value, ...rest) {
		if (typeof value === 'string' && value.startsWith('=')) evaluations.set(value, (evaluations.get(value) ?? 0) + 1);
		return resolve.call(this, value, ...rest);
	};
});
afterAll(() => {
	prototype.resolveSimpleParameterValue = resolve;
});
beforeEach(() => evaluations.clear());

const perItem = (expression: string) => (evaluations.get(expression) ?? 0) / ITEMS;

async function run(type: string, parameters: IDataObject) {
	const items = Array.from({ length: ITEMS }, (_, index) => ({ event_token: portal.issueEventToken({}).eventToken, text: `Line ${index}`, result: 'approved' }));
	const outcome = await runNode({ type: `${PACKAGE}.${type}`, parameters, credentials: webhookCredentials(portal), items });
	expect(outcome.error).toBeUndefined();
	expect(outcome.items).toHaveLength(ITEMS);
}

test('Log: the preSend reads each field once, on top of what RoutingNode evaluates', async () => {
	await run('bitrix24BizprocLog', { logMessage: '={{ $json.text }}' });
	expect(perItem('={{ $json.event_token }}')).toBe(ENGINE_EVALUATIONS.field + 1);
	expect(perItem('={{ $json.text }}')).toBe(ENGINE_EVALUATIONS.field + 1);
});

test('Send Result: the preSend reads each field and each return value once, on top of what RoutingNode evaluates', async () => {
	await run('bitrix24BizprocSendResult', { logMessage: '={{ $json.text }}', returnValues: { values: [{ name: 'result', value: '={{ $json.result }}' }] } });
	expect(perItem('={{ $json.event_token }}')).toBe(ENGINE_EVALUATIONS.field + 1);
	expect(perItem('={{ $json.text }}')).toBe(ENGINE_EVALUATIONS.field + 1);
	expect(perItem('={{ $json.result }}')).toBe(ENGINE_EVALUATIONS.rows + 1);
});

test('Send Result, return values as JSON: one field, read once', async () => {
	await run('bitrix24BizprocSendResult', { returnValuesMode: 'json', returnValuesJson: '={{ { result: $json.result } }}' });
	expect(perItem('={{ { result: $json.result } }}')).toBe(ENGINE_EVALUATIONS.field + 1);
});
