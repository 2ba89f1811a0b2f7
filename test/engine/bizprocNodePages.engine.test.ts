/**
 * Bitrix24 Business Process node through n8n's engine against the sandbox portal: Return All and
 * Limit across pages (pages after the first share one batch), and Continue On Fail pairing.
 */
import type { IDataObject } from 'n8n-workflow';

import type { DocumentId } from './portal';
import { useBizprocNodePortal } from './bizprocNodeHarness';

const { portal, run, rest, newDeal, approval, started, taskOf, sent } = useBizprocNodePortal();

describe('Return All and Limit across pages of 50', () => {
	const LIST_TYPE: DocumentId = ['lists', 'Bitrix\\Lists\\BizprocDocumentLists', 'iblock_77'];
	beforeAll(() => {
		for (let n = 1; n <= 120; n++) portal.addTemplate({ documentType: LIST_TYPE, name: `List template ${n}`, steps: [{ type: 'review', users: [1], name: 'x' }] });
	});
	const templates = (extra: IDataObject) => ({ resource: 'template', operation: 'getAll', documentType: 'listElement', listId: 77, ...extra });
	const requests = () => sent().map((entry) => [entry.restMethod, entry.batchCommands ?? 1, (entry.params as IDataObject).start ?? null]);

	test('Return All, 120 templates: the first page, then the other two pages in one batch', async () => {
		const result = await run('webhook', templates({ returnAll: true }));
		expect(result.error).toBeUndefined();
		expect(result.items!.map((item) => item.json.NAME)).toEqual(Array.from({ length: 120 }, (_, n) => `List template ${n + 1}`));
		expect(requests()).toEqual([
			['bizproc.workflow.template.list', 1, '0'],
			['batch', 2, null],
		]);
	});

	test('Return All with batches off: one request per page', async () => {
		const result = await run('webhook', templates({ returnAll: true, options: { combineIntoBatches: false } }));
		expect(result.items).toHaveLength(120);
		expect(requests()).toEqual([
			['bizproc.workflow.template.list', 1, '0'],
			['bizproc.workflow.template.list', 1, '50'],
			['bizproc.workflow.template.list', 1, '100'],
		]);
	});

	test.each([
		[20, [['bizproc.workflow.template.list', 1, '0']]],
		[70, [['bizproc.workflow.template.list', 1, '0'], ['bizproc.workflow.template.list', 1, '50']]],
	])('Limit %i: only the pages needed, rows cut at the limit', async (limit, expected) => {
		const result = await run('webhook', templates({ limit }));
		expect(result.items!.map((item) => item.json.NAME)).toEqual(Array.from({ length: limit }, (_, n) => `List template ${n + 1}`));
		expect(requests()).toEqual(expected);
	});

	test('OAuth2, Task > Get Many, 120 tasks started by the node itself (3 batches): Return All reads them in 2 requests', async () => {
		const templateId = approval([3]);
		const deals = Array.from({ length: 120 }, () => newDeal());
		const starting = await run('oAuth2', { resource: 'workflow', operation: 'start', template: { __rl: true, mode: 'id', value: String(templateId) }, recordId: '={{ $json.document_id }}' }, deals.map((deal) => ({ document_id: deal })));
		expect(starting.error).toBeUndefined();
		expect(requests()).toEqual([
			['batch', 50, null],
			['batch', 50, null],
			['batch', 20, null],
		]);
		const workflowIds = starting.items!.map((item) => item.json.workflowId);
		expect(new Set(workflowIds).size).toBe(120);
		portal.clearJournal();
		const listed = await run('oAuth2', { resource: 'task', operation: 'getAll', returnAll: true, filters: { userId: 3 } });
		expect(listed.error).toBeUndefined();
		expect(new Set(listed.items!.map((item) => item.json.WORKFLOW_ID))).toEqual(new Set(workflowIds));
		expect(requests()).toEqual([
			['bizproc.task.list', 1, '0'],
			['batch', 2, null],
		]);
	});
});

test('Continue On Fail: each item its own outcome, paired with it', async () => {
	const [first, second] = [await started(approval([1])), await started(approval([1]))];
	const [firstTask, secondTask] = [String(taskOf(first).id), String(taskOf(second).id)];
	await rest('bizproc.task.complete', { TASK_ID: secondTask, STATUS: 'yes' });
	portal.clearJournal();
	const result = await run('webhook', { resource: 'task', operation: 'complete', taskId: '={{ $json.task }}', status: 'yes' }, [{ task: firstTask }, { task: secondTask }, { task: 'none' }], true);
	expect(result.error).toBeUndefined();
	expect(result.items!.map((item) => [item.json.completed ?? null, (item.json.error as string | undefined) ?? null, item.pairedItem])).toEqual([
		[true, null, { item: 0 }],
		[null, 'The task was already answered (ERROR_TASK_COMPLETED)', { item: 1 }],
		[null, expect.stringMatching(/Task ID "none" is not an ID/), { item: 2 }],
	]);
	expect(portal.process(first)!.state).toBe('completed');
});
