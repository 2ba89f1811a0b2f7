/**
 * The calls the portal already accepted in this run of the node, so that n8n's Retry On Fail never
 * writes a line twice.
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
import { createHash } from 'crypto';
import type { IDataObject, IExecuteSingleFunctions } from 'n8n-workflow';

const acceptedByRun = new WeakMap<object, Map<string, IDataObject>>();

export interface CallInRun {
	itemIndex: number;
	portal: string;
	method: string;
	params: IDataObject;
}

/** A digest, so the memory does not keep a copy of every message. */
function keyOf({ itemIndex, portal, method, params }: CallInRun): string {
	return createHash('sha256').update(JSON.stringify([itemIndex, portal, method, params])).digest('base64');
}

/** What the portal answered when it accepted this very call earlier in this node run, if it did. */
export function acceptedEarlier(context: IExecuteSingleFunctions, call: CallInRun): IDataObject | undefined {
	const run = context.getExecuteData?.();
	return run ? acceptedByRun.get(run)?.get(keyOf(call)) : undefined;
}

/** Remembers, for this node run, that the portal accepted this call and what it answered. */
export function rememberAccepted(context: IExecuteSingleFunctions, call: CallInRun, answer: IDataObject): void {
	const run = context.getExecuteData?.();
	if (!run) return;
	let accepted = acceptedByRun.get(run);
	if (!accepted) acceptedByRun.set(run, (accepted = new Map()));
	accepted.set(keyOf(call), answer);
}
