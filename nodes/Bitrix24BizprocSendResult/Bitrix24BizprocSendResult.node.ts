import type { INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { bitrix24MethodRouting } from '../shared/bitrix24Routing';
import { authenticationProperty, bitrix24Credentials, bitrix24RequestDefaults, eventTokenProperty, namedValuesProperties, requestOptionsProperty } from '../shared/nodeFields';
import { sendResultBody } from '../shared/inputChecks';

export class Bitrix24BizprocSendResult implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Bitrix24 Bizproc Send Result',
		name: 'bitrix24BizprocSendResult',
		icon: { light: 'file:bitrix24.svg', dark: 'file:bitrix24.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: 'Complete the action',
		description: 'Complete the Bitrix24 business process action with return values, so the process goes on',
		builderHint: {
			searchHint:
				'Completes a Bitrix24 business process action with return values and an optional last log line (bizproc.event.send), so the waiting process goes on. Needs the event_token from Bitrix24 Bizproc Trigger (the Event Token field defaults to it). Use it once per call, as the last step after the work and any Bitrix24 Bizproc Log lines.',
			relatedNodes: [
				{ nodeType: 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocTrigger', relationHint: 'Starts the workflow and provides the event_token of the action to complete' },
				{ nodeType: 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocLog', relationHint: 'Writes progress lines into the same business process log before the action is completed' },
				{ nodeType: 'n8n-nodes-bitrix24-bizproc.bitrix24Bizproc', relationHint: 'Starts the business processes whose actions this node completes, and answers their tasks afterwards' },
			],
		},
		defaults: { name: 'Bitrix24 Bizproc Send Result' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: bitrix24Credentials,
		requestDefaults: bitrix24RequestDefaults,
		properties: [
			authenticationProperty,
			{
				displayName: 'Method',
				name: 'bitrix24Method',
				type: 'hidden',
				default: 'bizproc.event.send',
				routing: bitrix24MethodRouting('bizproc.event.send', sendResultBody),
			},
			eventTokenProperty('After this step the action is completed: later log lines for this token are dropped by Bitrix24'),
			{
				displayName: 'Return Values',
				name: 'returnValuesMode',
				type: 'options',
				options: [
					{ name: 'Name and Value Pairs', value: 'keyValue' },
					{ name: 'JSON', value: 'json' },
				],
				default: 'keyValue',
				description: "How to give the values for the action's return properties",
			},
			...namedValuesProperties(
				'returnValues',
				{},
				{
					addRow: 'Add Return Value',
					row: 'Value',
					namePlaceholder: 'e.g. result',
					nameDescription: 'The return property as registered for the action (Bitrix24 ignores unknown names)',
					json: 'Values (JSON)',
					jsonDescription: 'An object whose keys are the return properties, e.g. {"result": "approved"}',
				},
			),
			{
				displayName: 'Log Message',
				name: 'logMessage',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				placeholder: 'e.g. Approved by n8n',
				description: 'A last line for the business process log. Left empty, Bitrix24 writes "Received response from the application".',
			},
			requestOptionsProperty,
		],
	};
}
