import type { INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { bitrix24MethodRouting } from '../shared/bitrix24Routing';
import { authenticationProperty, bitrix24Credentials, bitrix24RequestDefaults, eventTokenProperty, requestOptionsProperty } from '../shared/nodeFields';
import { logBody } from '../shared/inputChecks';

export class Bitrix24BizprocLog implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Bitrix24 Bizproc Log',
		name: 'bitrix24BizprocLog',
		icon: { light: 'file:bitrix24.svg', dark: 'file:bitrix24.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: 'Write to business process log',
		description: 'Write a line into the log of the Bitrix24 business process that called your action',
		builderHint: {
			searchHint:
				'Writes one line per item into the log of a Bitrix24 business process that is waiting in an action of your application (bizproc.activity.log). Needs the event_token of that process: place it after Bitrix24 Bizproc Trigger, which outputs event_token; the Event Token field defaults to it. Use it for progress lines; finish with Bitrix24 Bizproc Send Result so the process goes on.',
			relatedNodes: [
				{ nodeType: 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocTrigger', relationHint: 'Starts the workflow and provides the event_token this node writes with' },
				{ nodeType: 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocSendResult', relationHint: 'Completes the action after the log lines, so the business process goes on' },
				{ nodeType: 'n8n-nodes-bitrix24-bizproc.bitrix24Bizproc', relationHint: 'Starts the business processes whose log this node writes into, and lists or stops them' },
			],
		},
		defaults: { name: 'Bitrix24 Bizproc Log' },
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
				default: 'bizproc.activity.log',
				routing: bitrix24MethodRouting('bizproc.activity.log', logBody),
			},
			eventTokenProperty('Only actions registered with USE_SUBSCRIPTION = Y accept log lines'),
			{
				displayName: 'Log Message',
				name: 'logMessage',
				type: 'string',
				typeOptions: { rows: 4 },
				required: true,
				default: '',
				placeholder: 'e.g. Order checked, waiting for payment',
				description: 'The text to add to the business process log. Several lines are kept as they are.',
				hint: 'Logging must be enabled in the business process template to see the lines',
			},
			requestOptionsProperty,
		],
	};
}
