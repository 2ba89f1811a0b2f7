import {
	NodeConnectionTypes,
	type IHookFunctions,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { authenticationProperty, bitrix24Credentials } from '../shared/nodeFields';
import { DEFAULT_REPEAT_WINDOW_MINUTES, receiveHandlerCall } from './receiveCall';
import { createRegistration, deleteRegistration, registrationExists } from './registration';

const registering = { show: { authentication: ['oAuth2'], registerAs: ['action', 'robot'] } };

/** One row of Properties / Return Properties: what Bitrix24 calls a property of the action. */
function propertyRows(displayName: string, name: string, description: string, placeholder: string): INodeProperties {
	return {
		displayName,
		name,
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder,
		default: {},
		description,
		displayOptions: registering,
		options: [
			{
				displayName: 'Property',
				name: 'property',
				values: [
					{
						displayName: 'Code',
						name: 'key',
						type: 'string',
						required: true,
						default: '',
						placeholder: 'e.g. order_id',
						description: 'Latin letters, digits and _, starting with a letter. The key under which the value travels.',
					},
					{
						displayName: 'Default Value',
						name: 'default',
						type: 'string',
						default: '',
						description: 'The value used when the business process gives none',
					},
					{
						displayName: 'Description',
						name: 'description',
						type: 'string',
						default: '',
						description: 'A hint shown under the field in the designer',
					},
					{
						displayName: 'Multiple',
						name: 'multiple',
						type: 'boolean',
						default: false,
						description: 'Whether the property takes a list of values',
					},
					{
						displayName: 'Name',
						name: 'displayName',
						type: 'string',
						default: '',
						placeholder: 'e.g. Order number',
						description: 'The label people see in the business process designer. Empty means the code.',
					},
					{
						displayName: 'Required',
						name: 'required',
						type: 'boolean',
						default: false,
						description: 'Whether the designer insists on a value',
					},
					{
						displayName: 'Type',
						name: 'type',
						type: 'options',
						default: 'string',
						options: [
							{ name: 'Date', value: 'date' },
							{ name: 'Date and Time', value: 'datetime' },
							{ name: 'Number (Decimal)', value: 'double' },
							{ name: 'Number (Integer)', value: 'int' },
							{ name: 'String', value: 'string' },
							{ name: 'Text (Several Lines)', value: 'text' },
							{ name: 'User', value: 'user' },
							{ name: 'Yes/No', value: 'bool' },
						],
					},
				],
			},
		],
	};
}

export class Bitrix24BizprocTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Bitrix24 Bizproc Trigger',
		name: 'bitrix24BizprocTrigger',
		icon: { light: 'file:bitrix24.svg', dark: 'file:bitrix24.dark.svg' },
		group: ['trigger'],
		// Version 2 behaves as 1. n8n evaluates the expression `$parameter["options"]["binaryData"]` for
		// every call to a version-1 webhook node before the node runs (packages/cli
		// src/webhooks/webhook-helpers.ts, parseRequestBody); from version 2 on it does not. In a burst of
		// 200 calls that evaluation was a third of the webhook process's extra time over n8n's own
		// Webhook node (docs/benchmarks.md, B6). Workflows saved with version 1 keep working.
		version: [1, 2],
		defaultVersion: 2,
		subtitle: '={{ $parameter["registerAs"] === "robot" ? "Robot " + $parameter["activityCode"] : $parameter["activityCode"] ? "Action " + $parameter["activityCode"] : "Business process action" }}',
		description: 'Starts a workflow when a Bitrix24 business process reaches your application action or robot',
		builderHint: {
			searchHint:
				'Starts a workflow when a Bitrix24 business process reaches an action or robot of your application: the workflow is the action\'s handler. Outputs event_token, workflow_id, document_id and the action\'s properties. With an OAuth2 credential it registers the action when the workflow is activated. The usual shape: this trigger, the work, Bitrix24 Bizproc Log for progress lines, and Bitrix24 Bizproc Send Result to complete the action; without Send Result the process waits.',
			relatedNodes: [
				{ nodeType: 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocLog', relationHint: 'Writes progress lines into the calling business process log with the event_token' },
				{ nodeType: 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocSendResult', relationHint: 'Completes the action with return values; every call needs it once, or the process waits' },
				{ nodeType: 'n8n-nodes-bitrix24-bizproc.bitrix24Bizproc', relationHint: 'Starts the business process whose action calls this trigger, and finds it finished afterwards' },
			],
		},
		defaults: { name: 'Bitrix24 Bizproc Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: bitrix24Credentials,
		// Bitrix24 calls only the Production URL: "Listen for test event" never hears the portal.
		triggerPanel: {
			header: 'Bitrix24 calls this workflow only when it is active',
			executionsHelp: {
				inactive:
					"Bitrix24 calls the Production URL, never the test URL, so \"Listen for test event\" waits in vain. Activate the workflow, run a business process that reaches the action, then open its execution and use \"Copy to editor\" to get real data here. To build the workflow before that, pin the sample output from this package's README (Edit Output / Set mock data).",
				active:
					'Each business process that reaches the action starts an execution; open one in Executions and use "Copy to editor" to map fields from real data.',
			},
			activationHint:
				'Activating registers the action in Bitrix24 with the Production URL (OAuth2 credential). Put the action into a business process template and run it.',
		},
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'bitrix24-bizproc',
			},
		],
		properties: [
			{
				...authenticationProperty,
				description: 'OAuth2 (a Bitrix24 application) can register the action for you; a webhook cannot',
			},
			{
				displayName:
					"A webhook credential cannot register actions: Bitrix24 allows that only to an application (choose OAuth2 above to let n8n do it). To register by hand, call bizproc.activity.add from your application with HANDLER = this node's Production URL and USE_SUBSCRIPTION = Y, then activate this workflow. Enter the application's Application Token in the credential: without it the workflow does not activate.",
				name: 'webhookNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { authentication: ['webhook'] } },
			},
			{
				displayName: 'Register As',
				name: 'registerAs',
				type: 'options',
				options: [
					{
						name: 'Action',
						value: 'action',
						description: 'An activity in the business process designer (bizproc.activity.add)',
					},
					{
						name: 'Do Not Register',
						value: 'none',
						description: 'The action already exists and calls this URL; n8n leaves the registration alone',
					},
					{
						name: 'Robot',
						value: 'robot',
						description: 'A robot for CRM and task automation rules (bizproc.robot.add)',
					},
				],
				default: 'action',
				description: 'What n8n registers in Bitrix24 when you activate (publish) the workflow, and updates when you publish a change',
				hint: 'Registration happens on activation with the Production URL; "Listen for test event" does not change it',
				displayOptions: { show: { authentication: ['oAuth2'] } },
			},
			{
				displayName: 'Code',
				name: 'activityCode',
				type: 'string',
				required: true,
				default: '',
				placeholder: 'e.g. n8n_check_order',
				description: 'A unique code for the action within your application. Latin letters, digits, dot, hyphen and underscore only.',
				hint: 'Changing it later registers a new action; the old one stays in Bitrix24 until you delete it there',
				displayOptions: registering,
			},
			{
				displayName: 'Name',
				name: 'activityName',
				type: 'string',
				required: true,
				default: '',
				placeholder: 'e.g. Check order in n8n',
				description: 'The title people see in the business process designer',
				displayOptions: registering,
			},
			{
				displayName: 'Description',
				name: 'activityDescription',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				description: 'A longer explanation shown in the designer',
				displayOptions: registering,
			},
			propertyRows(
				'Properties',
				'inputProperties',
				'The fields the business process fills in for this action; they arrive as properties.<code>',
				'Add Property',
			),
			propertyRows(
				'Return Properties',
				'returnProperties',
				'The values your workflow sends back with Bitrix24 Bizproc Send Result; the business process reads them after the action',
				'Add Return Property',
			),
			{
				displayName: 'Take Over Existing Registration',
				name: 'takeOverRegistration',
				type: 'boolean',
				default: false,
				description:
					'Whether to point an action this application already registered with another handler (another workflow, another n8n, or by hand) at this workflow. Off: activation stops with an error naming the other handler, so two workflows never take one Code from each other. On: the other handler no longer receives the calls.',
				displayOptions: registering,
			},
			{
				displayName: 'Remove Registration on Deactivation',
				name: 'removeOnDeactivation',
				type: 'boolean',
				default: false,
				description:
					'Whether to delete the action from Bitrix24 when this workflow is deactivated. Off (recommended): the action stays; while the workflow is off, processes that reach it wait, which you can see and fix by activating again. On: Bitrix24 removes the action from every business process template that uses it, and n8n cannot tell a deactivation from publishing a change to this trigger, so each such publish also removes the action and adds it again a moment later.',
				displayOptions: registering,
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Check Domain',
						name: 'checkDomain',
						type: 'string',
						default: '',
						placeholder: 'e.g. yourportal.bitrix24.com',
						description: "Refuse calls (HTTP 401) whose auth[domain] is not this portal's address. Empty means no check.",
					},
					{
						displayName: 'Check Member ID',
						name: 'checkMemberId',
						type: 'string',
						default: '',
						description: "Refuse calls (HTTP 401) whose auth[member_id] is not this portal's member ID. Empty means no check.",
					},
					{
						displayName: 'Include Access Tokens',
						name: 'includeAccessTokens',
						type: 'boolean',
						default: false,
						description:
							'Whether to put the call\'s auth block (access_token, refresh_token, application_token) into the item. Off keeps these secrets out of the execution log.',
					},
					{
						displayName: 'Repeat Window (Minutes)',
						name: 'repeatWindowMinutes',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: DEFAULT_REPEAT_WINDOW_MINUTES,
						description:
							'A call with an event_token already accepted within this many minutes starts no second execution. 0 turns the check off.',
					},
				],
			},
		],
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return await registrationExists(this);
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return await createRegistration(this);
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return await deleteRegistration(this);
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receiveHandlerCall(this);
	}
}
