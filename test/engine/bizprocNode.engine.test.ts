/**
 * Bitrix24 Business Process node through n8n's engine against the sandbox portal over HTTP: what each
 * operation sends (method, path, body) with a webhook and with OAuth2, what it outputs, each error
 * row, Return All across pages (pages after the first share one batch), Continue On Fail pairing.
 */
import type { IDataObject } from 'n8n-workflow';

import { runNode, type EngineRun, type StoredCredentials } from './n8nEngine';
import { collectSecrets, oauthCredentials, usePortal, webhookCredentials, type DocumentId, type JournalEntry } from './portal';

const NODE = 'n8n-nodes-bitrix24-bizproc.bitrix24Bizproc';
const DEAL: DocumentId = ['crm', 'CCrmDocumentDeal', 'DEAL'];
const LEAD: DocumentId = ['crm', 'CCrmDocumentLead', 'LEAD'];

const portal = usePortal({ subordinates: { 1: [2, 3] } });

type Credential = 'webhook' | 'oAuth2';
const credentialsFor = (credential: Credential): StoredCredentials => (credential === 'webhook' ? webhookCredentials(portal) : oauthCredentials(portal));
const auth = (credential: Credential): IDataObject => (credential === 'oAuth2' ? { authentication: 'oAuth2' } : {});

async function run(credential: Credential, parameters: IDataObject, items: IDataObject[] = [{}], continueOnFail = false): Promise<EngineRun> {
	return await runNode({ type: NODE, parameters: { ...auth(credential), ...parameters }, credentials: credentialsFor(credential), items, continueOnFail });
}

/** A REST call as an administrator (webhook of user 1), for setting the portal up. */
async function rest(method: string, json: IDataObject, url = portal.webhookUrl): Promise<IDataObject> {
	const response = await fetch(`${url}${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(json) });
	return (await response.json()) as IDataObject;
}

let dealNumber = 0;
let smartTypes = 1030;
const newDeal = () => portal.addDocument(['crm', 'CCrmDocumentDeal', `DEAL_${++dealNumber}`]).documentId;
const approval = (users = [1], extra: IDataObject = {}) =>
	portal.addTemplate({
		documentType: DEAL,
		name: 'Approve the deal',
		parameters: { Title: { Name: 'Title', Type: 'string', Default: 'none' } },
		steps: [{ type: 'approve', users, name: 'Approve {=Template:Title}', delegationType: 'all', ...extra }],
	});
async function started(templateId: number, documentId = newDeal()): Promise<string> {
	const answer = await rest('bizproc.workflow.start', { TEMPLATE_ID: templateId, DOCUMENT_ID: documentId });
	expect(answer.error).toBeUndefined();
	return answer.result as string;
}
const taskOf = (workflowId: string) => portal.process(workflowId)!.tasks[0];

/** The node's own requests (setup calls go through the default webhook too, so the journal is cleared before the run). */
const sent = (): JournalEntry[] => portal.journal();

const pathFor = (credential: Credential, method: string) => (credential === 'webhook' ? `${new URL(portal.webhookUrl).pathname}${method}.json` : `/rest/${method}.json`);

interface Case {
	label: string;
	/** Sets the portal up; returns the node's parameters, the method and body expected, and the output expected. */
	prepare: () => Promise<{ parameters: IDataObject; method: string; body: IDataObject; output: IDataObject[] | ((items: IDataObject[]) => void) }>;
	oAuth2Only?: boolean;
}

const cases: Case[] = [
	{
		label: 'Workflow > Start: Deal + Record ID, a template from the list, name/value parameters',
		prepare: async () => {
			const templateId = approval();
			const deal = newDeal();
			return {
				parameters: {
					resource: 'workflow',
					operation: 'start',
					template: { __rl: true, mode: 'list', value: String(templateId) },
					documentType: 'deal',
					recordId: deal[2].replace('DEAL_', ''),
					parameters: { values: [{ name: 'Title', value: '={{ $json.title }}' }] },
				},
				method: 'bizproc.workflow.start',
				body: { TEMPLATE_ID: String(templateId), DOCUMENT_ID: deal, PARAMETERS: { Title: 'order 7' } },
				output: (items) => {
					expect(items).toEqual([{ workflowId: expect.any(String), templateId: String(templateId), documentId: deal }]);
					const process = portal.process(items[0].workflowId as string)!;
					expect(process).toMatchObject({ state: 'running', templateId, parameters: { Title: 'order 7' } });
				},
			};
		},
	},
	{
		label: 'Workflow > Start: the document ID as three parts from an expression, JSON parameters, template by ID',
		prepare: async () => {
			const templateId = approval();
			const deal = newDeal();
			return {
				parameters: {
					resource: 'workflow',
					operation: 'start',
					template: { __rl: true, mode: 'id', value: ` ${templateId} ` },
					recordId: '={{ $json.document_id }}',
					parametersMode: 'json',
					parametersJson: '{"Title": "from JSON"}',
				},
				method: 'bizproc.workflow.start',
				body: { TEMPLATE_ID: String(templateId), DOCUMENT_ID: deal, PARAMETERS: { Title: 'from JSON' } },
				output: (items) => expect(portal.process(items[0].workflowId as string)!.parameters).toEqual({ Title: 'from JSON' }),
			};
		},
	},
	{
		label: 'Workflow > Get Many: filtered by template and deal',
		prepare: async () => {
			const templateId = approval();
			const deal = newDeal();
			const workflowId = await started(templateId, deal);
			return {
				parameters: { resource: 'workflow', operation: 'getAll', documentType: 'deal', recordId: deal[2], filters: { templateId: String(templateId) } },
				method: 'bizproc.workflow.instances',
				body: {
					select: ['ID', 'TEMPLATE_ID', 'MODULE_ID', 'ENTITY', 'DOCUMENT_ID', 'STARTED', 'STARTED_BY', 'MODIFIED', 'OWNED_UNTIL'],
					filter: { TEMPLATE_ID: String(templateId), MODULE_ID: 'crm', ENTITY: 'CCrmDocumentDeal', DOCUMENT_ID: deal[2] },
					start: '0',
				},
				output: (items) => expect(items.map((item) => [item.ID, item.DOCUMENT_ID])).toEqual([[workflowId, deal[2]]]),
			};
		},
	},
	{
		label: 'Workflow > Terminate with a status text',
		prepare: async () => {
			const workflowId = await started(approval());
			return {
				parameters: { resource: 'workflow', operation: 'terminate', workflowId: `={{ $json.id }}`, statusText: 'Stopped from n8n' },
				method: 'bizproc.workflow.terminate',
				body: { ID: workflowId, STATUS: 'Stopped from n8n' },
				output: (items) => {
					expect(items).toEqual([{ workflowId, terminated: true }]);
					expect(portal.process(workflowId)).toMatchObject({ state: 'terminated', stateTitle: 'Stopped from n8n' });
				},
			};
		},
	},
	{
		label: 'Workflow > Kill',
		prepare: async () => {
			const workflowId = await started(approval());
			return {
				parameters: { resource: 'workflow', operation: 'kill', workflowId: '={{ $json.id }}' },
				method: 'bizproc.workflow.kill',
				body: { ID: workflowId },
				output: (items) => {
					expect(items).toEqual([{ workflowId, killed: true }]);
					expect(portal.process(workflowId)).toBeUndefined();
				},
			};
		},
	},
	{
		label: 'Task > Get Many: filtered by user, workflow and status',
		prepare: async () => {
			const workflowId = await started(approval([1]));
			return {
				parameters: { resource: 'task', operation: 'getAll', returnAll: true, filters: { userId: 1, workflowId: '={{ $json.id }}', status: '0' } },
				method: 'bizproc.task.list',
				body: {
					select: ['ID', 'NAME', 'DESCRIPTION', 'STATUS', 'USER_ID', 'USER_STATUS', 'ACTIVITY', 'WORKFLOW_ID', 'WORKFLOW_TEMPLATE_ID', 'WORKFLOW_TEMPLATE_NAME', 'DOCUMENT_NAME', 'MODIFIED', 'OVERDUE_DATE', 'PARAMETERS'],
					filter: { USER_ID: '1', WORKFLOW_ID: workflowId, STATUS: '0' },
					start: '0',
				},
				output: (items) => expect(items.map((item) => [String(item.ID), item.WORKFLOW_ID, item.ACTIVITY])).toEqual([[String(taskOf(workflowId).id), workflowId, 'ApproveActivity']]),
			};
		},
	},
	{
		label: 'Task > Complete: approve with a comment; the process goes on',
		prepare: async () => {
			const workflowId = await started(approval([1]));
			const taskId = String(taskOf(workflowId).id);
			return {
				parameters: { resource: 'task', operation: 'complete', taskId, status: 'yes', comment: 'Fine by n8n' },
				method: 'bizproc.task.complete',
				body: { TASK_ID: taskId, STATUS: 'yes', COMMENT: 'Fine by n8n' },
				output: (items) => {
					expect(items).toEqual([{ taskId, status: 'yes', completed: true }]);
					expect(portal.process(workflowId)!.state).toBe('completed');
				},
			};
		},
	},
	{
		label: 'Task > Delegate: from user 1 to user 2',
		prepare: async () => {
			const workflowId = await started(approval([1]));
			const taskId = String(taskOf(workflowId).id);
			return {
				parameters: { resource: 'task', operation: 'delegate', taskIds: taskId, fromUserId: '1', toUserId: '2' },
				method: 'bizproc.task.delegate',
				body: { TASK_IDS: [taskId], FROM_USER_ID: '1', TO_USER_ID: '2' },
				output: (items) => {
					expect(items).toEqual([{ taskIds: [taskId], toUserId: '2', delegated: true }]);
					expect(taskOf(workflowId).users.map((user) => user.userId)).toEqual([2]);
				},
			};
		},
	},
	{
		label: 'Template > Get Many: the templates of a smart process type',
		prepare: async () => {
			const entityTypeId = ++smartTypes;
			const type: DocumentId = ['crm', 'Bitrix\\Crm\\Integration\\BizProc\\Document\\Dynamic', `DYNAMIC_${entityTypeId}`];
			const templateId = portal.addTemplate({ documentType: type, name: 'Smart approval', steps: [{ type: 'review', users: [1], name: 'Read it' }] });
			return {
				parameters: { resource: 'template', operation: 'getAll', documentType: 'smartProcess', entityTypeId, returnAll: true },
				method: 'bizproc.workflow.template.list',
				body: {
					select: ['ID', 'NAME', 'DESCRIPTION', 'MODULE_ID', 'ENTITY', 'DOCUMENT_TYPE', 'AUTO_EXECUTE', 'PARAMETERS', 'MODIFIED', 'USER_ID', 'SYSTEM_CODE'],
					filter: { MODULE_ID: type[0], ENTITY: type[1], DOCUMENT_TYPE: type[2] },
					start: '0',
				},
				output: (items) => expect(items.map((item) => [String(item.ID), item.NAME, item.DOCUMENT_TYPE])).toEqual([[String(templateId), 'Smart approval', type[2]]]),
			};
		},
	},
];

let actionNumber = 0;
async function registered(kind: 'activity' | 'robot'): Promise<string> {
	const code = `n8n_${kind}_${++actionNumber}`;
	const answer = await fetch(`${portal.baseUrl}/rest/bizproc.${kind}.add`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${portal.issueOAuthTokens({}).access_token}` },
		body: JSON.stringify({ CODE: code, HANDLER: 'http://127.0.0.1:9/handler', NAME: 'n8n', AUTH_USER_ID: 1 }),
	});
	expect(((await answer.json()) as IDataObject).result).toBe(true);
	return code;
}

const applicationCases: Case[] = [
	{
		label: 'Registration > Get Many: robots',
		oAuth2Only: true,
		prepare: async () => {
			const code = await registered('robot');
			return {
				parameters: { resource: 'registration', operation: 'getAll', registrationKind: 'robot', returnAll: true },
				method: 'bizproc.robot.list',
				body: { start: '0' },
				output: (items) => expect(items).toContainEqual({ code, kind: 'robot' }),
			};
		},
	},
	{
		label: 'Registration > Delete: an action',
		oAuth2Only: true,
		prepare: async () => {
			const code = await registered('activity');
			return {
				parameters: { resource: 'registration', operation: 'delete', registrationKind: 'action', code },
				method: 'bizproc.activity.delete',
				body: { CODE: code },
				output: (items) => {
					expect(items).toEqual([{ code, deleted: true }]);
					expect(portal.registeredActivities().map((activity) => activity.CODE)).not.toContain(code);
				},
			};
		},
	},
];

describe.each<Credential>(['webhook', 'oAuth2'])('%s credential', (credential) => {
	test.each([...cases, ...applicationCases].filter((c) => credential === 'oAuth2' || !c.oAuth2Only).map((c) => [c.label, c] as const))(
		'%s: one POST with the body, and the output',
		async (_label, { prepare }) => {
			const { parameters, method, body, output } = await prepare();
			// Values the expressions read: the deal's three parts and the process ID, as a trigger or an earlier node would give them.
			const input = { title: 'order 7', document_id: body.DOCUMENT_ID, id: body.ID ?? (body.filter as IDataObject | undefined)?.WORKFLOW_ID };
			portal.clearJournal();
			const result = await run(credential, parameters, [input]);
			expect(result.error).toBeUndefined();
			expect(sent()).toEqual([
				expect.objectContaining({
					httpMethod: 'POST',
					path: pathFor(credential, method),
					restMethod: method,
					authKind: credential === 'webhook' ? 'webhook' : 'oauth',
					contentType: 'application/json',
					params: body,
					status: 200,
				}),
			]);
			const items = result.items!.map((item) => item.json);
			if (typeof output === 'function') output(items);
			else expect(items).toEqual(output);
			expect(result.items!.every((item) => JSON.stringify(item.pairedItem) === JSON.stringify({ item: 0 }))).toBe(true);
		},
	);
});

test.each([
	['Get Many', { operation: 'getAll' }],
	['Delete', { operation: 'delete', code: 'n8n_action' }],
])('Registration > %s with a webhook is refused before anything is sent, saying to use OAuth2', async (_label, parameters) => {
	const result = await run('webhook', { resource: 'registration', ...parameters });
	expect(result.error?.message).toBe('Actions and robots can be listed and deleted only through the OAuth2 credential (item 0)');
	expect(result.error?.description).toMatch(/Set Authentication to OAuth2/);
	expect(sent()).toHaveLength(0);
});

describe('input refused before sending, naming the fix', () => {
	test.each([
		['a template ID that comes out empty', { resource: 'workflow', operation: 'start', template: { __rl: true, mode: 'id', value: '={{ $json.missing }}' }, recordId: '5' }, /No template is chosen/, /Choose a template/],
		['a record that is not a deal ID', { resource: 'workflow', operation: 'start', template: { __rl: true, mode: 'id', value: '1' }, recordId: 'abc' }, /The document cannot be used/, /not a deal ID.*123/],
		['a list that is not three parts', { resource: 'workflow', operation: 'start', template: { __rl: true, mode: 'id', value: '1' }, recordId: "={{ ['crm', 'DEAL_1'] }}" }, /The document cannot be used/, /three texts/],
		['bad parameters JSON', { resource: 'workflow', operation: 'start', template: { __rl: true, mode: 'id', value: '1' }, recordId: '1', parametersMode: 'json', parametersJson: '{x' }, /The Parameters cannot be sent/, /Parameters \(JSON\) is not valid JSON/],
		['an empty workflow ID', { resource: 'workflow', operation: 'kill', workflowId: ' ' }, /Workflow ID is empty/, /Enter the ID/],
		['a task ID that is not a number', { resource: 'task', operation: 'complete', taskId: 'x1' }, /Task ID "x1" is not an ID/, /a number/],
		['no task IDs to delegate', { resource: 'task', operation: 'delegate', taskIds: ' , ', fromUserId: '1', toUserId: '2' }, /Task IDs is empty/, /12, 13/],
	])('%s', async (_label, parameters, message, description) => {
		const result = await run('webhook', parameters);
		expect(result.error?.message).toMatch(message);
		expect(result.error?.description).toMatch(description);
		expect(result.error?.description).toMatch(/Nothing was sent\.$/);
		expect(sent()).toHaveLength(0);
	});
});

describe('the portal refuses: each error in words that say what to do, no secret shown', () => {
	const start = (templateId: number | string, recordId: string) => ({ resource: 'workflow', operation: 'start', template: { __rl: true, mode: 'id', value: String(templateId) }, recordId });
	test.each<[string, () => Promise<{ parameters: IDataObject; credential?: Credential; url?: string }>, RegExp, RegExp]>([
		['unknown template: ERROR_WRONG_WORKFLOW_ID', async () => ({ parameters: start(99999, '1') }), /does not know this template.*\(ERROR_WRONG_WORKFLOW_ID\)/, /Bitrix24 says: "Template not found"\. Start: .*choose the template again/],
		['a deal that does not exist: Wrong DOCUMENT_ID!', async () => ({ parameters: start(approval(), '999999') }), /found no such document \(Wrong DOCUMENT_ID!\)/, /Check Document Type and Record ID/],
		[
			'a lead template on a deal: mismatch',
			async () => ({ parameters: start(portal.addTemplate({ documentType: LEAD, name: 'Lead', steps: [{ type: 'review', users: [1], name: 'x' }] }), newDeal()[2]) }),
			/made for another document type/,
			/Choose a template of this Document Type/,
		],
		[
			'terminating a finished process: The business process is not found.',
			async () => {
				const workflowId = await started(approval());
				await rest('bizproc.workflow.terminate', { ID: workflowId });
				return { parameters: { resource: 'workflow', operation: 'terminate', workflowId } };
			},
			/no running business process with this ID/,
			/already finished, or was terminated or killed/,
		],
		[
			'a user who is not an administrator lists processes: ACCESS_DENIED',
			async () => ({ parameters: { resource: 'workflow', operation: 'getAll' }, url: portal.createWebhook({ userId: 2, scopes: ['bizproc'] }).url }),
			/allows this only to an administrator \(ACCESS_DENIED\)/,
			/need a portal administrator/,
		],
		[
			'a task already answered: ERROR_TASK_COMPLETED',
			async () => {
				const workflowId = await started(approval([1, 2], { approveType: 'all' }));
				const taskId = String(taskOf(workflowId).id);
				await rest('bizproc.task.complete', { TASK_ID: taskId, STATUS: 'yes' });
				return { parameters: { resource: 'task', operation: 'complete', taskId, status: 'yes' } };
			},
			/already answered \(ERROR_TASK_COMPLETED\)/,
			/nothing changed/,
		],
		[
			"another user's task: ERROR_TASK_NOT_FOUND",
			async () => ({ parameters: { resource: 'task', operation: 'complete', taskId: String(taskOf(await started(approval([2]))).id), status: 'yes' } }),
			/not one of the credential's user's tasks \(ERROR_TASK_NOT_FOUND\)/,
			/Delegate the task/,
		],
		[
			'a review answered with Approve: ERROR_TASK_EXECUTION with the portal\'s reason',
			async () => {
				const templateId = portal.addTemplate({ documentType: DEAL, name: 'Review', steps: [{ type: 'review', users: [1], name: 'Read' }] });
				return { parameters: { resource: 'task', operation: 'complete', taskId: String(taskOf(await started(templateId)).id), status: 'yes' } };
			},
			/did not accept the answer \(ERROR_TASK_EXECUTION\)/,
			/Bitrix24 says: ".+"\. The task refused it/,
		],
		[
			'a task REST cannot complete: ERROR_TASK_TYPE',
			async () => {
				const templateId = portal.addTemplate({ documentType: DEAL, name: 'Other', steps: [{ type: 'review', users: [1], name: 'x', activity: 'OtherActivity' }] });
				return { parameters: { resource: 'task', operation: 'complete', taskId: String(taskOf(await started(templateId)).id), status: 'ok' } };
			},
			/cannot be answered from n8n \(ERROR_TASK_TYPE\)/,
			/Answer this task in Bitrix24/,
		],
		[
			'delegating a task whose template forbids it: ERROR_DELEGATION_NOT_ALLOWED',
			async () => ({ parameters: { resource: 'task', operation: 'delegate', taskIds: String(taskOf(await started(approval([1], { delegationType: 'none' }))).id), fromUserId: '1', toUserId: '2' } }),
			/did not allow handing the task over \(ERROR_DELEGATION_NOT_ALLOWED\)/,
			/From User ID must be the user the task waits for/,
		],
		[
			'deleting an action that is not registered: ERROR_ACTIVITY_NOT_FOUND',
			async () => ({ credential: 'oAuth2', parameters: { resource: 'registration', operation: 'delete', code: 'never_registered' } }),
			/no action or robot with this code \(ERROR_ACTIVITY_NOT_FOUND\)/,
			/Check Code and Kind/,
		],
		[
			'a code with characters Bitrix24 refuses: ERROR_ACTIVITY_VALIDATION_FAILURE',
			async () => ({ credential: 'oAuth2', parameters: { resource: 'registration', operation: 'delete', code: 'no spaces' } }),
			/refused the action or robot code \(ERROR_ACTIVITY_VALIDATION_FAILURE\)/,
			/Bitrix24 says: "Wrong activity code!"/,
		],
	])('%s', async (_label, prepare, message, description) => {
		const { parameters, credential = 'webhook', url } = await prepare();
		portal.clearJournal();
		const credentials = url ? webhookCredentials(portal, { webhookUrl: url }) : credentialsFor(credential);
		const result = await runNode({ type: NODE, parameters: { ...auth(credential), ...parameters }, credentials, items: [{}] });
		expect(result.error?.message).toMatch(message);
		expect(result.error?.description).toMatch(description);
		expect(sent()).toHaveLength(1);
		const shown = `${result.error?.message}\n${result.error?.description}\n${JSON.stringify(result.run.data.resultData)}`;
		for (const secret of collectSecrets(portal, credentials, '')) expect(shown).not.toContain(secret);
	});

	// Rows the sandbox does not reach by itself (a delegate with bad user IDs, a bad task request) answered as the portal writes them.
	test.each([
		['ERROR_TASK_VALIDATION', 'incorrect STATUS', { resource: 'task', operation: 'complete', taskId: '1' }, 'bizproc.task.complete', /refused the task request/, /"incorrect STATUS"/],
		['ERROR_INVALID_USER_ID', 'Invalid TO_USER_ID', { resource: 'task', operation: 'delegate', taskIds: '1', fromUserId: '1', toUserId: '99' }, 'bizproc.task.delegate', /refused a user ID/, /"Invalid TO_USER_ID"/],
		['ERROR_SELECT_VALIDATION_FAILURE', 'Invalid data in SELECT parameter', { resource: 'task', operation: 'getAll' }, 'bizproc.task.list', /refused the list of fields/, /plain names/],
		['', 'Incorrect document type!', { resource: 'workflow', operation: 'start', template: { __rl: true, mode: 'id', value: '1' }, recordId: '1' }, 'bizproc.workflow.start', /could not tell the document's type/, /Check Document Type/],
	])('%s %s', async (error, errorDescription, parameters, method, message, description) => {
		portal.injectFault({ kind: 'error', method, status: 400, error, errorDescription });
		const result = await run('webhook', parameters);
		expect(result.error?.message).toMatch(message);
		expect(result.error?.description).toMatch(description);
	});
});

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
