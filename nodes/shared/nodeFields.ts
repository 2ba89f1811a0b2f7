/** The editor fields that several nodes share: authentication, Event Token, and the call options. */
import type { IExecuteSingleFunctions, INodeCredentialDescription, INodeProperties } from 'n8n-workflow';

import { APPLICATION_TYPE, WEBHOOK_TYPE } from './credentialAccess';

export const authenticationProperty: INodeProperties = {
	displayName: 'Authentication',
	name: 'authentication',
	type: 'options',
	options: [
		{ name: 'OAuth2', value: 'oAuth2', description: 'A Bitrix24 application (needed to register actions)' },
		{ name: 'Webhook', value: 'webhook', description: 'An inbound webhook URL with the bizproc permission' },
	],
	default: 'webhook',
};

export const bitrix24Credentials: INodeCredentialDescription[] = [
	{ name: WEBHOOK_TYPE, required: true, displayOptions: { show: { authentication: ['webhook'] } } },
	{ name: APPLICATION_TYPE, required: true, displayOptions: { show: { authentication: ['oAuth2'] } } },
];

export const bitrix24RequestDefaults = {
	headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
	json: true,
};

/** The Event Token field every bizproc node has: masked, and taken from the incoming item by default. */
export function eventTokenProperty(hint: string): INodeProperties {
	return {
		displayName: 'Event Token',
		name: 'eventToken',
		type: 'string',
		typeOptions: { password: true },
		required: true,
		default: '={{ $json.event_token }}',
		description:
			"The event_token Bitrix24 sent to your action's handler when the business process reached the action. The default takes it from the incoming item or, when that has none, from the Bitrix24 Bizproc Trigger before this node. Bitrix24 accepts it only for actions registered with USE_SUBSCRIPTION = Y.",
		hint,
	};
}

export const DEFAULT_MAX_WAIT_SECONDS = 300;
/** Bitrix24 ends a REST request after 60 s (a batch's commands included); the rest is the way there and back. */
export const DEFAULT_TIMEOUT_SECONDS = 70;

export interface CallOptions {
	maxWaitSeconds: number;
	timeoutSeconds: number;
	combineIntoBatches: boolean;
}

/** The options of the nodes that call Bitrix24 per item (Log, Send Result). */
export const requestOptionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Combine Calls Into Batches',
			name: 'combineIntoBatches',
			type: 'boolean',
			default: true,
			description:
				"Whether to send calls that are waiting for the same portal together, up to 50 in one Bitrix24 batch request, which the rate limit counts once. Only calls with the same Timeout share a request. Lines of one business process are written in order either way. Off: one request per item.",
		},
		{
			displayName: 'Max Wait Under Rate Limits (Seconds)',
			name: 'maxWaitSeconds',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: DEFAULT_MAX_WAIT_SECONDS,
			description:
				"How long an item may wait on the portal before it fails: for its turn under the rate limit (QUERY_LIMIT_EXCEEDED), for a blocked method (OPERATION_TIME_LIMIT), or for an earlier line of its business process that got no answer and may still be running (up to 70 s). The time an item waits for its business process's earlier line to be answered does not count. A line is never sent twice.",
		},
		{
			displayName: 'Timeout (Seconds)',
			name: 'timeoutSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: DEFAULT_TIMEOUT_SECONDS,
			description:
				"How long to wait for the portal to answer one request. Bitrix24 itself stops a request after 60 seconds. After a timeout the line may have been written, so it is not sent again, and the business process's next line waits until the portal can no longer be running it (70 s after it was sent).",
		},
	],
};

/** The node's options for the item, with the defaults filled in. */
export function callOptionsOf(context: IExecuteSingleFunctions): CallOptions {
	return {
		maxWaitSeconds: Number(context.getNodeParameter('options.maxWaitSeconds', DEFAULT_MAX_WAIT_SECONDS)),
		timeoutSeconds: Number(context.getNodeParameter('options.timeoutSeconds', DEFAULT_TIMEOUT_SECONDS)),
		combineIntoBatches: context.getNodeParameter('options.combineIntoBatches', true) !== false,
	};
}
