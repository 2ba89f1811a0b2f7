/**
 * Bitrix24 Business Process node through n8n's engine against the sandbox portal over HTTP: what each
 * operation sends (method, path, body) with a webhook and with OAuth2, and what it outputs.
 */
import type { IDataObject } from 'n8n-workflow';

import type { DocumentId } from './portal';
import { useBizprocNodePortal, type Credential } from './bizprocNodeHarness';

const { portal, run, newDeal, approval, started, taskOf, sent } = useBizprocNodePortal();

let smartTypes = 1030;
const pathFor = (credential: Credential, method: string) => (credential === 'webhook' ? `${new URL(portal.webhookUrl).pathname}${method}.json` : `/rest/${method}.json`);

interface Case {
	label: string;
	/** Sets the portal up; returns the node's parameters, the method and body expected, and the output expected. */
	prepare: () => Promise<{ parameters: IDataObject; method: string; body: IDataObject; output: IDataObject[] | ((items: IDataObject[]) => void) }>;
	oAuth2Only?: boolean;
}

/** Workflow > Start on a new approval template and a new deal: the parameters that name them, the Title sent, the output expected. */
const startCase = (
	label: string,
	parameters: (templateId: number, deal: DocumentId) => IDataObject,
	title: string,
	output: (templateId: number, deal: DocumentId) => (items: IDataObject[]) => void,
): Case => ({
	label,
	prepare: async () => {
		const templateId = approval();
		const deal = newDeal();
		return {
			parameters: { resource: 'workflow', operation: 'start', ...parameters(templateId, deal) },
			method: 'bizproc.workflow.start',
			body: { TEMPLATE_ID: String(templateId), DOCUMENT_ID: deal, PARAMETERS: { Title: title } },
			output: output(templateId, deal),
		};
	},
});

const cases: Case[] = [
	startCase(
		'Workflow > Start: Deal + Record ID, a template from the list, name/value parameters',
		(templateId, deal) => ({
			template: { __rl: true, mode: 'list', value: String(templateId) },
			documentType: 'deal',
			recordId: deal[2].replace('DEAL_', ''),
			parameters: { values: [{ name: 'Title', value: '={{ $json.title }}' }] },
		}),
		'order 7',
		(templateId, deal) => (items) => {
			expect(items).toEqual([{ workflowId: expect.any(String), templateId: String(templateId), documentId: deal }]);
			const process = portal.process(items[0].workflowId as string)!;
			expect(process).toMatchObject({ state: 'running', templateId, parameters: { Title: 'order 7' } });
		},
	),
	startCase(
		'Workflow > Start: the document ID as three parts from an expression, JSON parameters, template by ID',
		(templateId) => ({
			template: { __rl: true, mode: 'id', value: ` ${templateId} ` },
			recordId: '={{ $json.document_id }}',
			parametersMode: 'json',
			parametersJson: '{"Title": "from JSON"}',
		}),
		'from JSON',
		() => (items) => expect(portal.process(items[0].workflowId as string)!.parameters).toEqual({ Title: 'from JSON' }),
	),
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
