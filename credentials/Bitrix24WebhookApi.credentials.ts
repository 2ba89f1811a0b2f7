import type { ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

import { portalPlanProperties } from '../nodes/shared/rateLimit';

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
			placeholder: 'https://yourportal.bitrix24.com/rest/1/abc123xyz456/',
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
				'Bitrix24 sends it with every call to your application (auth[application_token]); the Bitrix24 Bizproc Trigger refuses calls without it. With a webhook, this is the token of the application that registered the action (bizproc.activity.add needs one); Bitrix24 sends it in the ONAPPINSTALL call when that application is installed. Only needed for the trigger.',
		},
		...portalPlanProperties,
	];

	// `scope` is answered by every working webhook; a wrong or deleted one gets 401 NO_AUTH_FOUND.
	// The expression keeps only `https://host/rest/<user>/<code>/` of what was pasted, as the nodes do.
	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{ (($credentials.webhookUrl || "").trim().match(/^(https?:\\/\\/[^\\s?#]*?\\/rest\\/\\d+\\/[A-Za-z0-9_]+)/i) || [])[1] + "/" }}',
			url: 'scope.json',
			method: 'GET',
		},
	};
}
