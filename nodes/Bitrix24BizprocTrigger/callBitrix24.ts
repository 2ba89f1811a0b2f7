/**
 * One Bitrix24 call from the trigger's hooks and webhook (registering the action, checking a call), with the same URL
 * rules, error words and secret masking as the nodes' calls. Returns the portal's `result`.
 */
import type { IDataObject, IHookFunctions, IHttpRequestOptions, IN8nHttpFullResponse, IWebhookFunctions } from 'n8n-workflow';

import { failureFromAnswer } from '../shared/bitrix24Errors';
import { credentialTypeOf, restBaseUrlOf, secretsOf } from '../shared/credentialAccess';
import { failureFromThrown, toNodeError } from '../shared/n8nErrors';

export async function callBitrix24(context: IHookFunctions | IWebhookFunctions, method: string, body: IDataObject): Promise<unknown> {
	const credentialType = credentialTypeOf(context);
	const credentials = (await context.getCredentials(credentialType)) as IDataObject;
	const secrets = secretsOf(credentials, body);
	const options: IHttpRequestOptions = {
		method: 'POST',
		baseURL: restBaseUrlOf(context, credentialType, credentials),
		url: `${method}.json`,
		body,
		json: true,
		returnFullResponse: true,
	};
	let response: IN8nHttpFullResponse;
	try {
		response = (await context.helpers.httpRequestWithAuthentication.call(context, credentialType, options)) as IN8nHttpFullResponse;
	} catch (error) {
		throw toNodeError(context.getNode(), failureFromThrown(error), 0, secrets);
	}
	const failure = failureFromAnswer({ status: response.statusCode, body: response.body });
	if (failure) throw toNodeError(context.getNode(), failure, 0, secrets);
	return (response.body as IDataObject).result;
}
