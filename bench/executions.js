// @ts-check
'use strict';
/**
 * Running the B1-B4 workflows in n8n and reading what n8n recorded: a stored execution's node run,
 * the expression evaluations bench/countExpressions.js counted, and the concurrent webhook
 * executions of B2 and B4 with the n8n process's CPU time.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { seconds } = require('./format');
const { STANDARD, startProcesses, callsOf, countLanded, portalCalls } = require('./portalFigures');
const { LOG_NODE, HTTP_NODE } = require('./workflows');

/** The node's first run in the workflow's latest stored execution: status, start, time, error. */
async function storedRun(n8n, workflowId, nodeName) {
	const [stored] = await n8n.readExecutions({ workflowId });
	const run = stored?.data?.resultData?.runData?.[nodeName]?.[0];
	return { status: stored?.status, startTime: run?.startTime, executionTime: run?.executionTime, error: run?.error?.message ?? stored?.data?.resultData?.error?.message };
}

/** Expression evaluations counted by countExpressions.js in the `n8n execute` that just ended (and clears them). */
function takeExpressionCounts(countDir) {
	/** @type {Record<string, number>} */
	const counts = {};
	let ms = 0;
	let credentialReads = 0;
	for (const file of fs.readdirSync(countDir)) {
		const report = JSON.parse(fs.readFileSync(path.join(countDir, file), 'utf8'));
		for (const [expression, count] of Object.entries(report.counts)) counts[expression] = (counts[expression] ?? 0) + count;
		ms += report.ms;
		credentialReads += report.credentialReads ?? 0;
		fs.rmSync(path.join(countDir, file));
	}
	return { counts, ms, credentialReads };
}

/**
 * One execution per business process, all webhook POSTs fired at once, each with its process's
 * lines as items; the portal at the standard plan (an empty bucket). Measured from the portal's
 * journal and log once every POST is answered.
 */
async function runConcurrent(n8n, portal, hook, shape, timeoutMs) {
	const url = `${n8n.baseUrl}/webhook/${hook.path}`;
	portal.setRateLimit(false);
	// The harness's probe POSTs no body: Split Out turns a missing `body.calls` into no items (n8n-nodes-base
	// Transform/SplitOut/SplitOut.node.ts), so the node is not reached and the portal sees no call.
	await n8n.waitForWebhook(url);
	const before = new Set((await n8n.readExecutions({ workflowId: hook.id })).map((execution) => execution.id));
	const processes = startProcesses(portal, shape, hook.id);
	portal.setRateLimit(STANDARD);
	portal.clearJournal();
	const load = os.loadavg()[0];
	const cpuBefore = cpuSeconds(n8n.server?.pid);
	const started = Date.now();
	const answers = await Promise.all(
		processes.map(async (process) => {
			try {
				const response = await fetch(url, {
					method: 'POST',
					headers: { 'Content-Type': 'application/json' },
					body: JSON.stringify({ calls: callsOf([process]) }),
					signal: AbortSignal.timeout(timeoutMs),
				});
				await response.arrayBuffer();
				return response.status;
			} catch (error) {
				return /** @type {Error} */ (error).name;
			}
		}),
	);
	const wallS = (Date.now() - started) / 1000;
	const cpuAfter = cpuSeconds(n8n.server?.pid);
	const executions = (await n8n.readExecutions({ workflowId: hook.id })).filter((execution) => !before.has(execution.id));
	const landed = countLanded(portal, processes);
	const calls = portalCalls(portal);
	const failed = executions.filter((execution) => execution.status !== 'success');
	const nodeName = hook.key === 'log' ? LOG_NODE : HTTP_NODE;
	const nodeStarts = executions.map((execution) => execution.data?.resultData?.runData?.[nodeName]?.[0]?.startTime).filter((at) => typeof at === 'number');
	return {
		key: hook.key,
		label: hook.label,
		landed,
		calls,
		wallS,
		leadInS: seconds(started, calls.firstAt),
		spanS: seconds(calls.firstAt, landed.lastAt),
		totalS: seconds(started, landed.lastAt),
		/** When the node started in the first and in the last execution, after the first POST: how long n8n took to take the executions in. */
		nodeStartsS: nodeStarts.length ? [seconds(started, Math.min(...nodeStarts)), seconds(started, Math.max(...nodeStarts))] : undefined,
		/** The last request reached the portal this long after the first. */
		callsSpreadS: seconds(calls.firstAt, calls.lastAt),
		/** CPU time the n8n process used from the first POST until every POST was answered. */
		n8nCpuS: cpuAfter !== undefined && cpuBefore !== undefined ? cpuAfter - cpuBefore : undefined,
		loadAverage: load,
		executions: executions.length,
		failedExecutions: failed.length,
		unanswered: answers.filter((status) => typeof status !== 'number').length,
		errors: [...new Set(failed.map((execution) => execution.data?.resultData?.error?.message ?? execution.status))],
	};
}

/** CPU time (user + system) a process has used so far, from /proc; undefined where there is none. */
function cpuSeconds(pid) {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
	} catch {
		return undefined;
	}
}

module.exports = { storedRun, takeExpressionCounts, runConcurrent };
