/**
 * Task: the business process tasks that wait for a person (approve, review, request information)
 * (b24restdocs: api-reference/bizproc/bizproc-task/bizproc-task-list.html, bizproc-task-complete.html,
 * bizproc-task-delegate.html; core: bizproc/lib/restservice.php getTaskList, completeTask).
 */
import type { IDataObject, IExecuteSingleFunctions, IHttpRequestOptions, INodeProperties } from 'n8n-workflow';

import { bitrix24MethodRouting, listPages, oneCall } from '../../shared/bitrix24Routing';
import { failBeforeSending, namedValuesOf } from '../../shared/inputChecks';
import { namedValuesProperties } from '../../shared/nodeFields';
import { listProperties, requiredId, setFilters } from './common';

const show = (operation: string) => ({ resource: ['task'], operation: [operation] });

const TASK_FIELDS = [
	'ID',
	'NAME',
	'DESCRIPTION',
	'STATUS',
	'USER_ID',
	'USER_STATUS',
	'ACTIVITY',
	'WORKFLOW_ID',
	'WORKFLOW_TEMPLATE_ID',
	'WORKFLOW_TEMPLATE_NAME',
	'DOCUMENT_NAME',
	'MODIFIED',
	'OVERDUE_DATE',
	'PARAMETERS',
];

async function listBody(this: IExecuteSingleFunctions, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	const status = this.getNodeParameter('filters.status', 'any') as string;
	const filter = setFilters([
		['USER_ID', this.getNodeParameter('filters.userId', 0)],
		['WORKFLOW_ID', this.getNodeParameter('filters.workflowId', '')],
	]);
	if (status !== 'any') filter.STATUS = status;
	options.body = { select: TASK_FIELDS, filter };
	return options;
}

const FIELD_WORDS = {
	refusal: 'The Form Fields cannot be sent',
	row: 'A form field',
	name: "the task's form field, as Task Get Many shows it under PARAMETERS.Fields (Id)",
	jsonField: 'Form Fields (JSON)',
	example: '{"Field1": "value"}',
};

async function completeBody(this: IExecuteSingleFunctions, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	const body: IDataObject = { TASK_ID: requiredId(this, 'taskId', 'Task ID'), STATUS: this.getNodeParameter('status', 'yes') };
	const comment = this.getNodeParameter('comment', '') as string;
	if (comment.trim() !== '') body.COMMENT = comment;
	const mode = this.getNodeParameter('fieldsMode', 'none') as string;
	if (mode !== 'none') {
		const values = namedValuesOf(this, 'fields', FIELD_WORDS, mode);
		if (Object.keys(values).length > 0) body.FIELDS = values;
	}
	options.body = body;
	return options;
}

async function delegateBody(this: IExecuteSingleFunctions, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	const raw = this.getNodeParameter('taskIds', '') as unknown;
	const ids = (Array.isArray(raw) ? raw : String(raw ?? '').split(',')).map((id) => String(id).trim()).filter((id) => id !== '');
	if (ids.length === 0) failBeforeSending(this, 'Task IDs is empty', 'Enter the IDs of the tasks to hand over, e.g. 12, 13.');
	const wrong = ids.find((id) => !/^\d+$/.test(id));
	if (wrong !== undefined) failBeforeSending(this, `Task ID "${wrong}" is not an ID`, 'Enter task IDs as numbers separated by commas, e.g. 12, 13.');
	options.body = { TASK_IDS: ids, FROM_USER_ID: requiredId(this, 'fromUserId', 'From User ID'), TO_USER_ID: requiredId(this, 'toUserId', 'To User ID') };
	return options;
}

export const taskOperations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['task'] } },
	options: [
		{
			name: 'Complete',
			value: 'complete',
			action: 'Complete a task',
			description: "Answer a business process task as its user: approve, reject, acknowledge, or fill in the form's fields",
			routing: bitrix24MethodRouting('bizproc.task.complete', completeBody, oneCall((_result, params) => ({ taskId: params.TASK_ID, status: params.STATUS, completed: true }))),
		},
		{
			name: 'Delegate',
			value: 'delegate',
			action: 'Delegate tasks',
			description: 'Hand tasks over from one user to another',
			routing: bitrix24MethodRouting('bizproc.task.delegate', delegateBody, oneCall((_result, params) => ({ taskIds: params.TASK_IDS, toUserId: params.TO_USER_ID, delegated: true }))),
		},
		{
			name: 'Get Many',
			value: 'getAll',
			action: 'Get tasks',
			description: "List business process tasks: the credential's user's own, or (administrator) anyone's",
			routing: bitrix24MethodRouting('bizproc.task.list', listBody, listPages()),
		},
	],
	default: 'getAll',
};

export const taskFields: INodeProperties[] = [
	...listProperties(show('getAll')),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: show('getAll') },
		options: [
			{
				displayName: 'User ID',
				name: 'userId',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: "Only this user's tasks. Left out, an administrator gets everyone's tasks and other users their own.",
			},
			{
				displayName: 'Workflow ID',
				name: 'workflowId',
				type: 'string',
				default: '',
				placeholder: 'e.g. 664b2fa3a1c1d6.12345678',
				description: 'Only the tasks of this business process',
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: [
					{ name: 'Any', value: 'any' },
					{ name: 'Approved', value: '1' },
					{ name: 'Completed (OK)', value: '3' },
					{ name: 'Rejected', value: '2' },
					{ name: 'Timed Out', value: '4' },
					{ name: 'Waiting', value: '0' },
				],
				default: 'any',
			},
		],
	},
	{
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 12',
		displayOptions: { show: show('complete') },
		description: 'The task to answer (Task Get Many gives its ID). Only its own user can answer it: the user behind the credential.',
	},
	{
		displayName: 'Answer',
		name: 'status',
		type: 'options',
		options: [
			{ name: 'Approve', value: 'yes', description: 'Approval task: yes' },
			{ name: 'Reject', value: 'no', description: 'Approval task: no' },
			{ name: 'OK', value: 'ok', description: 'Review (acknowledge) task, or a request for information with its fields' },
			{ name: 'Cancel', value: 'cancel', description: 'Request for information that allows cancelling' },
		],
		default: 'yes',
		displayOptions: { show: show('complete') },
		description: 'The answer the task accepts depends on its kind (ACTIVITY in Task Get Many)',
	},
	{
		displayName: 'Comment',
		name: 'comment',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		displayOptions: { show: show('complete') },
		description: 'Some tasks require a comment',
	},
	{
		displayName: 'Form Fields',
		name: 'fieldsMode',
		type: 'options',
		options: [
			{ name: 'None', value: 'none' },
			{ name: 'Name and Value Pairs', value: 'keyValue' },
			{ name: 'JSON', value: 'json' },
		],
		default: 'none',
		displayOptions: { show: show('complete') },
		description: 'For a request for information: the values of its fields',
	},
	...namedValuesProperties('fields', show('complete'), { addRow: 'Add Field', row: 'Field', namePlaceholder: 'e.g. Field1', json: 'Form Fields (JSON)' }),
	{
		displayName: 'Task IDs',
		name: 'taskIds',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 12, 13',
		displayOptions: { show: show('delegate') },
		description: 'The tasks to hand over, separated by commas',
	},
	{
		displayName: 'From User ID',
		name: 'fromUserId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 1',
		displayOptions: { show: show('delegate') },
		description: 'The user the tasks belong to now',
	},
	{
		displayName: 'To User ID',
		name: 'toUserId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 5',
		displayOptions: { show: show('delegate') },
		description: 'The user who takes the tasks over',
	},
];
