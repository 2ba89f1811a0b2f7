/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code: it runs in Jest, not inside n8n, and reads the examples folder */
/**
 * The example workflows (examples/*.workflow.json) run whole through n8n's engine, as n8n's own node
 * tests run their *.workflow.json fixtures (packages/core/nodes-testing/node-test-harness.ts: the
 * start node on the stack, WorkflowExecute.processRunExecutionData, then the order the nodes ran in
 * and what they gave). Here a business process of the sandbox portal calls the workflow's trigger
 * (triggerHarness.ts), the trigger's webhook output starts the execution (runWorkflow), and the test
 * asserts what the portal received. The examples' Log nodes leave Event Token empty: each takes the
 * token from the trigger's item, so every request must carry the calling process's token.
 */
import { readdirSync } from 'fs';
import path from 'path';

import type { IDataObject } from 'n8n-workflow';

import type { DocumentId } from './portal';
import { useTriggerHarness } from './triggerHarness';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const exampleFiles = readdirSync(EXAMPLES)
	.filter((name) => name.endsWith('.workflow.json'))
	.sort();

interface Expected {
	/** The business process that reaches the workflow's trigger. */
	call: { code: string; properties: IDataObject; documentId: DocumentId };
	/** The nodes in the order n8n ran them, each once. */
	nodeExecutionOrder: string[];
	/** The REST methods the portal received, in order, each with the process's event token. */
	requests: string[];
	/** The process's log lines, in order, and the values it got back. */
	lines: string[];
	returnValues: IDataObject;
}

/** What each example must do; an example without an entry here fails the first test. */
const expectedOf: Record<string, Expected> = {
	'bitrix24-bizproc-loop.workflow.json': {
		call: { code: 'n8n_check_order', properties: { Order: 'ORD-7' }, documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_7'] },
		nodeExecutionOrder: ['Bitrix24 Bizproc Trigger', 'Log: request received', 'Log: work done', 'Send result to the process'],
		requests: ['bizproc.activity.log', 'bizproc.activity.log', 'bizproc.event.send'],
		lines: ['n8n received the request for DEAL_7 (order ORD-7)', 'Order checked by n8n:\n- stock reserved\n- invoice prepared', 'n8n finished: approved'],
		returnValues: { result: 'approved' },
	},
};

const { portal, harness, webhookCredentials } = useTriggerHarness();

test('every example workflow has its expected outcome here', () => {
	expect(exampleFiles.length).toBeGreaterThan(0);
	expect(Object.keys(expectedOf).sort()).toEqual(exampleFiles);
});

describe.each(exampleFiles)('examples/%s', (file) => {
	test('a business process reaches the trigger: every node runs once, in order; the portal gets each line and the result, with the process’s event token', async () => {
		const expected = expectedOf[file];
		const h = await harness({ workflowFile: path.join(EXAMPLES, file), credentials: webhookCredentials() });
		const call = await portal.startWorkflow({ handlerUrl: h.productionUrl, ...expected.call });
		expect(call.handlerStatus).toBe(200);
		await h.settle();

		expect(h.executions).toHaveLength(1);
		const { resultData } = h.executions[0].data;
		expect(resultData.error).toBeUndefined();
		const ran = Object.entries(resultData.runData).sort(([, a], [, b]) => a[0].executionIndex - b[0].executionIndex);
		expect(ran.map(([name, runs]) => [name, runs.length, runs[0].error])).toEqual(expected.nodeExecutionOrder.map((name) => [name, 1, undefined]));

		const requests = portal.journal().filter((entry) => entry.restMethod);
		expect(requests.map((entry) => [entry.restMethod, entry.params.event_token, entry.status])).toEqual(expected.requests.map((method) => [method, call.eventToken, 200]));
		const process = portal.workflow(call.workflowId)!;
		expect(process.logLines.map((line) => line.message)).toEqual(expected.lines);
		expect(process.returnValues).toEqual(expected.returnValues);
		expect(process.state).toBe('completed');
	});
});
