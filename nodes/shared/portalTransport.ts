/**
 * How every request reaches Bitrix24: the nodes' calls through the portal's call queue
 * (bitrix24Routing.ts), the single calls of the trigger's hooks and the editor's lists
 * (callBitrix24.ts), and the trigger's questions about a call (portalCheck.ts).
 *
 * Who signs a request:
 * - a webhook credential: nobody, its URL is its secret. It goes out with n8n's plain HTTP helper:
 *   n8n's authenticated request would read and decrypt the credential again for every request
 *   (n8n-core request-helpers authentication.ts, httpRequestWithAuthentication) and send a 401 twice.
 * - an OAuth2 credential: n8n's authenticated request, which signs with the stored token, renews an
 *   expired one and sends once more after a 401 (request-helpers oauth.ts, requestOAuth2). Bitrix24
 *   runs nothing it did not authorise, so that cannot write a line twice.
 * - an access token that is not the credential's (the trigger asking whose a call's token is): the
 *   plain helper, with that token.
 */
import type { IExecuteSingleFunctions, IHookFunctions, IHttpRequestOptions, IN8nHttpFullResponse, ILoadOptionsFunctions, IWebhookFunctions } from 'n8n-workflow';

import { APPLICATION_TYPE } from './credentialAccess';
import { failureFromThrown } from './n8nErrors';
import type { Transport } from './portalCallQueue';

type RequestContext = IExecuteSingleFunctions | IHookFunctions | IWebhookFunctions | ILoadOptionsFunctions;

/** The node's credential (by its type), or an access token of someone else's. */
export type Signer = { credentialType: string } | { accessToken: string };

/**
 * Sends `method` to the portal with `options` (base URL, timeout, n8n's request options). Never
 * throws: the portal's answer, whatever its status, or the failure read from what n8n threw.
 */
export function transportFor(context: RequestContext, signer: Signer, options: Omit<IHttpRequestOptions, 'url' | 'body'>): Transport {
	return async ({ method, body }) => {
		const request: IHttpRequestOptions = { ...options, url: `${method}.json`, body, returnFullResponse: true };
		try {
			let response: IN8nHttpFullResponse;
			if ('accessToken' in signer) {
				const headers = { ...request.headers, Authorization: `Bearer ${signer.accessToken}`, Accept: 'application/json' };
				response = (await context.helpers.httpRequest({ ...request, headers })) as IN8nHttpFullResponse;
			} else if (signer.credentialType === APPLICATION_TYPE) {
				response = (await context.helpers.httpRequestWithAuthentication.call(context, APPLICATION_TYPE, request)) as IN8nHttpFullResponse;
			} else {
				response = (await context.helpers.httpRequest(request)) as IN8nHttpFullResponse;
			}
			return { status: response.statusCode, body: response.body };
		} catch (error) {
			return { failure: failureFromThrown(error) };
		}
	};
}
