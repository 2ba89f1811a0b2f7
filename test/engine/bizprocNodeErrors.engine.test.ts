/**
 * Bitrix24 Business Process node through n8n's engine against the sandbox portal: input refused
 * before sending, and each error the portal answers with, in words that say what to do.
 */
import type { IDataObject } from 'n8n-workflow';

import { runNode } from './n8nEngine';
import { collectSecrets, webhookCredentials } from './portal';
import { DEAL, LEAD, NODE, auth, useBizprocNodePortal, type Credential } from './bizprocNodeHarness';

const { portal, credentialsFor, run, rest, newDeal, approval, started, taskOf, sent } = useBizprocNodePortal();

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
