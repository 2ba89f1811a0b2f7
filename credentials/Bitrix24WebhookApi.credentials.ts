import type { ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

import { WEBHOOK_URL_EXAMPLE, webhookBaseExpression } from '../nodes/shared/portalAddress';
import { portalPlanProperties } from './portalPlan';

export class Bitrix24WebhookApi implements ICredentialType {
	name = 'bitrix24WebhookApi';

	displayName = 'Bitrix24 Webhook API';

	icon = { light: 'file:bitrix24.svg', dark: 'file:bitrix24.dark.svg' } as const;

	documentationUrl = 'https://apidocs.bitrix24.com/local-integrations/local-webhooks.html';

	properties: INodeProperties[] = [
		// The rule judges by the field name; this URL carries the webhook's secret code, so it stays masked.
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Webhook URL',
			name: 'webhookUrl',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			placeholder: WEBHOOK_URL_EXAMPLE,
			description:
				'The inbound webhook URL from Bitrix24 (Developer resources > Other > Inbound webhook), with the Business processes (bizproc) permission. It contains a secret code: keep it here, not in workflows.',
		},
		{
			displayName: 'Application Token',
			name: 'applicationToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Needed by the Bitrix24 Bizproc Trigger with this credential: it refuses every call without it, and a workflow with the trigger will not activate. It is the token of the application that registered the action (bizproc.activity.add needs one): Bitrix24 sends it with every call to that application (auth[application_token]) and in the ONAPPINSTALL event. Not needed for the Log and Send Result nodes.',
		},
		...portalPlanProperties,
	];

	// `scope` is answered by every working webhook; a wrong, deleted or incomplete one gets 401
	// NO_AUTH_FOUND. The expression is the nodes' own address rule (portalAddress.ts): it keeps
	// `https://host/rest/<user>/<code>/` of what was pasted, and sends a partial paste to the portal's
	// `/rest/`, so the user reads the message below rather than an invalid-URL error.
	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{ ${webhookBaseExpression('$credentials.webhookUrl')} }}`,
			url: 'scope.json',
			method: 'GET',
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message: `Bitrix24 did not accept this webhook URL: it is incomplete, its code is wrong, or the webhook was deleted. Copy the whole URL again from Developer resources > Other > Inbound webhook, like ${WEBHOOK_URL_EXAMPLE}`,
				},
			},
			{
				type: 'responseCode',
				properties: { value: 404, message: `This address is not a Bitrix24 portal. Copy the whole webhook URL from Bitrix24, like ${WEBHOOK_URL_EXAMPLE}` },
			},
		],
	};
}
