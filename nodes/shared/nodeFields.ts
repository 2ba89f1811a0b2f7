/** The editor fields that several nodes share: authentication, Event Token, named values, and the call options. */
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

/** The editor's words for a list of named values, where they differ between nodes. */
interface NamedValuesTexts {
	/** The rows' add button, e.g. "Add Parameter" */
	addRow: string;
	/** One row, e.g. "Parameter" */
	row: string;
	namePlaceholder: string;
	nameDescription?: string;
	/** The JSON field, e.g. "Parameters (JSON)" */
	json: string;
	jsonDescription?: string;
}

/**
 * The name/value rows (`<field>`) and the JSON object (`<field>Json`) of a list of named values
 * (Send Result's return values, a template's parameters, a task's form fields), each shown when the
 * field `<field>Mode` before them chooses it; inputChecks.ts namedValuesOf reads them. The mode field
 * stays with its node: its options and default differ.
 */
export function namedValuesProperties(field: string, show: Record<string, string[]>, texts: NamedValuesTexts): INodeProperties[] {
	const mode = `${field}Mode`;
	return [
		{
			displayName: 'Values',
			name: field,
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			placeholder: texts.addRow,
			default: {},
			displayOptions: { show: { ...show, [mode]: ['keyValue'] } },
			options: [
				{
					displayName: texts.row,
					name: 'values',
					values: [
						{
							displayName: 'Name',
							name: 'name',
							type: 'string',
							default: '',
							placeholder: texts.namePlaceholder,
							...(texts.nameDescription === undefined ? {} : { description: texts.nameDescription }),
						},
						{ displayName: 'Value', name: 'value', type: 'string', default: '' },
					],
				},
			],
		},
		{
			displayName: texts.json,
			name: `${field}Json`,
			type: 'json',
			default: '{}',
			displayOptions: { show: { ...show, [mode]: ['json'] } },
			...(texts.jsonDescription === undefined ? {} : { description: texts.jsonDescription }),
		},
	];
}

const DEFAULT_MAX_WAIT_SECONDS = 300;
/** Bitrix24 ends a REST request after 60 s (a batch's commands included); the rest is the way there and back. */
const DEFAULT_TIMEOUT_SECONDS = 70;

interface CallOptions {
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
