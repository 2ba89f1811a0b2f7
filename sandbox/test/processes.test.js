'use strict';

/**
 * Business processes in the sandbox over HTTP: bizproc.workflow.start / instances / terminate / kill
 * (bizproc.workflow.template.list: templateList.test.js). Facts: docs/bitrix24-bizproc-methods.md.
 */

const { startSandbox } = require('..');
const { parsePhpQueryString } = require('../phpUrl');
const { call, startActionHandler } = require('./helpers');

/** @type {import('../documents').DocumentId} */
const DEAL = ['crm', 'CCrmDocumentDeal', 'DEAL'];
/** @type {import('../documents').DocumentId} */
const LEAD = ['crm', 'CCrmDocumentLead', 'LEAD'];

let portal;
/** The action's handler, with the requests it received. */
let handler;
let userHook;
let noScopeHook;
let appToken;

beforeAll(async () => {
	portal = await startSandbox({ rateLimit: false });
	handler = await startActionHandler();
	appToken = portal.issueOAuthTokens({ userId: 1 }).access_token;
	userHook = portal.createWebhook({ userId: 2, scopes: ['bizproc'] }).url;
	noScopeHook = portal.createWebhook({ userId: 1, scopes: ['crm'] }).url;
	const added = await call(`${portal.baseUrl}/rest/bizproc.activity.add`, {
		json: {
			auth: appToken,
			CODE: 'n8n_action',
			HANDLER: handler.url(),
			NAME: 'n8n',
			USE_SUBSCRIPTION: 'Y',
			PROPERTIES: { message: { Name: 'Message' } },
			RETURN_PROPERTIES: { answer: { Name: 'Answer' } },
		},
	});
	expect(added.body.result).toBe(true);
	// Registered without USE_SUBSCRIPTION: the template decides whether the action waits.
	const second = await call(`${portal.baseUrl}/rest/bizproc.activity.add`, {
		json: { auth: appToken, CODE: 'n8n_template_decides', HANDLER: handler.url('/bitrix/other'), NAME: 'n8n 2' },
	});
	expect(second.body.result).toBe(true);
});
beforeEach(() => {
	handler.received.length = 0;
});
afterAll(async () => {
	await portal.close();
	await handler.close();
});

const rest = (method, json, url = portal.webhookUrl) => call(`${url}${method}`, { json });
let dealNumber = 100;
const newDeal = (about) => portal.addDocument(['crm', 'CCrmDocumentDeal', `DEAL_${++dealNumber}`], about).documentId;
const actionTemplate = (overrides = {}) =>
	portal.addTemplate({
		documentType: DEAL,
		name: 'Ask n8n',
		parameters: { Title: { Name: 'Title', Type: 'string', Default: 'no title' } },
		steps: [{ type: 'action', code: 'n8n_action', properties: { message: 'Deal {=Template:Title}' } }],
		...overrides,
	});
const approvalTemplate = () => portal.addTemplate({ documentType: DEAL, name: 'Approve', steps: [{ type: 'approve', users: [1], name: 'Approve it' }] });
const start = async (templateId, documentId, more = {}, url) => {
	const answer = await rest('bizproc.workflow.start', { TEMPLATE_ID: templateId, DOCUMENT_ID: documentId, ...more }, url);
	expect(answer.body.error).toBeUndefined();
	return answer.body.result;
};
const waitForHandler = (workflowId) => portal.waitForProcess(workflowId, (p) => p.handlerCalls.length > 0 && p.handlerCalls.every((c) => c.handlerStatus));
/** The forms this process's actions received, in order. */
const formsOf = (workflowId) => handler.received.map((r) => parsePhpQueryString(r.body)).filter((form) => form.workflow_id === workflowId);
const instanceIds = async () => (await rest('bizproc.workflow.instances', { select: ['ID'] })).body.result.map((row) => row.ID);

describe('bizproc.workflow.start', () => {
	test('starts the process, which calls the action handler like a portal, waits for bizproc.event.send, then finishes', async () => {
		const templateId = actionTemplate();
		const documentId = newDeal();
		const answer = await rest('bizproc.workflow.start', { TEMPLATE_ID: templateId, DOCUMENT_ID: documentId, PARAMETERS: { Title: 'Big deal' } });
		expect(answer.status).toBe(200);
		const workflowId = answer.body.result;
		expect(workflowId).toMatch(/^[0-9a-f]{14}\.\d{8}$/);

		await waitForHandler(workflowId);
		expect(formsOf(workflowId)).toHaveLength(1);
		const [form] = formsOf(workflowId);
		const { contentType } = handler.received.find((r) => parsePhpQueryString(r.body).workflow_id === workflowId);
		expect(contentType).toBe('application/x-www-form-urlencoded');
		expect(form).toMatchObject({
			workflow_id: workflowId,
			code: 'n8n_action',
			document_id: documentId,
			document_type: DEAL,
			properties: { message: 'Deal Big deal' },
			use_subscription: 'Y',
			auth: { user_id: '1', application_token: portal.oauth.applicationToken, domain: 'sandbox.bitrix24.test' },
		});
		expect(portal.process(workflowId)).toMatchObject({ state: 'running', waitingFor: { kind: 'action' } });
		expect(await instanceIds()).toContain(workflowId);

		// The handler's token is valid for the portal's REST API, as a real one is.
		expect((await call(`${portal.baseUrl}/rest/profile`, { json: { auth: form.auth.access_token } })).body.result.ID).toBe('1');
		const sent = await rest('bizproc.event.send', { event_token: form.event_token, return_values: { answer: 'done' } });
		expect(sent.body.result).toBe(true);
		expect(portal.process(workflowId)).toMatchObject({ state: 'completed', returnValues: { answer: 'done' } });
		expect(await instanceIds()).not.toContain(workflowId);
	});

	test('a missing parameter takes the template default; PARAMETERS is not validated', async () => {
		const workflowId = await start(actionTemplate(), newDeal(), { PARAMETERS: 'not an object' });
		await waitForHandler(workflowId);
		expect(formsOf(workflowId)[0].properties).toEqual({ message: 'Deal no title' });
		expect(portal.process(workflowId).parameters).toEqual({ Title: 'no title' });
	});

	test('an action that does not wait is called and the process goes straight on; the registration wins over the template', async () => {
		const steps = [{ type: 'action', code: 'n8n_template_decides', useSubscription: false }, { type: 'action', code: 'n8n_action', useSubscription: false }];
		const workflowId = await start(actionTemplate({ steps }), newDeal());
		// The first action does not wait; the second was registered with USE_SUBSCRIPTION=Y and does.
		expect(portal.process(workflowId)).toMatchObject({ state: 'running', step: 1, waitingFor: { kind: 'action' } });
		await portal.waitForProcess(workflowId, (p) => p.handlerCalls.length === 2 && p.handlerCalls.every((c) => c.handlerStatus === 200));
		expect(formsOf(workflowId).map((form) => [form.code, form.use_subscription])).toEqual([['n8n_template_decides', 'N'], ['n8n_action', 'Y']]);
	});

	test('steps run in order: two actions, each waiting for its own event', async () => {
		const templateId = actionTemplate({ steps: [{ type: 'action', code: 'n8n_action', properties: { message: 'first' } }, { type: 'action', code: 'n8n_action', properties: { message: 'second' } }] });
		const workflowId = await start(templateId, newDeal());
		await waitForHandler(workflowId);
		const firstToken = formsOf(workflowId)[0].event_token;
		await rest('bizproc.event.send', { event_token: firstToken, return_values: { answer: 'one' } });
		await portal.waitForProcess(workflowId, (p) => p.handlerCalls.length === 2 && p.handlerCalls[1].handlerStatus === 200);
		expect(formsOf(workflowId).map((form) => form.properties.message)).toEqual(['first', 'second']);
		// The first token belongs to a closed action now: accepted, nothing happens.
		expect((await rest('bizproc.event.send', { event_token: firstToken })).body.result).toBe(true);
		expect(portal.process(workflowId).state).toBe('running');
		await rest('bizproc.event.send', { event_token: formsOf(workflowId)[1].event_token, return_values: { answer: 'two' } });
		expect(portal.process(workflowId)).toMatchObject({ state: 'completed', returnValues: { answer: 'two' } });
	});

	test('an action without an answer closes after timeout_duration and the process goes on; a late event changes nothing', async () => {
		const steps = [{ type: 'action', code: 'n8n_action', timeoutDuration: 1 }, { type: 'approve', users: [1], name: 'After the timeout' }];
		const workflowId = await start(actionTemplate({ steps }), newDeal());
		await waitForHandler(workflowId);
		expect(formsOf(workflowId)[0].timeout_duration).toBe('1');
		expect(portal.process(workflowId).waitingFor.kind).toBe('action');
		const after = await portal.waitForProcess(workflowId, (p) => p.waitingFor?.kind === 'task', 5000);
		expect(after.returnValues).toEqual({});
		expect((await rest('bizproc.event.send', { event_token: formsOf(workflowId)[0].event_token, return_values: { answer: 'late' } })).body.result).toBe(true);
		expect(portal.process(workflowId)).toMatchObject({ returnValues: {}, waitingFor: { kind: 'task' } });
	});

	test('every document type: smart process item, list element, Drive file, lead', async () => {
		const cases = [
			[['crm', 'Bitrix\\Crm\\Integration\\BizProc\\Document\\Dynamic', 'DYNAMIC_147_5'], undefined, ['crm', 'Bitrix\\Crm\\Integration\\BizProc\\Document\\Dynamic', 'DYNAMIC_147']],
			[['lists', 'BizprocDocument', '77'], ['lists', 'BizprocDocument', 'iblock_12'], ['lists', 'BizprocDocument', 'iblock_12']],
			[['lists', 'Bitrix\\Lists\\BizprocDocumentLists', '78'], ['lists', 'Bitrix\\Lists\\BizprocDocumentLists', 'iblock_13'], ['lists', 'Bitrix\\Lists\\BizprocDocumentLists', 'iblock_13']],
			[['disk', 'Bitrix\\Disk\\BizProcDocument', '79'], ['disk', 'Bitrix\\Disk\\BizProcDocument', 'STORAGE_3'], ['disk', 'Bitrix\\Disk\\BizProcDocument', 'STORAGE_3']],
			[['crm', 'CCrmDocumentLead', 'LEAD_7'], undefined, LEAD],
		];
		for (const [documentId, documentType, expectedType] of cases) {
			expect(portal.addDocument(documentId, { documentType }).documentType).toEqual(expectedType);
			const workflowId = await start(actionTemplate({ documentType: expectedType }), documentId);
			await waitForHandler(workflowId);
			expect(formsOf(workflowId)[0]).toMatchObject({ document_id: documentId, document_type: expectedType });
		}
	});

	test('an OAuth token of the application may start processes too', async () => {
		const answer = await call(`${portal.baseUrl}/rest/bizproc.workflow.start`, { json: { auth: appToken, TEMPLATE_ID: approvalTemplate(), DOCUMENT_ID: newDeal() } });
		expect(answer.body.result).toMatch(/^[0-9a-f]{14}\.\d{8}$/);
	});

	test.each([
		['no TEMPLATE_ID', 'ERROR_WRONG_WORKFLOW_ID', 'Empty TEMPLATE_ID', () => ({ DOCUMENT_ID: newDeal() })],
		['TEMPLATE_ID "0"', 'ERROR_WRONG_WORKFLOW_ID', 'Empty TEMPLATE_ID', () => ({ TEMPLATE_ID: '0', DOCUMENT_ID: newDeal() })],
		['an unknown template', 'ERROR_WRONG_WORKFLOW_ID', 'Template not found', () => ({ TEMPLATE_ID: 9999, DOCUMENT_ID: newDeal() })],
		['a document that does not exist', '', 'Wrong DOCUMENT_ID!', () => ({ TEMPLATE_ID: approvalTemplate(), DOCUMENT_ID: ['crm', 'CCrmDocumentDeal', 'DEAL_99999'] })],
		['no DOCUMENT_ID', '', 'Wrong DOCUMENT_ID!', () => ({ TEMPLATE_ID: approvalTemplate() })],
		['a DOCUMENT_ID of two parts', '', 'Wrong DOCUMENT_ID!', () => ({ TEMPLATE_ID: approvalTemplate(), DOCUMENT_ID: ['crm', 'DEAL_1'] })],
		['a lead for a deal template', '', 'Template type and DOCUMENT_ID mismatch!', () => ({ TEMPLATE_ID: approvalTemplate(), DOCUMENT_ID: portal.addDocument(['crm', 'CCrmDocumentLead', 'LEAD_55']).documentId })],
	])('%s: 400 "%s" %s', async (_, error, description, body) => {
		const answer = await rest('bizproc.workflow.start', body());
		expect(answer.status).toBe(400);
		expect(answer.body).toEqual({ error, error_description: description });
	});

	test('a user who is no administrator: template and document are checked first, then ACCESS_DENIED; allowed on a document that lets them', async () => {
		const templateId = approvalTemplate();
		expect((await rest('bizproc.workflow.start', { TEMPLATE_ID: 9999, DOCUMENT_ID: newDeal() }, userHook)).body.error).toBe('ERROR_WRONG_WORKFLOW_ID');
		const denied = await rest('bizproc.workflow.start', { TEMPLATE_ID: templateId, DOCUMENT_ID: newDeal() }, userHook);
		expect(denied.status).toBe(403);
		expect(denied.body).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied!' });
		const workflowId = await start(templateId, newDeal({ startableBy: [2] }), {}, userHook);
		expect(portal.process(workflowId).startedBy).toBe(2);
	});

	test('a webhook without the bizproc scope gets insufficient_scope', async () => {
		const answer = await rest('bizproc.workflow.start', { TEMPLATE_ID: approvalTemplate(), DOCUMENT_ID: newDeal() }, noScopeHook);
		expect(answer.status).toBe(401);
		expect(answer.body.error).toBe('insufficient_scope');
	});

	test('an action that is no longer installed stops the process', async () => {
		const templateId = actionTemplate({ steps: [{ type: 'action', code: 'removed_action' }] });
		const workflowId = await start(templateId, newDeal());
		expect(portal.process(workflowId)).toMatchObject({ state: 'terminated', stateTitle: 'The action "removed_action" is not installed' });
	});
});

describe('bizproc.workflow.instances', () => {
	let ids;
	beforeAll(async () => {
		// Only running processes are listed: kill whatever the tests above left.
		for (const id of await instanceIds()) await rest('bizproc.workflow.kill', { ID: id });
		const templateId = approvalTemplate();
		ids = [];
		for (let i = 0; i < 120; i += 1) ids.push(await start(templateId, newDeal()));
	});

	test('pages by 50 with next and total; the default fields are ID, MODIFIED, OWNED_UNTIL', async () => {
		const first = await rest('bizproc.workflow.instances', {});
		expect(first.body).toMatchObject({ next: 50, total: 120 });
		expect(first.body.result).toHaveLength(50);
		expect(Object.keys(first.body.result[0])).toEqual(['ID', 'MODIFIED', 'OWNED_UNTIL']);
		expect(first.body.result[0].OWNED_UNTIL).toBeNull();
		const second = await rest('bizproc.workflow.instances', { start: 50 });
		expect(second.body).toMatchObject({ next: 100, total: 120 });
		const third = await rest('bizproc.workflow.instances', { start: 100 });
		expect(third.body.result).toHaveLength(20);
		expect(third.body).not.toHaveProperty('next');
		expect(third.body.total).toBe(120);
		const all = [...first.body.result, ...second.body.result, ...third.body.result].map((row) => row.ID);
		expect(new Set(all)).toEqual(new Set(ids));
	});

	test('start is an offset: start=7 gives next 57; past the end an empty page without next', async () => {
		expect((await rest('bizproc.workflow.instances', { start: 7 })).body).toMatchObject({ next: 57, total: 120 });
		const past = await rest('bizproc.workflow.instances', { start: 500 });
		expect(past.body.result).toEqual([]);
		expect(past.body).not.toHaveProperty('next');
		expect(past.body.total).toBe(120);
	});

	test('SELECT, FILTER by template and document, ORDER; "=" prefixes are dropped like the core does', async () => {
		const templateId = actionTemplate({ steps: [{ type: 'approve', users: [1], name: 'x' }] });
		const documentId = newDeal();
		const workflowId = await start(templateId, documentId);
		const select = ['ID', 'MODULE_ID', 'ENTITY', 'DOCUMENT_ID', 'STARTED', 'STARTED_BY', 'TEMPLATE_ID'];
		const byTemplate = await rest('bizproc.workflow.instances', { select, filter: { TEMPLATE_ID: templateId } });
		expect(byTemplate.body).toMatchObject({ total: 1, result: [{ ID: workflowId, MODULE_ID: 'crm', ENTITY: 'CCrmDocumentDeal', DOCUMENT_ID: documentId[2], STARTED_BY: '1', TEMPLATE_ID: String(templateId) }] });
		expect(byTemplate.body.result[0].STARTED).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
		expect((await rest('bizproc.workflow.instances', { filter: { DOCUMENT_ID: documentId[2] } })).body.total).toBe(1);
		expect((await rest('bizproc.workflow.instances', { filter: { '=TEMPLATE_ID': templateId } })).body.total).toBe(121);
		expect((await rest('bizproc.workflow.instances', { filter: { '!TEMPLATE_ID': templateId } })).body.total).toBe(120);
		const asc = await rest('bizproc.workflow.instances', { order: { STARTED: 'ASC' }, select: ['ID'] });
		expect(asc.body.result[0].ID).toBe(ids[0]);
		await rest('bizproc.workflow.kill', { ID: workflowId });
	});

	test('started after: a date filter in the REST date format', async () => {
		const hourAgo = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
		const inAnHour = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
		expect((await rest('bizproc.workflow.instances', { filter: { '>STARTED': hourAgo } })).body.total).toBe(120);
		expect((await rest('bizproc.workflow.instances', { filter: { '>STARTED': inAnHour } })).body.total).toBe(0);
		expect((await rest('bizproc.workflow.instances', { filter: { '<=STARTED': inAnHour, '>=STARTED': hourAgo.slice(0, 10) } })).body.total).toBe(120);
	});

	test('the old name bizproc.workflow.instance.list answers the same', async () => {
		expect((await rest('bizproc.workflow.instance.list', { start: 100 })).body).toMatchObject({ total: 120 });
	});

	test('inside a batch, the pages carry result_next and result_total', async () => {
		const answer = await rest('batch', { cmd: { a: 'bizproc.workflow.instances?start=0', b: 'bizproc.workflow.instances?start=100' } });
		expect(answer.body.result.result_next).toEqual({ a: 50 });
		expect(answer.body.result.result_total).toEqual({ a: 120, b: 120 });
		expect(answer.body.result.result.b).toHaveLength(20);
	});

	test('administrators only', async () => {
		const answer = await rest('bizproc.workflow.instances', {}, userHook);
		expect(answer.status).toBe(403);
		expect(answer.body).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied!' });
	});
});

describe('bizproc.workflow.terminate and bizproc.workflow.kill', () => {
	test('terminate stops a waiting process: gone from instances, its open task deleted, its action takes no more events', async () => {
		const templateId = actionTemplate({ steps: [{ type: 'approve', users: [1], name: 'Terminate me' }] });
		const workflowId = await start(templateId, newDeal());
		const answer = await rest('bizproc.workflow.terminate', { ID: workflowId, STATUS: 'Stopped by n8n' });
		expect(answer.status).toBe(200);
		expect(answer.body.result).toBe(true);
		expect(portal.process(workflowId)).toMatchObject({ state: 'terminated', stateTitle: 'Stopped by n8n', tasks: [] });
		expect(await instanceIds()).not.toContain(workflowId);

		const waitingOnAction = await start(actionTemplate(), newDeal());
		await waitForHandler(waitingOnAction);
		await rest('bizproc.workflow.terminate', { ID: waitingOnAction });
		expect((await rest('bizproc.event.send', { event_token: formsOf(waitingOnAction)[0].event_token, return_values: { answer: 'late' } })).body.result).toBe(true);
		expect(portal.process(waitingOnAction)).toMatchObject({ state: 'terminated', returnValues: {} });
	});

	test('terminate keeps completed tasks; kill deletes the process and all its tasks', async () => {
		const templateId = portal.addTemplate({ documentType: DEAL, name: 'Two tasks', steps: [{ type: 'review', users: [1], name: 'Read' }, { type: 'approve', users: [1], name: 'Approve' }] });
		const terminated = await start(templateId, newDeal());
		const killed = await start(templateId, newDeal());
		for (const id of [terminated, killed]) {
			await rest('bizproc.task.complete', { TASK_ID: portal.process(id).tasks[0].id, STATUS: 'ok' });
		}
		await rest('bizproc.workflow.terminate', { ID: terminated });
		expect(portal.process(terminated).tasks.map((t) => t.name)).toEqual(['Read']);
		expect((await rest('bizproc.workflow.kill', { ID: killed })).body.result).toBe(true);
		expect(portal.process(killed)).toBeUndefined();
		const tasks = await rest('bizproc.task.list', { select: ['ID', 'WORKFLOW_ID'], filter: { WORKFLOW_ID: [terminated, killed] } });
		expect(tasks.body.result.map((t) => t.WORKFLOW_ID)).toEqual([terminated]);
	});

	test.each(['bizproc.workflow.terminate', 'bizproc.workflow.kill'])('%s: a finished or unknown process is "The business process is not found." with an empty code', async (method) => {
		const finished = await start(approvalTemplate(), newDeal());
		await rest('bizproc.task.complete', { TASK_ID: portal.process(finished).tasks[0].id, STATUS: 'yes' });
		expect(portal.process(finished).state).toBe('completed');
		for (const ID of [finished, 'ffffffffffffff.00000000']) {
			const answer = await rest(method, { ID });
			expect(answer.status).toBe(400);
			expect(answer.body).toEqual({ error: '', error_description: 'The business process is not found.' });
		}
		expect(portal.process(finished).state).toBe('completed');
	});

	test.each(['bizproc.workflow.terminate', 'bizproc.workflow.kill'])('%s: an empty ID is ERROR_WRONG_WORKFLOW_ID; a user who is no administrator gets ACCESS_DENIED first', async (method) => {
		const empty = await rest(method, {});
		expect(empty.status).toBe(400);
		expect(empty.body).toEqual({ error: 'ERROR_WRONG_WORKFLOW_ID', error_description: 'Empty workflow instance ID' });
		const workflowId = await start(approvalTemplate(), newDeal());
		for (const body of [{}, { ID: workflowId }]) {
			const denied = await rest(method, body, userHook);
			expect(denied.status).toBe(403);
			expect(denied.body).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied!' });
		}
		expect(portal.process(workflowId).state).toBe('running');
	});
});
