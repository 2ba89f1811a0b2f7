/**
 * The declarative routing of the nodes that call Bitrix24 per item (Log, Send Result).
 *
 * Routing gives three hooks: preSend (before the call), postReceive (after a 2xx) and
 * `operations.pagination`, the only one that wraps the request itself. The wrapper hands each item's
 * call to the portal's call queue (portalCallQueue.ts), which orders, combines, spaces and resends
 * the calls of every execution in this n8n process, and turns the outcome into the item's output or error.
 */
import {
	NodeOperationError,
	type DeclarativeRestApiSettings,
	type IDataObject,
	type IExecutePaginationFunctions,
	type IExecuteSingleFunctions,
	type IHttpRequestOptions,
	type IN8nHttpFullResponse,
	type INodeExecutionData,
	type INodePropertyRouting,
} from 'n8n-workflow';

import { batchCommandFor } from './batchCommands';
import { credentialsOf, credentialTypeOf, restBaseUrlOf, secretsOf, WEBHOOK_TYPE } from './credentialAccess';
import { failureFromThrown, toNodeError } from './n8nErrors';
import { callOptionsOf } from './nodeFields';
import { queueFor, type Transport } from './portalCallQueue';
import { rateLimitOf } from './rateLimit';
import { earlierOutcome, rememberOutcome } from './sentCalls';

/**
 * How this item's execution reaches the portal. A webhook's secret is its URL: the request needs no
 * signing and goes out with n8n's plain HTTP helper (its authenticated request would read and decrypt
 * the credential from the database again for every request, and send every 401 twice). OAuth2 goes
 * through n8n's authenticated request, which renews an expired token and sends once more after a 401;
 * Bitrix24 runs nothing it did not authorise, so that cannot write a line twice.
 */
function transportFor(context: IExecutePaginationFunctions, credentialType: string, base: IHttpRequestOptions): Transport {
	return async ({ method, body }) => {
		const options: IHttpRequestOptions = { ...base, url: `${method}.json`, body, returnFullResponse: true };
		try {
			const response = (
				credentialType === WEBHOOK_TYPE
					? await context.helpers.httpRequest(options)
					: await context.helpers.httpRequestWithAuthentication.call(context, credentialType, options)
			) as IN8nHttpFullResponse;
			return { status: response.statusCode, body: response.body };
		} catch (error) {
			// n8n's own errors (such as "reconnect the credential") are already clear.
			if (error instanceof NodeOperationError) return { failure: { code: 'N8N', message: error.message, description: error.description ?? '' } };
			return { failure: failureFromThrown(error) };
		}
	};
}

/**
 * operations.pagination: queues the item's call and returns its result as the item's output.
 * RoutingNode (n8n-core routing-node.js, both lines) starts every item's request in item order without
 * waiting, and each passes through the same awaits before it gets here, so a node's items join the
 * queue in item order.
 */
export async function sendToBitrix24(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	const itemIndex = this.getItemIndex();
	const credentialType = credentialTypeOf(this);
	const credentials = await credentialsOf(this, credentialType);
	const baseURL = restBaseUrlOf(this, credentialType, credentials, itemIndex);
	const params = requestData.options.body as IDataObject;
	const method = String(requestData.options.url);
	const { maxWaitSeconds, timeoutSeconds, combineIntoBatches } = callOptionsOf(this);
	const portal = `${credentialType}:${this.getNode().credentials?.[credentialType]?.id ?? ''}:${baseURL}`;
	// Retry On Fail runs every item again: a call the portal accepted, or may have run, on an earlier
	// try is answered as it ended then, not sent twice.
	const call = { itemIndex, portal, method, params };
	const earlier = earlierOutcome(this, call);
	if (earlier && 'failure' in earlier) {
		const failure = { ...earlier.failure, description: `${earlier.failure.description} Retry On Fail did not send it again either.` };
		throw toNodeError(this.getNode(), failure, itemIndex, secretsOf(credentials, params));
	}
	if (earlier) return [{ json: { ...earlier.json }, pairedItem: { item: itemIndex } }];
	const queue = queueFor(portal, rateLimitOf(credentials));

	const requestOptions = { ...requestData.options, url: method, baseURL, timeout: timeoutSeconds * 1000 } as IHttpRequestOptions;
	const outcome = await queue.submit({
		method,
		params,
		orderKey: String(params.event_token),
		batchCommand: combineIntoBatches ? batchCommandFor(method, params) : undefined,
		maxWaitMs: maxWaitSeconds * 1000,
		// Everything the transport applies but the call itself (Timeout, n8n's proxy and SSL options): only equal settings share a request.
		requestSettings: JSON.stringify({ ...requestOptions, url: undefined, body: undefined }),
		send: transportFor(this, credentialType, requestOptions),
	});
	if ('failure' in outcome) {
		if (outcome.failure.neverSendAgain) rememberOutcome(this, call, { failure: outcome.failure });
		throw toNodeError(this.getNode(), outcome.failure, itemIndex, secretsOf(credentials, params));
	}
	const json = { result: outcome.result, time: outcome.time } as IDataObject;
	rememberOutcome(this, call, { json });
	return [{ json: { ...json }, pairedItem: { item: itemIndex } }];
}

/** Routing for one Bitrix24 method: the checks that build the body, and the wrapper that sends it. */
export function bitrix24MethodRouting(
	method: string,
	checkInput: (this: IExecuteSingleFunctions, options: IHttpRequestOptions) => Promise<IHttpRequestOptions>,
): INodePropertyRouting {
	return {
		request: { method: 'POST', url: method },
		// `paginate` switches on the `operations.pagination` wrapper; nothing is paginated.
		send: { preSend: [checkInput], paginate: true },
		operations: { pagination: sendToBitrix24 },
	};
}
