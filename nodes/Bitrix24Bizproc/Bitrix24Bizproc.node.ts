import type { INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { authenticationProperty, bitrix24Credentials, bitrix24RequestDefaults, requestOptionsProperty } from '../shared/nodeFields';
import { registrationFields, registrationOperations } from './resources/registration';
import { taskFields, taskOperations } from './resources/task';
import { searchTemplates, templateFields, templateOperations } from './resources/template';
import { workflowFields, workflowOperations } from './resources/workflow';

export class Bitrix24Bizproc implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Bitrix24 Business Process',
		name: 'bitrix24Bizproc',
		icon: { light: 'file:bitrix24.svg', dark: 'file:bitrix24.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description: 'Start Bitrix24 business processes, answer their tasks, find templates, remove registered actions',
		builderHint: {
			searchHint:
				'Drives Bitrix24 business processes from n8n: starts a process on a document (deal, lead, contact, company, smart process item, list element, Drive file) from a template, lists running processes, terminates or kills one, lists and completes or delegates the tasks a process waits on (approve, reject, acknowledge, a form), lists templates, and lists or deletes the actions and robots the application registered. The other direction (a process calling n8n) starts with Bitrix24 Bizproc Trigger.',
			relatedNodes: [
				{ nodeType: 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocTrigger', relationHint: 'Receives the call when a process started here reaches an action of your application' },
				{ nodeType: 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocLog', relationHint: 'Writes into the log of a process that is waiting in an action of your application' },
				{ nodeType: 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocSendResult', relationHint: 'Completes the action a process waits in, so it goes on to its tasks and end' },
			],
		},
		defaults: { name: 'Bitrix24 Business Process' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: bitrix24Credentials,
		requestDefaults: bitrix24RequestDefaults,
		properties: [
			authenticationProperty,
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Registration', value: 'registration', description: "The application's registered actions and robots" },
					{ name: 'Task', value: 'task', description: 'Tasks that wait for a person: approve, review, fill in' },
					{ name: 'Template', value: 'template', description: 'Business process templates' },
					{ name: 'Workflow', value: 'workflow', description: 'Running business processes' },
				],
				default: 'workflow',
			},
			workflowOperations,
			taskOperations,
			templateOperations,
			registrationOperations,
			...workflowFields,
			...taskFields,
			...templateFields,
			...registrationFields,
			requestOptionsProperty,
		],
	};

	methods = {
		listSearch: { searchTemplates },
	};
}
