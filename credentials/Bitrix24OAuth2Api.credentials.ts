import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { PORTAL_URL_EXAMPLE, portalAddressExpression } from '../nodes/shared/portalAddress';
import { portalPlanProperties } from './portalPlan';

/**
 * A Bitrix24 application (local or market). n8n runs the OAuth2 flow, signs each call with
 * `Authorization: Bearer` (which Bitrix24 reads first) and renews the token on a 401.
 */
export class Bitrix24OAuth2Api implements ICredentialType {
	name = 'bitrix24OAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Bitrix24 OAuth2 API';

	icon = { light: 'file:bitrix24.svg', dark: 'file:bitrix24.dark.svg' } as const;

	documentationUrl = 'https://apidocs.bitrix24.com/api-reference/oauth/index.html';

	properties: INodeProperties[] = [
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'hidden',
			default: 'authorizationCode',
		},
		{
			displayName: 'Portal URL',
			name: 'portalUrl',
			type: 'string',
			required: true,
			default: '',
			placeholder: PORTAL_URL_EXAMPLE,
			description: 'The address of your Bitrix24 portal, where the application is installed. https:// is added when you leave it out.',
		},
		{
			displayName: 'OAuth Server URL',
			name: 'oauthServerUrl',
			type: 'string',
			default: 'https://oauth.bitrix.info',
			description:
				'Where Bitrix24 issues and renews tokens. Keep the default for Bitrix24 cloud; on-premise portals may use their own address.',
		},
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			// The same address rule as the REST calls (portalAddress.ts), rendered as an expression.
			default: `={{ ${portalAddressExpression('$self["portalUrl"]')} }}/oauth/authorize/`,
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: '={{ ($self["oauthServerUrl"] || "https://oauth.bitrix.info").trim().replace(/\\/+$/, "") }}/oauth/token/',
		},
		{
			// Bitrix24 takes an application's permissions from its settings in the portal, not from the request.
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: 'bizproc',
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'hidden',
			default: 'body',
		},
		{
			displayName: 'Application Token',
			name: 'applicationToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				"Used by the Bitrix24 Bizproc Trigger to accept only your application's calls. Until you enter it, the trigger asks Bitrix24 about each call instead (one extra request per new access token). Bitrix24 sends it with every call (auth[application_token]): turn on the trigger's Include Access Tokens option, run a business process once, copy auth.application_token from the execution into this field, then turn the option off again.",
		},
		...portalPlanProperties,
	];
}
