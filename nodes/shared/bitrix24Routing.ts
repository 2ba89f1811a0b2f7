/**
 * The declarative routing of the nodes that call Bitrix24 per item (Log, Send Result).
 *
 * Routing gives three hooks: preSend (before the call), postReceive (after a 2xx) and
 * `operations.pagination`, the only one that wraps the request itself. The wrapper hands each item's
 * call to the portal's call queue (portalCallQueue.ts), which orders, combines, spaces and resends
 * the calls of every execution in this n8n process, and turns the outcome into the item's output or error.
 */
import type {
	DeclarativeRestApiSettings,
	IDataObject,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	INodeExecutionData,
	INodePropertyRouting,
} from 'n8n-workflow';

import { batchCommandFor } from './batchCommands';
import { withoutEventToken, type Bitrix24Failure } from './bitrix24Errors';
import { credentialTypeOf, readCredentials, restBaseUrlOf, secretsOf } from './credentialAccess';
import { toNodeError } from './n8nErrors';
import { callOptionsOf } from './nodeFields';
import { queueFor } from './portalCallQueue';
import { transportFor } from './portalTransport';
import { rateLimitOf } from './rateLimit';
import { earlierOutcome, rememberOutcome } from './sentCalls';

/** Order keys for calls that need no order among themselves (anything but an action's log lines). */
let unorderedCalls = 0;

/**
 * Queues one call for the item and waits for its outcome; a failure becomes the item's error, with
 * every secret masked. The event token, where the call has one, keeps one business process's lines
 * in order; other calls keep no order among themselves, so they share batches and go in parallel.
 */
async function callThroughQueue(
	context: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
	method: string,
	params: IDataObject,
): Promise<{ result: unknown; time: unknown; next?: unknown; total?: unknown }> {
	const itemIndex = context.getItemIndex();
	const credentialType = credentialTypeOf(context);
	const credentials = await readCredentials(context, credentialType);
	const baseURL = restBaseUrlOf(context, credentialType, credentials, itemIndex);
	const { maxWaitSeconds, timeoutSeconds, combineIntoBatches } = callOptionsOf(context);
	const portal = `${credentialType}:${context.getNode().credentials?.[credentialType]?.id ?? ''}:${baseURL}`;
	const failed = (failure: Bitrix24Failure) =>
		toNodeError(context.getNode(), params.event_token === undefined ? withoutEventToken(failure) : failure, itemIndex, secretsOf(credentials, params));

	// Retry On Fail runs every item again: a call the portal accepted, or may have run, on an earlier
	// try is answered as it ended then, not sent twice.
	const call = { itemIndex, portal, method, params };
	const earlier = earlierOutcome(context, call);
	if (earlier && 'failure' in earlier) throw failed({ ...earlier.failure, description: `${earlier.failure.description} Retry On Fail did not send it again either.` });
	if (earlier) return earlier.json as { result: unknown; time: unknown; next?: unknown; total?: unknown };

	const requestOptions = { ...requestData.options, url: method, baseURL, timeout: timeoutSeconds * 1000 } as IHttpRequestOptions;
	const outcome = await queueFor(portal, rateLimitOf(credentials)).submit({
		method,
		params,
		orderKey: params.event_token !== undefined ? String(params.event_token) : `unordered:${unorderedCalls++}`,
		batchCommand: combineIntoBatches ? batchCommandFor(method, params) : undefined,
		maxWaitMs: maxWaitSeconds * 1000,
		// Everything the transport applies but the call itself (Timeout, n8n's proxy and SSL options): only equal settings share a request.
		requestSettings: JSON.stringify({ ...requestOptions, url: undefined, body: undefined }),
		send: transportFor(context, { credentialType }, requestOptions),
	});
	if ('failure' in outcome) {
		if (outcome.failure.neverSendAgain) rememberOutcome(context, call, { failure: outcome.failure });
		throw failed(outcome.failure);
	}
	rememberOutcome(context, call, { json: { ...outcome } as IDataObject });
	return outcome;
}

/**
 * operations.pagination: queues the item's call and returns its result as the item's output.
 * RoutingNode (n8n-core routing-node.js, both lines) starts every item's request in item order without
 * waiting, and each passes through the same awaits before it gets here, so a node's items join the
 * queue in item order.
 */
async function sendToBitrix24(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	const { result, time } = await callThroughQueue(this, requestData, String(requestData.options.url), requestData.options.body as IDataObject);
	return [{ json: { result, time } as IDataObject, pairedItem: { item: this.getItemIndex() } }];
}

/** Routing for one Bitrix24 method: the checks that build the body, and the wrapper that sends it. */
export function bitrix24MethodRouting(
	method: string,
	checkInput: (this: IExecuteSingleFunctions, options: IHttpRequestOptions) => Promise<IHttpRequestOptions>,
	pagination: (this: IExecutePaginationFunctions, requestData: DeclarativeRestApiSettings.ResultOptions) => Promise<INodeExecutionData[]> = sendToBitrix24,
): INodePropertyRouting {
	return {
		request: { method: 'POST', url: method },
		// `paginate` switches on the `operations.pagination` wrapper, which sends through the queue.
		send: { preSend: [checkInput], paginate: true },
		operations: { pagination },
	};
}

/**
 * operations.pagination for a call whose answer is the item's one output item, shaped by `shape` from the
 * portal's result and the parameters sent.
 */
export function oneCall(shape: (result: unknown, params: IDataObject) => IDataObject) {
	return async function sendOne(this: IExecutePaginationFunctions, requestData: DeclarativeRestApiSettings.ResultOptions): Promise<INodeExecutionData[]> {
		const params = requestData.options.body as IDataObject;
		const { result } = await callThroughQueue(this, requestData, String(requestData.options.url), params);
		return [{ json: shape(result, params), pairedItem: { item: this.getItemIndex() } }];
	};
}

/** A list method's rows from one page: a list of records, or (actions, robots) a list of codes. */
type RowsOf = (result: unknown, context: IExecutePaginationFunctions) => IDataObject[];

const recordsOf: RowsOf = (result) =>
	(Array.isArray(result) ? result : result && typeof result === 'object' ? Object.values(result) : []).map((row) =>
		row && typeof row === 'object' ? (row as IDataObject) : { value: row as IDataObject[string] },
	);

function startOf(next: unknown): number | undefined {
	const start = Number(next);
	return next !== undefined && next !== null && next !== '' && Number.isInteger(start) && start > 0 ? start : undefined;
}

/**
 * operations.pagination for a Bitrix24 list method: one output item per row. Bitrix24 answers a page of
 * 50 rows with `next` (the next page's `start`) and `total` (b24restdocs: api-reference/how-to-call-rest-api/list-methods-pecularities.html).
 * Return All reads every page, otherwise pages until Limit. Once the first page has told the total, the
 * other pages join the queue together, so they leave in one batch request (up to 50 pages: 2,500 rows)
 * instead of one request each: 1,000 rows take 2 requests, not 20. Without a total, pages are read one
 * after another, following `next`; bizproc.task.list answers its first page again past the last one
 * (it pages by page number), so reading stops where `next` does, never on an empty page.
 */
export function listPages(rowsOf: RowsOf = recordsOf) {
	return async function readPages(this: IExecutePaginationFunctions, requestData: DeclarativeRestApiSettings.ResultOptions): Promise<INodeExecutionData[]> {
		const method = String(requestData.options.url);
		const body = requestData.options.body as IDataObject;
		const limit = this.getNodeParameter('returnAll', false) === true ? Infinity : Math.max(1, Number(this.getNodeParameter('limit', 50)));
		// `start` as text: a batch command carries only text, and the portal reads it as a number either way.
		const page = async (start: number) => await callThroughQueue(this, requestData, method, { ...body, start: String(start) });
		const first = await page(0);
		const rows = rowsOf(first.result, this);
		const pageSize = startOf(first.next);
		const total = Number(first.total);
		let next = pageSize;
		if (next !== undefined && rows.length < limit && Number.isInteger(total)) {
			const starts: number[] = [];
			for (let start = next; start < Math.min(total, limit); start += pageSize!) starts.push(start);
			for (const { result } of await Promise.all(starts.map(page))) rows.push(...rowsOf(result, this));
			next = undefined;
		}
		while (next !== undefined && rows.length < limit) {
			const answer = await page(next);
			rows.push(...rowsOf(answer.result, this));
			next = startOf(answer.next);
		}
		const itemIndex = this.getItemIndex();
		return rows.slice(0, limit).map((json) => ({ json, pairedItem: { item: itemIndex } }));
	};
}
