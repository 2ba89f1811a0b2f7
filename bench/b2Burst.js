// @ts-check
'use strict';
/**
 * B2 burst: 500 lines (50 business processes x 10 lines) at the standard plan (50 at once, then
 * 2/s) with parallel workers, from one `n8n execute` (the processes' lines interleaved) and from 50
 * concurrent webhook executions; Log node vs HTTP Request node (defaults, and Retry On Fail):
 * landed once, lost, duplicated, out of order, HTTP calls, time from the first call to the last line.
 */
const os = require('node:os');

const { sleep } = require('../harness/processes');
const { say, step, fmt, seconds, markdownTable } = require('./format');
const { STANDARD, WORKERS_MS, BATCH_SIZE, oneCallPerLineS, startProcesses, interleavedCalls, countLanded, portalCalls, callsCell, describeRow } = require('./portalFigures');
const { storedRun, takeExpressionCounts, runConcurrent } = require('./executions');
const { LOG_NODE, HTTP_NODE, CRED_B2_ONE, CRED_B2_HOOKS, logNode, httpNode, workflow } = require('./workflows');

/** How the lines are spread: `processes` business processes with `linesPerProcess` lines each. */
const B2 = { processes: 50, linesPerProcess: 10 };
const B2_LINES = B2.processes * B2.linesPerProcess;
const B2_GOAL = { seconds: 5, calls: 15 };
/** Each HTTP Request node case runs once, and is stopped if it has not ended by then (it ends within seconds). */
const HTTP_CASE_LIMIT_MS = 120_000;

/**
 * The B2 cases (Log node, HTTP Request node, HTTP Request node with Retry On Fail) and their
 * workflows: each once for `n8n execute` (its business processes started now) and once behind a
 * Webhook (its processes started when it runs).
 */
function b2Workflows(portal) {
	const b2Variants = (credential) => [
		{ key: 'log', label: 'Log node (plan standard, batches on)', node: () => logNode(credential) },
		{ key: 'http', label: 'HTTP Request node, defaults', node: () => httpNode(portal.webhookUrl, false) },
		{ key: 'httpRetry', label: 'HTTP Request node, Retry On Fail (3 tries, 1000 ms)', node: () => httpNode(portal.webhookUrl, true) },
	];
	/** @type {Array<{ key: string, label: string, id: string, processes: import('./portalFigures').BusinessProcess[] }>} */
	const b2Single = [];
	/** @type {Array<{ key: string, label: string, id: string, path: string }>} */
	const b2Hooks = [];
	const workflows = [];
	for (const [n, variant] of b2Variants(CRED_B2_ONE).entries()) {
		const id = `bench2one${n}`.padEnd(16, '0');
		const processes = startProcesses(portal, B2, id);
		b2Single.push({ key: variant.key, label: variant.label, id, processes });
		workflows.push(workflow(id, { calls: interleavedCalls(processes), node: variant.node() }));
	}
	for (const [n, variant] of b2Variants(CRED_B2_HOOKS).entries()) {
		const id = `bench2hook${n}`.padEnd(16, '0');
		const hookPath = `bench-b2-${variant.key.toLowerCase()}`;
		b2Hooks.push({ key: variant.key, label: variant.label, id, path: hookPath });
		workflows.push(workflow(id, { webhookPath: hookPath, node: variant.node() }));
	}
	return { single: b2Single, hooks: b2Hooks, workflows };
}

/** The one-execution cases, one after the other, each with an empty bucket on the portal. */
async function runB2OneExecution(n8n, portal, single, countDir) {
	step(`B2 burst, one execution: ${B2_LINES} items (${B2.processes} processes x ${B2.linesPerProcess} lines, interleaved) in one \`n8n execute\`, standard plan, parallel workers 0-${WORKERS_MS} ms`);
	portal.setParallelWorkers(WORKERS_MS);
	const rows = [];
	for (const run of single) {
		portal.setRateLimit(STANDARD); // an empty bucket for every case
		portal.clearJournal();
		const load = os.loadavg()[0];
		const started = Date.now();
		const result = await n8n.execute(run.id, { timeoutMs: run.key === 'log' ? 180_000 : HTTP_CASE_LIMIT_MS });
		const wallS = (Date.now() - started) / 1000;
		const stored = await storedRun(n8n, run.id, run.key === 'log' ? LOG_NODE : HTTP_NODE);
		const landed = countLanded(portal, run.processes);
		const calls = portalCalls(portal);
		takeExpressionCounts(countDir);
		const row = {
			key: run.key,
			label: run.label,
			landed,
			calls,
			wallS,
			nodeS: stored.executionTime / 1000,
			leadInS: seconds(stored.startTime, calls.firstAt),
			spanS: seconds(calls.firstAt, landed.lastAt),
			callsSpreadS: seconds(calls.firstAt, calls.lastAt),
			loadAverage: load,
			status: stored.status,
			error: stored.error,
			exitCode: result.exitCode,
		};
		rows.push(row);
		say(`  ${run.label}: ${describeRow(row)}; node ${fmt(row.nodeS, 1)} s, its first call ${fmt(row.leadInS, 1)} s after it started; execute ${fmt(wallS, 1)} s; ${stored.status}${stored.error ? ` (${stored.error})` : ''}`);
		await sleep(500);
	}
	return rows;
}

/** The concurrent-executions cases, under a running `n8n start` with the Webhook workflows active. */
async function runB2Concurrent(n8n, portal, hooks) {
	step(`B2 burst, concurrent executions: ${B2.processes} webhook calls at once, each one business process's ${B2.linesPerProcess} lines, under \`n8n start\``);
	const rows = [];
	for (const hook of hooks) {
		const row = await runConcurrent(n8n, portal, hook, B2, hook.key === 'log' ? 180_000 : HTTP_CASE_LIMIT_MS);
		rows.push(row);
		say(`  ${hook.label}: ${describeRow(row)}; first call ${fmt(row.leadInS, 1)} s after the first POST; ${row.failedExecutions}/${row.executions} executions failed${row.errors.length ? ` (${row.errors.join('; ')})` : ''}`);
		await sleep(500);
	}
	return rows;
}

/** [goal, met, figure] for a B2 row of the Log node. */
function b2Goals(row) {
	return [
		['every line once', row.landed.once === row.landed.expected, `${row.landed.once} / ${row.landed.expected}`],
		['in order', row.landed.outOfOrder === 0, `${row.landed.outOfOrder} out of order`],
		[`≤ ${B2_GOAL.seconds} s`, row.spanS !== undefined && row.spanS <= B2_GOAL.seconds, `${fmt(row.spanS, 1)} s`],
		[`≤ ${B2_GOAL.calls} calls`, row.calls.total <= B2_GOAL.calls, `${row.calls.total}`],
	];
}

/** B2's tables in docs/benchmarks.md, as lines. */
function b2Tables(b2) {
	const lines = [];
	const table = (header, rows) => lines.push(...markdownTable(header, rows));
	const landedCells = (landed) => [`${landed.once} / ${landed.expected}`, String(landed.lost), `${landed.duplicated} (+${landed.extraLines} lines)`, `${landed.outOfOrder} / ${landed.processes}`];
	lines.push(
		`#### B2 burst: ${B2_LINES} lines (${B2.processes} business processes × ${B2.linesPerProcess} lines) at the standard plan (${STANDARD.burst} at once, then ${STANDARD.drainPerSecond}/s), parallel workers 0–${WORKERS_MS} ms`,
		'',
		`One call per line would need at least (${B2_LINES} − ${STANDARD.burst}) / ${STANDARD.drainPerSecond} = ${fmt(oneCallPerLineS(B2_LINES), 0)} s; in batches of ${BATCH_SIZE} the ${B2_LINES / BATCH_SIZE} requests fit in the burst.`,
		'',
	);
	lines.push(`${B2.processes} concurrent webhook executions (\`n8n start\`, Webhook → Split Out → node, all POSTs fired at once), each one business process's ${B2.linesPerProcess} lines:`, '');
	table(
		['node', 'landed once', 'lost', 'duplicated', 'processes out of order', 'failed executions', 'HTTP calls', 'first POST → first call (s)', 'node started, first / last execution, after the first POST (s)', 'first call → last call (s)', 'first call → last line (s)', 'n8n CPU time until every POST was answered (s)', 'load average (1 min) at the start'],
		b2.hooks.map((row) => [
			row.label,
			...landedCells(row.landed),
			`${row.failedExecutions} / ${row.executions}`,
			callsCell(row.calls),
			fmt(row.leadInS, 1),
			row.nodeStartsS ? `${fmt(row.nodeStartsS[0], 1)} / ${fmt(row.nodeStartsS[1], 1)}` : 'n/a',
			fmt(row.callsSpreadS, 1),
			`**${fmt(row.spanS, 1)}**`,
			fmt(row.n8nCpuS, 1),
			fmt(row.loadAverage, 1),
		]),
	);
	lines.push(`One \`n8n execute\` of ${B2_LINES} items, the processes' lines interleaved (every process's line 1, then every line 2, …; Start → Set → Split Out → node):`, '');
	table(
		['node', 'landed once', 'lost', 'duplicated', 'processes out of order', 'execution', 'HTTP calls', 'node started → first call (s)', 'first call → last call (s)', 'first call → last line (s)', 'node time (s)', 'wall time of `n8n execute` (s)', 'load average (1 min) at the start'],
		b2.single.map((row) => [
			row.label,
			...landedCells(row.landed),
			row.status === 'success' ? 'success' : `${row.status}: ${row.error ?? ''}`,
			callsCell(row.calls),
			fmt(row.leadInS, 1),
			fmt(row.callsSpreadS, 1),
			`**${fmt(row.spanS, 1)}**`,
			fmt(row.nodeS, 1),
			fmt(row.wallS, 1),
			fmt(row.loadAverage, 1),
		]),
	);
	const goal = (row) => (row ? `${b2Goals(row).map(([name, met, figure]) => `${name} ${met ? 'met' : 'missed'} (${figure})`).join(', ')}` : 'n/a');
	lines.push(
		`Goals for the Log node (every line once, 0 out of order, first call → last line ≤ ${B2_GOAL.seconds} s, ≤ ${B2_GOAL.calls} HTTP calls): ` +
			`concurrent executions: ${goal(b2.hooks.find((row) => row.key === 'log'))}; one execution: ${goal(b2.single.find((row) => row.key === 'log'))}.`,
		'',
	);
	return lines;
}

/** What B2's figures say, in words: one paragraph per case that ran. */
function b2Findings(b2) {
	const out = [];
	const logHook = b2.hooks.find((row) => row.key === 'log');
	const logSingle = b2.single.find((row) => row.key === 'log');
	const goals = (row) => b2Goals(row).map(([name, met, figure]) => `${name}: ${met ? 'met' : 'missed'} (${figure})`).join('; ');
	if (logHook) {
		const callsMissed = logHook.calls.total > B2_GOAL.calls;
		const timeMissed = !(logHook.spanS <= B2_GOAL.seconds);
		out.push(
			`- **B2, ${B2.processes} concurrent executions, Log node**: ${goals(logHook)}; ${logHook.failedExecutions} executions failed, ${logHook.calls.refused} requests refused. ` +
				`${logHook.calls.batches} batches carried ${logHook.calls.commands} commands (${fmt(logHook.calls.commands / Math.max(1, logHook.calls.batches), 1)} on average, at most ${logHook.calls.largestBatch})` +
				(logHook.calls.plain ? ` and ${logHook.calls.plain} lines went as plain calls` : '') +
				'. ' +
				(logHook.nodeStartsS
					? `n8n took the executions in one by one: the node started ${fmt(logHook.nodeStartsS[0], 1)} s after the first POST in the first execution and ${fmt(logHook.nodeStartsS[1], 1)} s in the last. `
					: '') +
				(callsMissed
					? `The queue sends what is waiting as soon as the bucket has room (no artificial wait, as issue 9 asks), and with ${STANDARD.burst} requests of room each execution's lines left as soon as they reached the node, mostly one request per execution; that is why there are more than ${B2_GOAL.calls} calls. ${logHook.calls.total < STANDARD.burst ? "They all fit in the plan's burst, so no request waited for the bucket. " : ''}Fewer calls would need the queue to hold calls back while the portal has room. `
					: '') +
				(timeMissed
					? `The last request reached the portal ${fmt(logHook.callsSpreadS, 1)} s after the first: the time is n8n taking in ${B2.processes} webhooks on a busy machine, not the portal's limit. `
					: '') +
				'With the portal running requests in parallel, every process still got its lines in order: a process\'s next line never leaves while a request holding its earlier line is unanswered.',
		);
	}
	if (logSingle) {
		out.push(
			`- **B2, one execution of ${B2_LINES} items, Log node**: ${goals(logSingle)}; ${logSingle.status}. ` +
				`${logSingle.calls.batches} batches of up to ${logSingle.calls.largestBatch} commands${logSingle.calls.plain ? ` and ${logSingle.calls.plain} plain calls` : ''}. With the lines interleaved each batch holds one line of every process, ` +
				"so each batch waits for the one before it to be answered (that is what keeps a process's lines in order on a portal with parallel workers): " +
				`${fmt(logSingle.spanS, 1)} s from the first call to the last line. Before the first call, the node spent ${fmt(logSingle.leadInS, 1)} s ` +
				`preparing all ${B2_LINES} items (RoutingNode resolves every item's parameters, the evaluations of B1, before any request is sent).`,
		);
	}
	const http = (rows, key) => rows.find((row) => row.key === key);
	const [hookDefault, hookRetry, singleDefault, singleRetry] = [http(b2.hooks, 'http'), http(b2.hooks, 'httpRetry'), http(b2.single, 'http'), http(b2.single, 'httpRetry')];
	if (hookDefault || singleDefault) {
		const outOfOrder = [hookDefault, hookRetry, singleDefault, singleRetry].filter(Boolean).map((row) => row.landed.outOfOrder);
		out.push(
			'- **B2, HTTP Request node**: it sends one call per item, every item of an execution at once, so the portal runs the first 50 and refuses the ' +
				`rest with 503 QUERY_LIMIT_EXCEEDED; the node fails and with it the execution. With defaults ${hookDefault?.landed.lost ?? 'n/a'} (concurrent) and ` +
				`${singleDefault?.landed.lost ?? 'n/a'} (one execution) of ${B2_LINES} lines were lost. "Retry On Fail" re-runs the whole node for all its items: lines ` +
				`that had landed are written again (${hookRetry?.landed.extraLines ?? 'n/a'} and ${singleRetry?.landed.extraLines ?? 'n/a'} extra lines) and the retries meet ` +
				`a bucket that refills at 2 per second, so ${hookRetry?.landed.lost ?? 'n/a'} and ${singleRetry?.landed.lost ?? 'n/a'} lines were lost all the same. ` +
				`With parallel workers its lines of one process also land in any order (${outOfOrder.join(', ')} processes out of order in its four cases). ` +
				`Its "Batching" option could space one execution's items to 2 per second (≥ ${fmt(oneCallPerLineS(B2_LINES), 0)} s for ${B2_LINES} lines), but not several executions against one portal.`,
		);
	}
	return out;
}

module.exports = { B2, B2_LINES, B2_GOAL, HTTP_CASE_LIMIT_MS, b2Workflows, runB2OneExecution, runB2Concurrent, b2Tables, b2Findings };
