/**
 * One Bitrix24 call outside an item's execution (the trigger's hooks and webhook: registering the action,
 * checking a call; the editor's lists), with the same URL rules, error words and secret masking as the
 * nodes' calls. Not through the queue: these are single calls a person or n8n's activation makes.
 */
import type { IDataObject, IHookFunctions, IHttpRequestOptions, IN8nHttpFullResponse, ILoadOptionsFunctions, IWebhookFunctions } from 'n8n-workflow';

import { failureFromAnswer } from './bitrix24Errors';
import { credentialTypeOf, restBaseUrlOf, secretsOf } from './credentialAccess';
import { failureFromThrown, toNodeError } from './n8nErrors';

/** The portal's `result`. */
export async function callBitrix24(context: IHookFunctions | IWebhookFunctions | ILoadOptionsFunctions, method: string, body: IDataObject): Promise<unknown> {
	return (await callBitrix24Answer(context, method, body)).result;
}

/** The portal's whole answer (`result`, and for lists `next` and `total`). */
export async function callBitrix24Answer(context: IHookFunctions | IWebhookFunctions | ILoadOptionsFunctions, method: string, body: IDataObject): Promise<IDataObject> {
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
	return response.body as IDataObject;
}
