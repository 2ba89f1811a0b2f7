import type { INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { bitrix24MethodRouting } from '../shared/bitrix24Routing';
import { authenticationProperty, bitrix24Credentials, bitrix24RequestDefaults, eventTokenProperty, requestOptionsProperty } from '../shared/nodeFields';
import { checkLogInput } from '../shared/inputChecks';

export class Bitrix24BizprocLog implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Bitrix24 Bizproc Log',
		name: 'bitrix24BizprocLog',
		icon: { light: 'file:bitrix24.svg', dark: 'file:bitrix24.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: 'Write to business process log',
		description: 'Write a line into the log of the Bitrix24 business process that called your action',
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
				routing: bitrix24MethodRouting('bizproc.activity.log', checkLogInput),
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
