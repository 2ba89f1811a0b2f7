// @ts-check
'use strict';
/**
 * The loop under load in queue mode, shared by the queue-mode test and the B5 benchmark: the example
 * workflow (Trigger -> Log -> Log -> Send Result) active in a QueueCluster, and the sandbox portal
 * starting many business processes at once, each calling the trigger's production URL on the
 * webhook processor. Measures what the portal and n8n saw; judges nothing (the callers do).
 */

const { startSandbox } = require('../sandbox');
const { sleep } = require('./processes');
const { EXAMPLE_ACTION_CODE, exampleCredential, installExampleWorkflow, waitForExampleHandler, expectedLines } = require('./example-loop');

const EXAMPLE_ID = 'queueExampleLoop';
const WRITING_METHODS = ['bizproc.activity.log', 'bizproc.event.send', 'batch'];

/**
 * The portal for the load: the standard plan (burst 50, 2 per second), running requests side by
 * side with random delays (parallel workers), as a portal's PHP workers do.
 * @param {{ maxLifetimeMs: number, parallelWorkersMaxDelayMs?: number }} options
 */
async function startLoadPortal({ maxLifetimeMs, parallelWorkersMaxDelayMs = Number(process.env.QUEUE_LOAD_PARALLEL_DELAY_MS ?? 200) }) {
	const portal = await startSandbox({ rateLimit: { burst: 50, drainPerSecond: 2 }, maxLifetimeMs, parallelWorkersMaxDelayMs });
	return Object.assign(portal, { parallelWorkersMaxDelayMs });
}

/**
 * Imports the example's credential (pointing at `portal`, plan Standard unless `plan` says otherwise)
 * and the example workflow, and activates it.
 * @param {Record<string, unknown>} [plan] credential fields, e.g. { portalPlan: 'custom', rateLimitBurst: 25, rateLimitDrainPerSecond: 1 }
 */
async function installExample(cluster, portal, plan) {
	await cluster.main.importCredentials([exampleCredential(portal, plan)]);
	await installExampleWorkflow(cluster.main, EXAMPLE_ID);
}

/** The example's production URL on the webhook processor; waits until that process serves it. */
async function exampleHandlerUrl(cluster) {
	return await waitForExampleHandler(cluster.main, { baseUrl: cluster.webhookBaseUrl, timeoutMs: 120_000 });
}

/**
 * The portal's REST calls from `sinceIndex` of its journal on: how many, how many refused
 * (503 QUERY_LIMIT_EXCEEDED), per method.
 */
function portalCalls(portal, sinceIndex = 0) {
	const calls = portal.journal().slice(sinceIndex).filter((entry) => entry.restMethod !== null);
	/** @type {Record<string, { calls: number, refused: number }>} */
	const byMethod = {};
	for (const call of calls) {
		const row = (byMethod[/** @type {string} */ (call.restMethod)] ??= { calls: 0, refused: 0 });
		row.calls += 1;
		if (call.error === 'QUERY_LIMIT_EXCEEDED') row.refused += 1;
	}
	const refused = calls.filter((call) => call.error === 'QUERY_LIMIT_EXCEEDED');
	const writing = calls.filter((call) => WRITING_METHODS.includes(/** @type {string} */ (call.restMethod)));
	return {
		calls: calls.length,
		refused: refused.length,
		writingCalls: writing.length,
		otherErrors: calls.filter((call) => call.status !== 200 && call.error !== 'QUERY_LIMIT_EXCEEDED').map((call) => `${call.restMethod} ${call.status} ${call.error}`),
		firstRefusedAt: refused.length ? refused[0].at : undefined,
		byMethod,
	};
}

/**
 * Starts `processes` business processes at once, each calling `handlerUrl`, and waits until every
 * one has its result and n8n has stored every execution (or `timeoutMs` passed: then the figures say
 * what was missing).
 * @param {{ cluster: import('./queue-harness').QueueCluster, portal: any, handlerUrl: string, processes: number, timeoutMs: number, onProgress?: (text: string) => void }} load
 */
async function runLoad({ cluster, portal, handlerUrl, processes, timeoutMs, onProgress = () => {} }) {
	const journalStart = portal.journal().length;
	const executionsBefore = new Set((await cluster.main.readExecutions({ workflowId: EXAMPLE_ID })).map((execution) => execution.id));
	const firstCallAt = Date.now();
	const runs = await Promise.all(
		Array.from({ length: processes }, async (_, n) => {
			const workflowId = `queue-load-${firstCallAt}-${n}`;
			try {
				const run = await portal.startWorkflow({ handlerUrl, workflowId, code: EXAMPLE_ACTION_CODE, properties: { Order: `ORD-${n}` }, documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${n}`] });
				return { n, workflowId, handlerStatus: String(run.handlerStatus), handlerBody: String(run.handlerBody ?? ''), answeredMs: Date.now() - firstCallAt };
			} catch (error) {
				// The sandbox gives a handler 30 s to answer, as a portal gives it a limited time.
				return { n, workflowId, handlerStatus: /** @type {Error} */ (error).name, answeredMs: Date.now() - firstCallAt };
			}
		}),
	);
	const lastCallAnsweredAt = Date.now();
	const answerTimes = runs.map((run) => run.answeredMs).sort((a, b) => a - b);
	const deadline = firstCallAt + timeoutMs;
	let completed = 0;
	let lastReport = 0;
	// A process whose handler call was not accepted never gets a result: wait only for the others.
	const accepted = runs.filter((run) => run.handlerStatus === '200');
	while (Date.now() < deadline) {
		completed = accepted.filter((run) => portal.workflow(run.workflowId).state === 'completed').length;
		if (completed === accepted.length) break;
		if (cluster.exited().length) break; // a process died: no point waiting
		if (Date.now() - lastReport > 30_000) {
			lastReport = Date.now();
			onProgress(`${completed}/${accepted.length} accepted processes have their result after ${Math.round((Date.now() - firstCallAt) / 1000)} s`);
		}
		await sleep(500);
	}
	// Every execution stored as finished (a worker writes its status after the last call).
	/** @type {any[]} */
	let executions = [];
	const storedBy = Date.now() + 60_000;
	while (Date.now() < storedBy) {
		executions = (await cluster.main.readExecutions({ workflowId: EXAMPLE_ID })).filter((execution) => !executionsBefore.has(execution.id));
		if (executions.length >= accepted.length && executions.every((execution) => execution.stoppedAt)) break;
		if (cluster.exited().length) break;
		await sleep(1000);
	}

	const snapshots = runs.map((run) => ({ ...run, workflow: portal.workflow(run.workflowId) }));
	const verdicts = snapshots.map(({ n, workflow }) => ({ n, workflow, verdict: judgeProcess(workflow, expectedLines(n)) }));
	const wrong = verdicts.filter(({ verdict }) => verdict !== 'once');
	const resultTimes = snapshots.filter(({ workflow }) => workflow.state === 'completed' && workflow.logLines.length).map(({ workflow }) => Date.parse(workflow.logLines[workflow.logLines.length - 1].time));
	const lastResultAt = resultTimes.length ? Math.max(...resultTimes) : undefined;
	const workerOf = cluster.workerOf();
	/** @type {Record<string, number>} */
	const perWorker = {};
	for (let worker = 1; worker <= cluster.workerCount; worker++) perWorker[`worker ${worker}`] = 0;
	let unattributed = 0;
	for (const execution of executions) {
		const worker = workerOf.get(execution.id);
		if (worker === undefined) unattributed += 1;
		else perWorker[`worker ${worker}`] += 1;
	}
	const statuses = {};
	for (const execution of executions) statuses[execution.status] = (statuses[execution.status] ?? 0) + 1;
	const seconds = lastResultAt === undefined ? undefined : (lastResultAt - firstCallAt) / 1000;
	return {
		processes,
		handlerStatuses: countBy(runs.map((run) => run.handlerStatus)),
		// What n8n answered when it did not accept a call (its error text says whose trouble it was).
		refusals: countBy(runs.filter((run) => run.handlerStatus !== '200').map((run) => `${run.handlerStatus} ${(run.handlerBody ?? '').slice(0, 160)}`)),
		handlerCallsS: (lastCallAnsweredAt - firstCallAt) / 1000,
		handlerAnswerS: { median: answerTimes[Math.floor(answerTimes.length / 2)] / 1000, slowest: answerTimes[answerTimes.length - 1] / 1000 },
		completed: snapshots.filter(({ workflow }) => workflow.state === 'completed').length,
		correct: processes - wrong.length,
		verdicts: countBy(verdicts.map(({ verdict }) => verdict)),
		wrong: wrong.slice(0, 5).map(({ n, workflow, verdict }) => ({ n, verdict, state: workflow.state, lines: workflow.logLines.map((line) => line.message), returnValues: workflow.returnValues })),
		executions: executions.length,
		executionStatuses: statuses,
		failedExecutions: executions.filter((execution) => execution.status !== 'success').length,
		perWorker,
		unattributed,
		secondsToLastResult: seconds,
		executionsPerSecond: seconds ? executions.length / seconds : undefined,
		portal: portalCalls(portal, journalStart),
		exited: cluster.exited(),
		parallelWorkersMaxDelayMs: portal.parallelWorkersMaxDelayMs,
	};
}

/**
 * What happened to one business process: 'once' (its lines once each, in order, and its result),
 * 'lost' (a line or the result missing), 'doubled' (a line written twice), 'reordered' (all there
 * once, in another order), 'foreign' (a line that is not its own).
 */
function judgeProcess(workflow, expected) {
	const messages = workflow.logLines.map((line) => line.message);
	if (messages.some((message) => !expected.includes(message))) return 'foreign';
	const counts = expected.map((message) => messages.filter((m) => m === message).length);
	if (counts.some((count) => count > 1)) return 'doubled';
	if (counts.some((count) => count === 0) || workflow.state !== 'completed' || workflow.returnValues.result !== 'approved') return 'lost';
	return messages.every((message, index) => message === expected[index]) ? 'once' : 'reordered';
}

function countBy(values) {
	/** @type {Record<string, number>} */
	const counts = {};
	for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
	return counts;
}

/** One line of figures for a load run (tests print it; the benchmark tabulates it). */
function describeLoad(figures) {
	const { portal } = figures;
	const pct = portal.calls ? ((portal.refused / portal.calls) * 100).toFixed(1) : '0.0';
	return (
		`handler calls answered ${Object.entries(figures.handlerStatuses).map(([status, count]) => `${count}× ${status}`).join(', ')}${Object.keys(figures.refusals).length ? ` [${Object.entries(figures.refusals).map(([answer, count]) => `${count}× ${answer}`).join('; ')}]` : ''} (median ${figures.handlerAnswerS.median.toFixed(1)} s, slowest ${figures.handlerAnswerS.slowest.toFixed(1)} s); ` +
		`${figures.correct}/${figures.processes} processes with their lines once and in order and their result (${Object.entries(figures.verdicts).map(([verdict, count]) => `${count} ${verdict}`).join(', ')}); ` +
		`${figures.executions} executions (${Object.entries(figures.executionStatuses).map(([status, count]) => `${count} ${status}`).join(', ') || 'none'}), ` +
		`split ${Object.entries(figures.perWorker).map(([worker, count]) => `${worker}: ${count}`).join(', ')}${figures.unattributed ? `, unattributed: ${figures.unattributed}` : ''}; ` +
		`${figures.secondsToLastResult === undefined ? 'no result' : `${figures.secondsToLastResult.toFixed(1)} s`} from the first handler call to the last result ` +
		`(${figures.executionsPerSecond === undefined ? 'n/a' : figures.executionsPerSecond.toFixed(2)} executions/s); ` +
		`portal: ${portal.calls} REST calls, ${portal.refused} refused (503 QUERY_LIMIT_EXCEEDED, ${pct}%), ` +
		`by method ${Object.entries(portal.byMethod).map(([method, row]) => `${method} ${row.calls}/${row.refused}`).join(', ')}; ` +
		`sandbox parallel workers: 0-${figures.parallelWorkersMaxDelayMs} ms`
	);
}

module.exports = { EXAMPLE_ID, startLoadPortal, installExample, exampleHandlerUrl, runLoad, describeLoad };
