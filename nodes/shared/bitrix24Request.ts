/**
 * The one way every node of this package calls Bitrix24: which credential, which URL, how answers
 * and failures become items or clear errors, and when a call may be sent again.
 *
 * Declarative routing gives three hooks: preSend (before the call), postReceive (after a 2xx) and
 * `operations.pagination`, the only hook that wraps the request itself. We use that wrapper to catch
 * every failure (HTTP status, network) in one place and to re-send an item that the portal refused
 * without running it, without re-running the other items of the node.
 */
import {
	NodeOperationError,
	sleep,
	type DeclarativeRestApiSettings,
	type IDataObject,
	type IExecutePaginationFunctions,
	type IExecuteSingleFunctions,
	type IHookFunctions,
	type IHttpRequestOptions,
	type IN8nHttpFullResponse,
	type IWebhookFunctions,
	type INode,
	type INodeCredentialDescription,
	type INodeExecutionData,
	type INodeProperties,
	type INodePropertyRouting,
} from 'n8n-workflow';

import {
	failureFromAnswer,
	failureFromLongWait,
	failureFromNetworkError,
	inCredentialWords,
	withBitrix24Code,
	withWaitNote,
	type Bitrix24Failure,
} from './bitrix24Errors';
import { normalizeWebhookUrl, portalRestUrl, webhookCode } from './portalAddress';
import { bucketFor, rateLimitOf, type LeakyBucket } from './rateLimit';
import { eventTokenSecrets, maskSecrets } from './secretMasking';

export const WEBHOOK_TYPE = 'bitrix24WebhookApi';
export const APPLICATION_TYPE = 'bitrix24OAuth2Api';

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

export const bitrix24Credentials: INodeCredentialDescription[] = [
	{ name: WEBHOOK_TYPE, required: true, displayOptions: { show: { authentication: ['webhook'] } } },
	{ name: APPLICATION_TYPE, required: true, displayOptions: { show: { authentication: ['oAuth2'] } } },
];

export const bitrix24RequestDefaults = {
	headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
	json: true,
};

type NodeContext = IExecuteSingleFunctions | IHookFunctions | IWebhookFunctions;

function credentialTypeOf(context: NodeContext): string {
	return context.getNodeParameter('authentication', 'webhook') === 'oAuth2' ? APPLICATION_TYPE : WEBHOOK_TYPE;
}

/** The REST base URL of a credential: the webhook base, or the OAuth2 portal's `/rest/`. */
function restBaseUrlOf(context: NodeContext, credentialType: string, credentials: IDataObject, itemIndex?: number): string {
	const check = credentialType === APPLICATION_TYPE ? portalRestUrl(credentials.portalUrl) : normalizeWebhookUrl(credentials.webhookUrl);
	if (check.ok) return check.url;
	throw new NodeOperationError(context.getNode(), check.problem, {
		itemIndex,
		description: 'Open the credential and correct the address. Nothing was sent.',
	});
}

const credentialsByNodeRun = new WeakMap<object, Map<string, Promise<IDataObject>>>();

/**
 * The node's credentials, read once per node and execution: n8n reads and decrypts them from its
 * database on every getCredentials() call, which for a few hundred items is most of the node's time.
 * Kept only in memory, keyed by the node's execution context, and dropped with the execution.
 */
async function credentialsOf(context: IExecuteSingleFunctions, credentialType: string): Promise<IDataObject> {
	const nodeRun = context.getContext('node');
	let cache = credentialsByNodeRun.get(nodeRun);
	if (!cache) credentialsByNodeRun.set(nodeRun, (cache = new Map()));
	let credentials = cache.get(credentialType);
	if (!credentials) cache.set(credentialType, (credentials = context.getCredentials(credentialType) as Promise<IDataObject>));
	return await credentials;
}

async function restBaseUrl(context: IExecuteSingleFunctions): Promise<string> {
	const credentialType = credentialTypeOf(context);
	return restBaseUrlOf(context, credentialType, await credentialsOf(context, credentialType), context.getItemIndex());
}

/** Everything that must never be shown: the webhook code, OAuth2 tokens, the event token. */
function secretsOf(credentials: IDataObject, body: IDataObject = {}): Array<string | undefined> {
	const tokenData = (credentials.oauthTokenData ?? {}) as IDataObject;
	return [
		webhookCode(credentials.webhookUrl),
		tokenData.access_token as string | undefined,
		tokenData.refresh_token as string | undefined,
		credentials.clientSecret as string | undefined,
		...eventTokenSecrets(body.event_token),
	];
}

/** preSend: points the call at the credential's portal: `{base}{method}.json`. */
export async function useBitrix24Endpoint(this: IExecuteSingleFunctions, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	const method = String(options.url ?? '').replace(/^\/+/, '').replace(/\.json$/i, '');
	options.baseURL = await restBaseUrl(this);
	options.url = `${method}.json`;
	return options;
}

/** Raised by postReceive for a 2xx that carries `error`, so the wrapper treats it like any failure. */
class Bitrix24AnswerError extends Error {
	constructor(readonly failure: Bitrix24Failure) {
		super(failure.message);
	}
}

/** postReceive: one output item per input item holding the portal's `result` and `time`. */
export async function toResultItem(
	this: IExecuteSingleFunctions,
	_items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	const failure = failureFromAnswer({ status: response.statusCode, body: response.body });
	if (failure) throw new Bitrix24AnswerError(failure);
	const body = response.body as IDataObject;
	return [{ json: { result: body.result, time: body.time }, pairedItem: { item: this.getItemIndex() } }];
}

/** Reads a failure out of whatever the HTTP helpers threw (a wrapped axios error in both n8n lines). */
export function failureFromThrown(error: unknown): Bitrix24Failure {
	if (error instanceof Bitrix24AnswerError) return error.failure;
	const candidates = [error, (error as { cause?: unknown })?.cause, (error as { errorResponse?: unknown })?.errorResponse];
	for (const candidate of candidates) {
		const response = (candidate as { response?: { status?: number; data?: unknown } } | undefined)?.response;
		if (response && typeof response.status === 'number') {
			return (
				failureFromAnswer({ status: response.status, body: response.data }) ?? {
					code: `HTTP_${response.status}`,
					httpStatus: response.status,
					message: `Bitrix24 answered with HTTP ${response.status}`,
					description: 'The portal answered with an unexpected status and no error code.',
				}
			);
		}
	}
	// n8n 1.x keeps only the status and a JSON body on its NodeApiError (no axios response).
	const { httpCode, context } = error as { httpCode?: unknown; context?: { data?: unknown } };
	if (typeof httpCode === 'string' && /^\d{3}$/.test(httpCode)) {
		const status = Number(httpCode);
		return (
			failureFromAnswer({ status, body: context?.data }) ?? {
				code: `HTTP_${status}`,
				httpStatus: status,
				message: `Bitrix24 answered with HTTP ${status}`,
				description: 'The portal answered with an unexpected status and no error code.',
			}
		);
	}
	for (const candidate of candidates) {
		const code = (candidate as { code?: unknown } | undefined)?.code;
		if (typeof code === 'string' && /^E[A-Z_]+$|^UND_ERR/.test(code)) {
			return failureFromNetworkError(code, (candidate as Error).message ?? '');
		}
	}
	// n8n 1.x drops the code and keeps only texts (its own words for the code among them).
	const texts = [error, ...candidates.slice(1)].flatMap((candidate) => {
		const { message, description, messages } = (candidate ?? {}) as { message?: unknown; description?: unknown; messages?: unknown };
		return [message, description, ...(Array.isArray(messages) ? messages : [])].filter((text): text is string => typeof text === 'string');
	});
	const text = texts.join(' | ') || String(error);
	const codeInText = NETWORK_CODE_IN_TEXT.find(([pattern]) => pattern.test(text))?.[1];
	return failureFromNetworkError(codeInText, texts[0] ?? text);
}

/** Node's codes, and n8n's own words for them (n8n-workflow's NodeError), as found in error texts. */
const NETWORK_CODE_IN_TEXT: Array<[RegExp, string]> = [
	[/ECONNREFUSED|refused the connection/i, 'ECONNREFUSED'],
	[/ECONNRESET|socket hang up|closed unexpectedly/i, 'ECONNRESET'],
	[/ENOTFOUND|EAI_AGAIN|incorrect host|DNS server/i, 'ENOTFOUND'],
	[/ETIMEDOUT|ECONNABORTED|timeout|timed out|connection was aborted/i, 'ETIMEDOUT'],
];

export function toNodeError(node: INode, failure: Bitrix24Failure, itemIndex: number | undefined, secrets: Array<string | undefined>): NodeOperationError {
	const words = inCredentialWords(failure, node.parameters.authentication === 'oAuth2' ? 'oAuth2' : 'webhook');
	const error = new NodeOperationError(node, maskSecrets(words.message, secrets), { itemIndex, description: maskSecrets(words.description, secrets) });
	return withBitrix24Code(error, words.code);
}

export const DEFAULT_MAX_WAIT_SECONDS = 300;

/** The options of the nodes that call Bitrix24 per item (Log, Send Result). */
export const requestOptionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Max Wait Under Rate Limits (Seconds)',
			name: 'maxWaitSeconds',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: DEFAULT_MAX_WAIT_SECONDS,
			description:
				"How long an item may wait for its turn under the portal's rate limit (QUERY_LIMIT_EXCEEDED) or for a blocked method (OPERATION_TIME_LIMIT) before it fails. A line is never sent twice.",
		},
	],
};

const MAX_REFUSED_ATTEMPTS = 3;

/** How long to wait before sending again, or undefined when the call must not be sent again. */
function retryDelayMs(failure: Bitrix24Failure, attempt: number, bucket: LeakyBucket | undefined): number | undefined {
	switch (failure.retry) {
		case 'queryLimit':
			if (!bucket) return Math.round((1000 / 2 + 1000) * 1.5 ** (attempt - 1)); // the official JS SDK's back-off
			bucket.markFull(); // the portal counts more than we did: wait for a full bucket's turn
			return 0;
		case 'operationTime':
			return Math.max(failure.operatingResetAt ? failure.operatingResetAt * 1000 - Date.now() : 10_000, 1000);
		case 'refused':
			return attempt < MAX_REFUSED_ATTEMPTS ? 500 * attempt : undefined;
		default:
			return undefined;
	}
}

/**
 * A webhook's secret is its URL, already in the request: the call needs no signing, so it goes out
 * as it is. n8n's authenticated request would read and decrypt the credential from its database
 * again for every item, and send every 401 a second time.
 */
async function sendWithWebhook(context: IExecutePaginationFunctions, requestData: DeclarativeRestApiSettings.ResultOptions): Promise<INodeExecutionData[]> {
	const response = (await context.helpers.httpRequest({ ...requestData.options, returnFullResponse: true } as IHttpRequestOptions)) as IN8nHttpFullResponse;
	return await toResultItem.call(context, [], response);
}

/**
 * operations.pagination: sends the item's call when the bucket allows, and sends it again only
 * where the portal certainly did not run it (refused by the rate limit or a blocked method, or no
 * connection at all), within the node's Max Wait.
 */
export async function sendToBitrix24(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	const itemIndex = this.getItemIndex();
	const credentialType = credentialTypeOf(this);
	const credentials = await credentialsOf(this, credentialType);
	const secrets = secretsOf(credentials, requestData.options.body as IDataObject | undefined);
	const limit = rateLimitOf(credentials);
	const bucketKey = `${credentialType}:${this.getNode().credentials?.[credentialType]?.id ?? ''}:${requestData.options.baseURL ?? ''}`;
	const bucket = limit ? bucketFor(bucketKey, limit) : undefined;
	const maxWaitSeconds = Number(this.getNodeParameter('options.maxWaitSeconds', DEFAULT_MAX_WAIT_SECONDS));
	const deadline = Date.now() + maxWaitSeconds * 1000;
	const fail = (failure: Bitrix24Failure) => toNodeError(this.getNode(), failure, itemIndex, secrets);

	for (let attempt = 1; ; attempt++) {
		const turnMs = bucket?.reserve() ?? 0;
		if (Date.now() + turnMs > deadline) throw fail(failureFromLongWait(maxWaitSeconds));
		if (turnMs > 0) await sleep(turnMs);
		try {
			return credentialType === WEBHOOK_TYPE ? await sendWithWebhook(this, requestData) : await this.makeRoutingRequest(requestData);
		} catch (error) {
			// n8n's own errors (such as "reconnect the credential") are already clear.
			if (error instanceof NodeOperationError) throw new NodeOperationError(this.getNode(), error);
			const failure = failureFromThrown(error);
			const delayMs = retryDelayMs(failure, attempt, bucket);
			if (delayMs === undefined) throw fail(failure);
			if (Date.now() + delayMs > deadline) throw fail(withWaitNote(failure, maxWaitSeconds));
			if (delayMs > 0) await sleep(delayMs);
		}
	}
}

/**
 * One Bitrix24 call from code that is not declarative routing (a trigger's hooks and webhook), with
 * the same URL rules, error words and secret masking. Returns the portal's `result`.
 */
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

/** Routing for one Bitrix24 method: URL, the checks before sending, the wrapper and the output. */
export function bitrix24MethodRouting(
	method: string,
	checkInput: (this: IExecuteSingleFunctions, options: IHttpRequestOptions) => Promise<IHttpRequestOptions>,
): INodePropertyRouting {
	return {
		request: { method: 'POST', url: method },
		// `paginate` switches on the `operations.pagination` wrapper; nothing is paginated.
		send: { preSend: [checkInput, useBitrix24Endpoint], paginate: true },
		operations: { pagination: sendToBitrix24 },
		output: { postReceive: [toResultItem] },
	};
}
