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
