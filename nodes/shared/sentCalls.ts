/**
 * The calls this run of the node already sent that the portal accepted, or may have run (a timeout,
 * a cut connection, a 5xx: no verdict came back), so that n8n's Retry On Fail never writes a line
 * twice. A call the portal refused, or that certainly did not run, is sent again by a retry.
 *
 * Retry On Fail runs the whole node again, every item (n8n-core workflow-execute.ts,
 * processRunExecutionData: the tries loop calls runNode again with the same `executionData` object and
 * run index, on both n8n lines). That object is what getExecuteData() returns to every item's context
 * (routing-node.ts passes it to each ExecuteSingleContext). It is the same object on every try of one
 * node run and a new one for any other run: a loop's next run index, another execution, a manual
 * re-run. Keyed by that object, the memory answers retries only (an execution id + run index key
 * would also match a run that reuses an id, as n8n-core's test harness does). A WeakMap frees a run's memory with the run itself; queue mode runs
 * all tries of a node in the same worker process.
 *
 * Only an identical call is answered from memory: same item, portal, method and parameters, so a
 * value that changed between tries (an expression) is sent.
 */
import type { IDataObject, IExecuteSingleFunctions } from 'n8n-workflow';

import type { Bitrix24Failure } from './bitrix24Errors';
import { sha256 } from './sha256';

/** The item's output json, or the failure whose call may have run. */
type EarlierOutcome = { json: IDataObject } | { failure: Bitrix24Failure };

const outcomesByRun = new WeakMap<object, Map<string, EarlierOutcome>>();

interface CallInRun {
	itemIndex: number;
	portal: string;
	method: string;
	params: IDataObject;
}

/** A digest, so the memory does not keep a copy of every message. */
function keyOf({ itemIndex, portal, method, params }: CallInRun): string {
	return sha256(JSON.stringify([itemIndex, portal, method, params]), 'base64');
}

/** How this very call ended when it was sent earlier in this node run, if it must not be sent again. */
export function earlierOutcome(context: IExecuteSingleFunctions, call: CallInRun): EarlierOutcome | undefined {
	const run = context.getExecuteData?.();
	return run ? outcomesByRun.get(run)?.get(keyOf(call)) : undefined;
}

/** Remembers, for this node run, how a call ended that must not be sent again. */
export function rememberOutcome(context: IExecuteSingleFunctions, call: CallInRun, outcome: EarlierOutcome): void {
	const run = context.getExecuteData?.();
	if (!run) return;
	let outcomes = outcomesByRun.get(run);
	if (!outcomes) outcomesByRun.set(run, (outcomes = new Map()));
	outcomes.set(keyOf(call), outcome);
}
