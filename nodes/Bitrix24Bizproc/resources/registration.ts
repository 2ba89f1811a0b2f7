/**
 * Registration: the application's actions and robots (b24restdocs: api-reference/bizproc/bizproc-activity/
 * bizproc-activity-list.html, bizproc-activity-delete.html, bizproc-robot/bizproc-robot-list.html,
 * bizproc-robot-delete.html). Bitrix24 lists and deletes only the calling application's own, and only
 * for an administrator in the application's context: an OAuth2 credential, never a webhook
 * (core: bizproc/lib/restservice.php, "Application context required").
 */
import type { IExecutePaginationFunctions, IExecuteSingleFunctions, IHttpRequestOptions, INodeProperties } from 'n8n-workflow';

import { bitrix24MethodRouting, listPages, oneCall } from '../../shared/bitrix24Routing';
import { usesApplication } from '../../shared/credentialAccess';
import { failBeforeSending } from '../../shared/inputChecks';
import { listProperties, requiredText } from './common';

const show = (operation: string) => ({ resource: ['registration'], operation: [operation] });

const METHOD_PREFIX = { action: 'bizproc.activity', robot: 'bizproc.robot' } as const;

function kindOf(context: IExecuteSingleFunctions): keyof typeof METHOD_PREFIX {
	return context.getNodeParameter('registrationKind', 'action') === 'robot' ? 'robot' : 'action';
}

function requireApplication(context: IExecuteSingleFunctions): void {
	if (!usesApplication(context)) {
		failBeforeSending(
			context,
			'Actions and robots can be listed and deleted only through the OAuth2 credential',
			"Bitrix24 shows and deletes an application's actions and robots only to that application. Set Authentication to OAuth2 and choose the credential of the application that registered them.",
		);
	}
}

async function listBody(this: IExecuteSingleFunctions, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	requireApplication(this);
	options.url = `${METHOD_PREFIX[kindOf(this)]}.list`;
	options.body = {};
	return options;
}

async function deleteBody(this: IExecuteSingleFunctions, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	requireApplication(this);
	options.url = `${METHOD_PREFIX[kindOf(this)]}.delete`;
	options.body = { CODE: requiredText(this, 'code', 'Code', 'Enter the CODE the action or robot was registered with (Get Many lists them).') };
	return options;
}

const codesOf = (result: unknown, context: IExecutePaginationFunctions) => {
	const kind = context.getNodeParameter('registrationKind', 'action') === 'robot' ? 'robot' : 'action';
	return (Array.isArray(result) ? result : []).map((code) => ({ code: String(code), kind }));
};

export const registrationOperations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['registration'] } },
	options: [
		{
			name: 'Delete',
			value: 'delete',
			action: 'Delete an action or robot',
			description: 'Remove an action or robot the application registered; templates that use it stop working at that step',
			// The method (…activity.delete or …robot.delete) is set by the check, from Kind.
			routing: bitrix24MethodRouting('bizproc.activity.delete', deleteBody, oneCall((_result, params) => ({ code: params.CODE, deleted: true }))),
		},
		{
			name: 'Get Many',
			value: 'getAll',
			action: 'Get actions or robots',
			description: "List the codes of the application's registered actions or robots",
			routing: bitrix24MethodRouting('bizproc.activity.list', listBody, listPages(codesOf)),
		},
	],
	default: 'getAll',
};

export const registrationFields: INodeProperties[] = [
	{
		displayName: 'Registrations belong to a Bitrix24 application: use the OAuth2 credential of the application that registered them.',
		name: 'registrationNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { resource: ['registration'], authentication: ['webhook'] } },
	},
	{
		displayName: 'Kind',
		name: 'registrationKind',
		type: 'options',
		options: [
			{ name: 'Action', value: 'action', description: 'Business process designer actions (bizproc.activity.*)' },
			{ name: 'Robot', value: 'robot', description: 'Automation rules robots (bizproc.robot.*)' },
		],
		default: 'action',
		displayOptions: { show: { resource: ['registration'] } },
	},
	{
		displayName: 'Code',
		name: 'code',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. n8n_check_order',
		displayOptions: { show: show('delete') },
		description: 'The CODE the action or robot was registered with (Get Many lists them)',
	},
	...listProperties(show('getAll')),
];
