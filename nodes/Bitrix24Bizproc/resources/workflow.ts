/**
 * Workflow: start a business process, list the running ones, stop them (b24restdocs:
 * api-reference/bizproc/bizproc-workflow-start.html, bizproc-workflow-instances.html,
 * bizproc-workflow-terminate.html, bizproc-workflow-kill.html; core: bizproc/lib/restservice.php).
 */
import type { IDataObject, IExecuteSingleFunctions, IHttpRequestOptions, INodeProperties } from 'n8n-workflow';

import { bitrix24MethodRouting, listPages, oneCall } from '../../shared/bitrix24Routing';
import { failBeforeSending, namedValuesOf } from '../../shared/inputChecks';
import { namedValuesProperties } from '../../shared/nodeFields';
import { documentIdFrom, documentProperties, documentTypeFilter } from '../document';
import { listProperties, readerOf, requiredText, setFilters } from './common';

const show = (operation: string) => ({ resource: ['workflow'], operation: [operation] });

const PARAMETER_WORDS = {
	refusal: 'The Parameters cannot be sent',
	row: 'A parameter',
	name: "the template's parameter, e.g. Parameter1 (Template Get Many shows them under PARAMETERS)",
	jsonField: 'Parameters (JSON)',
	example: '{"Parameter1": "value"}',
};

/** The template chosen in the resource locator, as an ID. */
function templateIdOf(context: IExecuteSingleFunctions): string {
	const value = context.getNodeParameter('template', '', { extractValue: true }) as unknown;
	const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
	if (!/^\d+$/.test(text)) {
		failBeforeSending(context, text === '' ? 'No template is chosen' : `Template "${text}" is not a template ID`, 'Choose a template from the list, or enter its ID (a number).');
	}
	return text;
}

async function startBody(this: IExecuteSingleFunctions, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	const templateId = templateIdOf(this);
	const { documentId, problem } = documentIdFrom(readerOf(this));
	if (!documentId) failBeforeSending(this, 'The document cannot be used', problem!);
	const values = namedValuesOf(this, 'parameters', PARAMETER_WORDS);
	const body: IDataObject = { TEMPLATE_ID: templateId, DOCUMENT_ID: documentId };
	// Left out when empty: the process then takes each parameter's default from the template.
	if (Object.keys(values).length > 0) body.PARAMETERS = values;
	options.body = body;
	return options;
}

const INSTANCE_FIELDS = ['ID', 'TEMPLATE_ID', 'MODULE_ID', 'ENTITY', 'DOCUMENT_ID', 'STARTED', 'STARTED_BY', 'MODIFIED', 'OWNED_UNTIL'];

async function instancesBody(this: IExecuteSingleFunctions, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	const read = readerOf(this);
	const filter: IDataObject = setFilters([
		['TEMPLATE_ID', this.getNodeParameter('filters.templateId', '')],
		['>=STARTED', this.getNodeParameter('filters.startedAfter', '')],
	]);
	if (read('documentType', 'any') !== 'any') {
		const record = read('recordId', '');
		if (record === '' || record === undefined) Object.assign(filter, documentTypeFilter(read));
		else {
			const { documentId, problem } = documentIdFrom(read);
			if (!documentId) failBeforeSending(this, 'The document filter cannot be used', problem!);
			Object.assign(filter, { MODULE_ID: documentId[0], ENTITY: documentId[1], DOCUMENT_ID: documentId[2] });
		}
		delete filter.DOCUMENT_TYPE; // instances have no DOCUMENT_TYPE field
	}
	options.body = { select: INSTANCE_FIELDS, filter };
	return options;
}

async function workflowIdBody(this: IExecuteSingleFunctions, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	const id = requiredText(this, 'workflowId', 'Workflow ID', 'Enter the ID of the running business process, e.g. from Start or Get Many (a text such as 664b2fa3a1c1d6.12345678).');
	const body: IDataObject = { ID: id };
	if (this.getNodeParameter('operation', '') === 'terminate') {
		const status = this.getNodeParameter('statusText', '') as string;
		if (status.trim() !== '') body.STATUS = status;
	}
	options.body = body;
	return options;
}

export const workflowOperations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['workflow'] } },
	options: [
		{
			name: 'Get Many',
			value: 'getAll',
			action: 'Get running business processes',
			description: 'List the running business processes (administrator only)',
			routing: bitrix24MethodRouting('bizproc.workflow.instances', instancesBody, listPages()),
		},
		{
			name: 'Kill',
			value: 'kill',
			action: 'Kill a business process',
			description: 'Stop a business process and delete it with all its data: its log, its tasks and its history are gone (administrator only)',
			routing: bitrix24MethodRouting('bizproc.workflow.kill', workflowIdBody, oneCall((_result, params) => ({ workflowId: params.ID, killed: true }))),
		},
		{
			name: 'Start',
			value: 'start',
			action: 'Start a business process',
			description: 'Start a business process from a template on a document; outputs the new workflow ID',
			routing: bitrix24MethodRouting('bizproc.workflow.start', startBody, oneCall((result, params) => ({ workflowId: result as string, templateId: params.TEMPLATE_ID, documentId: params.DOCUMENT_ID }))),
		},
		{
			name: 'Terminate',
			value: 'terminate',
			action: 'Terminate a business process',
			description: 'Stop a business process; it stays in the history with the status text (administrator only)',
			routing: bitrix24MethodRouting('bizproc.workflow.terminate', workflowIdBody, oneCall((_result, params) => ({ workflowId: params.ID, terminated: true }))),
		},
	],
	default: 'start',
};

export const workflowFields: INodeProperties[] = [
	{
		displayName: 'Template',
		name: 'template',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		displayOptions: { show: show('start') },
		description: 'The business process template to start. The list shows the templates of the Document Type chosen below.',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchTemplates', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. 12',
				validation: [{ type: 'regex', properties: { regex: '^\\s*\\d+\\s*$', errorMessage: 'A template ID is a number' } }],
			},
		],
	},
	...documentProperties(show('start'), { record: true }),
	{
		displayName: 'Parameters',
		name: 'parametersMode',
		type: 'options',
		options: [
			{ name: 'Name and Value Pairs', value: 'keyValue' },
			{ name: 'JSON', value: 'json' },
		],
		default: 'keyValue',
		displayOptions: { show: show('start') },
		description: "How to give the values of the template's parameters. A parameter left out takes its default from the template.",
	},
	...namedValuesProperties('parameters', show('start'), {
		addRow: 'Add Parameter',
		row: 'Parameter',
		namePlaceholder: 'e.g. Parameter1',
		nameDescription: "The parameter's ID in the template (Template Get Many shows them under PARAMETERS)",
		json: 'Parameters (JSON)',
		jsonDescription: 'An object whose keys are the parameter IDs, e.g. {"Parameter1": "value"}',
	}),
	{
		displayName: 'Workflow ID',
		name: 'workflowId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 664b2fa3a1c1d6.12345678',
		displayOptions: { show: { resource: ['workflow'], operation: ['terminate', 'kill'] } },
		description: 'The ID of the running business process, as Start or Get Many give it',
	},
	{
		displayName: 'Status Text',
		name: 'statusText',
		type: 'string',
		default: '',
		placeholder: 'e.g. Stopped from n8n: order cancelled',
		displayOptions: { show: show('terminate') },
		description: "The status the stopped process shows in its history. Left empty, Bitrix24's own.",
	},
	{
		displayName: 'Kill deletes the business process and everything it wrote (log, tasks, history). To stop it and keep its history, use Terminate.',
		name: 'killNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: show('kill') },
	},
	...listProperties(show('getAll')),
	...documentProperties(show('getAll'), { record: true, withAny: true }),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: show('getAll') },
		options: [
			{
				displayName: 'Template ID',
				name: 'templateId',
				type: 'string',
				default: '',
				placeholder: 'e.g. 12',
				description: 'Only processes started from this template',
			},
			{
				displayName: 'Started After',
				name: 'startedAfter',
				type: 'dateTime',
				default: '',
				description: 'Only processes started at or after this time',
			},
		],
	},
];
