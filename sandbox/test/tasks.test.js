'use strict';

/**
 * Business process tasks in the sandbox over HTTP: bizproc.task.list / complete / delegate.
 * Facts: docs/bitrix24-bizproc-methods.md.
 */

const { startSandbox } = require('..');
const { call } = require('./helpers');

/** @type {import('../documents').DocumentId} */
const DEAL = ['crm', 'CCrmDocumentDeal', 'DEAL'];

let portal;
/** Webhooks of users 2, 3 and 4 (none is an administrator; 2 manages 3). */
const hooks = {};

beforeAll(async () => {
	portal = await startSandbox({ rateLimit: false, subordinates: { 2: [3] }, extranetUserIds: [9] });
	for (const userId of [2, 3, 4]) hooks[userId] = portal.createWebhook({ userId, scopes: ['bizproc'] }).url;
});
afterAll(() => portal.close());

const rest = (method, json, url = portal.webhookUrl) => call(`${url}${method}`, { json });
let dealNumber = 0;
/** Starts a process of `steps` on a new deal (as the administrator, user 1); returns its ID. */
const startProcess = async (steps, name = 'Process') => {
	const templateId = portal.addTemplate({ documentType: DEAL, name, steps });
	const documentId = portal.addDocument(['crm', 'CCrmDocumentDeal', `DEAL_${++dealNumber}`], { name: `Deal #${dealNumber}` }).documentId;
	const answer = await rest('bizproc.workflow.start', { TEMPLATE_ID: templateId, DOCUMENT_ID: documentId });
	expect(answer.body.error).toBeUndefined();
	return answer.body.result;
};
const openTask = (workflowId) => portal.process(workflowId).tasks.find((task) => task.status === 0);
const complete = (json, userId) => rest('bizproc.task.complete', json, userId ? hooks[userId] : portal.webhookUrl);

describe('bizproc.task.list', () => {
	let sandbox;
	const list = (json, url = sandbox.webhookUrl) => call(`${url}bizproc.task.list`, { json });
	beforeAll(async () => {
		sandbox = await startSandbox({ rateLimit: false, subordinates: { 2: [3] } });
		const templateId = sandbox.addTemplate({ documentType: DEAL, name: 'Approval', steps: [{ type: 'approve', users: [1], name: 'Approve deal' }] });
		for (let i = 1; i <= 120; i += 1) {
			const documentId = sandbox.addDocument(['crm', 'CCrmDocumentDeal', `DEAL_${i}`], { name: `Deal ${i}` }).documentId;
			// Half over REST, half through the JS shortcut: both make the same tasks.
			if (i % 2) await call(`${sandbox.webhookUrl}bizproc.workflow.start`, { json: { TEMPLATE_ID: templateId, DOCUMENT_ID: documentId } });
			else sandbox.startProcess({ templateId, documentId });
		}
		const forUser3 = sandbox.addTemplate({ documentType: DEAL, name: 'Review', steps: [{ type: 'review', users: [3], name: 'Read the deal' }] });
		await call(`${sandbox.webhookUrl}bizproc.workflow.start`, { json: { TEMPLATE_ID: forUser3, DOCUMENT_ID: ['crm', 'CCrmDocumentDeal', 'DEAL_1'] } });
	});
	afterAll(() => sandbox.close());

	test('the default fields, ordered by ID descending', async () => {
		const answer = await list({ filter: { USER_ID: 1 } });
		expect(answer.status).toBe(200);
		expect(answer.body.result[0]).toEqual({ ENTITY: 'CCrmDocumentDeal', DOCUMENT_ID: 'DEAL_120', ID: '120', WORKFLOW_ID: expect.stringMatching(/^[0-9a-f]{14}\.\d{8}$/), DOCUMENT_NAME: 'Deal 120', NAME: 'Approve deal', DOCUMENT_URL: '/crm/deal/details/120/' });
	});

	test('pages by page number: 50 rows, next and total; a page past the last answers the first page again', async () => {
		const filter = { USER_ID: 1 };
		const first = await list({ filter });
		expect(first.body).toMatchObject({ next: 50, total: 120 });
		const third = await list({ filter, start: 100 });
		expect(third.body.result).toHaveLength(20);
		expect(third.body).not.toHaveProperty('next');
		// start=70 is page 2 (rows 50..99), next 100.
		const page2 = await list({ filter, start: 70 });
		expect(page2.body).toMatchObject({ next: 100, total: 120 });
		expect(page2.body.result[0].ID).toBe('70');
		const past = await list({ filter, start: 500 });
		expect(past.body.result.map((t) => t.ID)).toEqual(first.body.result.map((t) => t.ID));
		expect(past.body.next).toBe(50);
	});

	test('SELECT, FILTER and the task fields a node shows', async () => {
		const select = ['ID', 'ACTIVITY', 'STATUS', 'USER_ID', 'USER_STATUS', 'MODULE_ID', 'WORKFLOW_TEMPLATE_NAME', 'PARAMETERS'];
		const answer = await list({ select, filter: { USER_ID: 3 } });
		expect(answer.body).toMatchObject({ total: 1 });
		expect(answer.body.result[0]).toEqual({
			ENTITY: 'CCrmDocumentDeal', DOCUMENT_ID: 'DEAL_1', ID: '121', ACTIVITY: 'ReviewActivity', STATUS: '0', USER_ID: '3', USER_STATUS: '0', MODULE_ID: 'crm',
			WORKFLOW_TEMPLATE_NAME: 'Review', PARAMETERS: { CommentLabel: 'Comment', CommentRequired: 'N', ShowComment: 'Y', StatusOkLabel: 'Reviewed' }, DOCUMENT_URL: '/crm/deal/details/1/',
		});
		expect((await list({ filter: { ACTIVITY: 'ReviewActivity' } })).body.total).toBe(1);
		expect((await list({ filter: { '>ID': 115 } })).body.total).toBe(6);
	});

	test('an administrator sees every user\'s tasks; a user their own; a manager their subordinate\'s; anybody else ACCESS_DENIED', async () => {
		expect((await list({})).body.total).toBe(121);
		const user3 = sandbox.createWebhook({ userId: 3, scopes: ['bizproc'] }).url;
		expect((await list({}, user3)).body).toMatchObject({ total: 1, result: [{ NAME: 'Read the deal' }] });
		const manager = sandbox.createWebhook({ userId: 2, scopes: ['bizproc'] }).url;
		expect((await list({}, manager)).body.total).toBe(0);
		expect((await list({ filter: { USER_ID: 3 } }, manager)).body.total).toBe(1);
		const denied = await list({ filter: { USER_ID: 1 } }, user3);
		expect(denied.status).toBe(403);
		expect(denied.body).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied!' });
	});

	test('a SELECT entry that is not a name is ERROR_SELECT_VALIDATION_FAILURE', async () => {
		const answer = await list({ select: ['ID', { a: 1 }] });
		expect(answer.status).toBe(400);
		expect(answer.body).toEqual({ error: 'ERROR_SELECT_VALIDATION_FAILURE', error_description: 'Invalid data in SELECT parameter' });
	});

	test('Return All through batch: one call for total, one batch for the other pages', async () => {
		const first = await list({ filter: { USER_ID: 1 } });
		const cmd = { p50: 'bizproc.task.list?filter[USER_ID]=1&start=50', p100: 'bizproc.task.list?filter[USER_ID]=1&start=100' };
		const batch = await call(`${sandbox.webhookUrl}batch`, { json: { cmd } });
		expect(batch.body.result.result_total).toEqual({ p50: 120, p100: 120 });
		expect(batch.body.result.result_next).toEqual({ p50: 100 });
		const ids = [first.body.result, batch.body.result.result.p50, batch.body.result.result.p100].flat().map((t) => t.ID);
		expect(new Set(ids).size).toBe(120);
	});
});

describe('bizproc.task.complete', () => {
	test('approve: the process moves on to its next step', async () => {
		const workflowId = await startProcess([{ type: 'approve', users: [2], name: 'Approve' }, { type: 'review', users: [2], name: 'Then read' }]);
		const task = openTask(workflowId);
		const answer = await complete({ TASK_ID: task.id, STATUS: 'yes', COMMENT: 'fine' }, 2);
		expect(answer.status).toBe(200);
		expect(answer.body.result).toBe(true);
		const process = portal.process(workflowId);
		expect(process.taskResults).toEqual([{ taskId: task.id, name: 'Approve', status: 1, userId: 2, comment: 'fine' }]);
		expect(process.tasks.map((t) => [t.name, t.status])).toEqual([['Approve', 1], ['Then read', 0]]);
		const listed = await rest('bizproc.task.list', { select: ['ID', 'STATUS', 'USER_STATUS'], filter: { WORKFLOW_ID: workflowId } }, hooks[2]);
		expect(listed.body.result.map((t) => [t.STATUS, t.USER_STATUS])).toEqual([['0', '0'], ['1', '1']]);
	});

	test.each([
		['yes', 1, 'completed'], ['1', 1, 'completed'], ['no', 2, 'completed'], [2, 2, 'completed'],
	])('approval with STATUS %p: task status %p, process %s', async (STATUS, status, state) => {
		const workflowId = await startProcess([{ type: 'approve', users: [2], name: 'Approve' }]);
		expect((await complete({ TASK_ID: openTask(workflowId).id, STATUS }, 2)).body.result).toBe(true);
		expect(portal.process(workflowId)).toMatchObject({ state, tasks: [{ status }] });
	});

	test('review takes ok; a request takes ok with its FIELDS; an optional request may be cancelled', async () => {
		const fields = [{ id: 'phone', name: 'Phone', required: true }, { id: 'note', name: 'Note' }];
		const workflowId = await startProcess([
			{ type: 'review', users: [2], name: 'Read' },
			{ type: 'request', users: [2], name: 'Tell me', fields },
			{ type: 'requestOptional', users: [2], name: 'Maybe', fields },
		]);
		expect((await complete({ TASK_ID: openTask(workflowId).id, STATUS: 'ok' }, 2)).body.result).toBe(true);
		const request = openTask(workflowId);
		const listed = await rest('bizproc.task.list', { select: ['ID', 'PARAMETERS'], filter: { ID: request.id } }, hooks[2]);
		expect(listed.body.result[0].PARAMETERS.Fields).toEqual([
			{ Id: 'phone', Type: 'string', Name: 'Phone', Description: '', Multiple: false, Required: true, Options: null, Settings: null, Default: '' },
			{ Id: 'note', Type: 'string', Name: 'Note', Description: '', Multiple: false, Required: false, Options: null, Settings: null, Default: '' },
		]);
		const missing = await complete({ TASK_ID: request.id, STATUS: 3, FIELDS: { note: 'x' } }, 2);
		expect(missing.status).toBe(400);
		expect(missing.body).toEqual({ error: 'ERROR_TASK_EXECUTION', error_description: 'The field "Phone" is required' });
		expect((await complete({ TASK_ID: request.id, STATUS: 3, FIELDS: { phone: '+1 555', other: 'dropped' } }, 2)).body.result).toBe(true);
		expect((await complete({ TASK_ID: openTask(workflowId).id, STATUS: 'cancel' }, 2)).body.result).toBe(true);
		const process = portal.process(workflowId);
		expect(process.state).toBe('completed');
		expect(process.taskResults.map((r) => [r.name, r.status, r.fields])).toEqual([['Read', 3, undefined], ['Tell me', 3, { phone: '+1 555' }], ['Maybe', 5, undefined]]);
	});

	test('approval by all: one answer is not enough, one rejection rejects', async () => {
		const both = await startProcess([{ type: 'approve', users: [2, 3], name: 'Both', approveType: 'all' }]);
		const task = openTask(both);
		await complete({ TASK_ID: task.id, STATUS: 'yes' }, 2);
		expect(portal.process(both)).toMatchObject({ state: 'running', tasks: [{ status: 0 }] });
		await complete({ TASK_ID: task.id, STATUS: 'yes' }, 3);
		expect(portal.process(both)).toMatchObject({ state: 'completed', tasks: [{ status: 1 }] });
		const rejected = await startProcess([{ type: 'approve', users: [2, 3], name: 'Both', approveType: 'all' }]);
		await complete({ TASK_ID: openTask(rejected).id, STATUS: 'no' }, 3);
		expect(portal.process(rejected)).toMatchObject({ state: 'completed', tasks: [{ status: 2 }] });
	});

	test.each([
		['no TASK_ID', 'ERROR_TASK_VALIDATION', 'empty TASK_ID', () => ({ STATUS: 'yes' })],
		['no STATUS', 'ERROR_TASK_VALIDATION', 'incorrect STATUS', (id) => ({ TASK_ID: id })],
		['STATUS "0" (PHP empty)', 'ERROR_TASK_VALIDATION', 'incorrect STATUS', (id) => ({ TASK_ID: id, STATUS: '0' })],
		['STATUS approve (not a status name)', 'ERROR_TASK_VALIDATION', 'incorrect STATUS', (id) => ({ TASK_ID: id, STATUS: 'approve' })],
		['an unknown task', 'ERROR_TASK_NOT_FOUND', 'Task not found', () => ({ TASK_ID: 99999, STATUS: 'yes' })],
		['STATUS ok on an approval', 'ERROR_TASK_EXECUTION', 'This action is not available for the task', (id) => ({ TASK_ID: id, STATUS: 'ok' })],
	])('%s: 400 %s "%s"', async (_, error, description, body) => {
		const workflowId = await startProcess([{ type: 'approve', users: [2], name: 'Approve' }]);
		const answer = await complete(body(openTask(workflowId).id), 2);
		expect(answer.status).toBe(400);
		expect(answer.body).toEqual({ error, error_description: description });
		expect(portal.process(workflowId)).toMatchObject({ state: 'running', tasks: [{ status: 0 }] });
	});

	test('another user\'s task is not found, for an administrator too', async () => {
		const workflowId = await startProcess([{ type: 'approve', users: [2], name: 'Approve' }]);
		const { id } = openTask(workflowId);
		for (const userId of [3, undefined]) {
			expect((await complete({ TASK_ID: id, STATUS: 'yes' }, userId)).body).toEqual({ error: 'ERROR_TASK_NOT_FOUND', error_description: 'Task not found' });
		}
	});

	test('a task answered already is ERROR_TASK_COMPLETED, also for the other user of an "any" approval', async () => {
		const workflowId = await startProcess([{ type: 'approve', users: [2, 3], name: 'Either' }, { type: 'review', users: [2], name: 'Wait here' }]);
		const { id } = openTask(workflowId);
		expect((await complete({ TASK_ID: id, STATUS: 'yes' }, 2)).body.result).toBe(true);
		for (const userId of [2, 3]) {
			const again = await complete({ TASK_ID: id, STATUS: 'no' }, userId);
			expect(again.status).toBe(400);
			expect(again.body).toEqual({ error: 'ERROR_TASK_COMPLETED', error_description: 'Task already completed' });
		}
		expect(portal.process(workflowId).taskResults).toHaveLength(1);
	});

	test('a task of a terminated process is gone: ERROR_TASK_NOT_FOUND', async () => {
		const workflowId = await startProcess([{ type: 'approve', users: [2], name: 'Approve' }]);
		const { id } = openTask(workflowId);
		await rest('bizproc.workflow.terminate', { ID: workflowId });
		expect((await complete({ TASK_ID: id, STATUS: 'yes' }, 2)).body.error).toBe('ERROR_TASK_NOT_FOUND');
	});

	test('a task of an activity REST cannot complete is ERROR_TASK_TYPE', async () => {
		const workflowId = await startProcess([{ type: 'approve', users: [2], name: 'Robot task', activity: 'RpaApproveActivity' }]);
		const answer = await complete({ TASK_ID: openTask(workflowId).id, STATUS: 'yes' }, 2);
		expect(answer.body).toEqual({ error: 'ERROR_TASK_TYPE', error_description: 'Incorrect task type' });
	});

	test.each([
		['Y', 'yes', true], ['Y', 'no', true], ['YA', 'yes', true], ['YA', 'no', false], ['YR', 'no', true], ['YR', 'yes', false],
	])('CommentRequired %s, STATUS %s: a comment is required: %p', async (commentRequired, STATUS, required) => {
		const workflowId = await startProcess([{ type: 'approve', users: [2], name: 'Approve', commentRequired }]);
		const { id } = openTask(workflowId);
		const without = await complete({ TASK_ID: id, STATUS, COMMENT: '' }, 2);
		if (required) {
			expect(without.body).toEqual({ error: 'ERROR_TASK_EXECUTION', error_description: 'The field "Comment" is required' });
			expect((await complete({ TASK_ID: id, STATUS, COMMENT: 'because' }, 2)).body.result).toBe(true);
		} else expect(without.body.result).toBe(true);
	});
});

describe('bizproc.task.delegate', () => {
	const delegate = (json, userId) => rest('bizproc.task.delegate', json, hooks[userId]);

	test('moves the task to another user, who then sees and completes it', async () => {
		const workflowId = await startProcess([{ type: 'approve', users: [2], name: 'Approve', delegationType: 'all' }]);
		const { id } = openTask(workflowId);
		const answer = await delegate({ TASK_IDS: [id], FROM_USER_ID: 2, TO_USER_ID: 4 }, 2);
		expect(answer.status).toBe(200);
		expect(answer.body.result).toBe(true);
		expect((await rest('bizproc.task.list', { filter: { ID: id } }, hooks[2])).body.total).toBe(0);
		expect((await rest('bizproc.task.list', { filter: { ID: id } }, hooks[4])).body.total).toBe(1);
		expect((await complete({ TASK_ID: id, STATUS: 'yes' }, 2)).body.error).toBe('ERROR_TASK_NOT_FOUND');
		expect((await complete({ TASK_ID: id, STATUS: 'yes' }, 4)).body.result).toBe(true);
		expect(portal.process(workflowId).state).toBe('completed');
	});

	test('by default only to a subordinate; a task that may not be delegated at all', async () => {
		const toSubordinate = await startProcess([{ type: 'approve', users: [2], name: 'Approve' }]);
		const notSubordinate = await delegate({ TASK_IDS: [openTask(toSubordinate).id], FROM_USER_ID: 2, TO_USER_ID: 4 }, 2);
		expect(notSubordinate.status).toBe(400);
		expect(notSubordinate.body).toEqual({ error: 'ERROR_DELEGATION_NOT_ALLOWED', error_description: 'The task "Approve" can be delegated to a subordinate only' });
		expect((await delegate({ TASK_IDS: [openTask(toSubordinate).id], FROM_USER_ID: 2, TO_USER_ID: 3 }, 2)).body.result).toBe(true);
		const never = await startProcess([{ type: 'approve', users: [2], name: 'Keep it', delegationType: 'none' }]);
		expect((await delegate({ TASK_IDS: [openTask(never).id], FROM_USER_ID: 2, TO_USER_ID: 3 }, 2)).body).toEqual({ error: 'ERROR_DELEGATION_NOT_ALLOWED', error_description: 'The task "Keep it" cannot be delegated' });
	});

	test.each([
		['no TASK_IDS', 'ERROR_TASK_VALIDATION', 'Invalid TASK_IDS', () => ({ FROM_USER_ID: 2, TO_USER_ID: 3 })],
		['TASK_IDS with a word', 'ERROR_TASK_VALIDATION', 'Invalid TASK_IDS', (id) => ({ TASK_IDS: [id, 'x'], FROM_USER_ID: 2, TO_USER_ID: 3 })],
		['no FROM_USER_ID', 'ERROR_INVALID_USER_ID', 'Invalid FROM_USER_ID', (id) => ({ TASK_IDS: [id], TO_USER_ID: 3 })],
		['TO_USER_ID 0', 'ERROR_INVALID_USER_ID', 'Invalid TO_USER_ID', (id) => ({ TASK_IDS: [id], FROM_USER_ID: 2, TO_USER_ID: 0 })],
		['an extranet TO_USER_ID', 'ERROR_DELEGATION_NOT_ALLOWED', 'Task delegation is only available for intranet users', (id) => ({ TASK_IDS: [id], FROM_USER_ID: 2, TO_USER_ID: 9 })],
		['a task that is not FROM_USER_ID\'s', 'ERROR_DELEGATION_NOT_ALLOWED', 'User is not responsible for the task', (id) => ({ TASK_IDS: [id + 1000], FROM_USER_ID: 2, TO_USER_ID: 3 })],
	])('%s: 400 %s "%s"', async (_, error, description, body) => {
		const workflowId = await startProcess([{ type: 'approve', users: [2], name: 'Approve', delegationType: 'all' }]);
		const answer = await delegate(body(openTask(workflowId).id), 2);
		expect(answer.status).toBe(400);
		expect(answer.body).toEqual({ error, error_description: description });
		expect(openTask(workflowId).users).toEqual([{ userId: 2, status: 0, originalUserId: 2 }]);
	});

	test('only your own tasks: another caller gets ACCESS_DENIED; a completed task is no longer yours to delegate', async () => {
		const workflowId = await startProcess([{ type: 'approve', users: [2], name: 'Approve', delegationType: 'all' }, { type: 'review', users: [2], name: 'Next' }]);
		const { id } = openTask(workflowId);
		const denied = await delegate({ TASK_IDS: [id], FROM_USER_ID: 2, TO_USER_ID: 4 }, 3);
		expect(denied.status).toBe(403);
		expect(denied.body).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied!' });
		await complete({ TASK_ID: id, STATUS: 'yes' }, 2);
		expect((await delegate({ TASK_IDS: [id], FROM_USER_ID: 2, TO_USER_ID: 4 }, 2)).body.error_description).toBe('User is not responsible for the task');
	});
});
