// @ts-check
'use strict';
/**
 * B4 volume: 5,000 lines (100 business processes x 50 lines) from 100 concurrent webhook executions
 * at the standard plan, Log node: every line once and in order, and the time from the first call to
 * the last line against the least time the plan allows for batches.
 */
const os = require('node:os');

const { say, step, fmt, markdownTable } = require('./format');
const { STANDARD, WORKERS_MS, BATCH_SIZE, oneCallPerLineS, batchedBoundS, callsCell, describeRow } = require('./portalFigures');
const { runConcurrent } = require('./executions');
const { CRED_B4, logNode, workflow } = require('./workflows');

const B4 = { processes: 100, linesPerProcess: 50 };
const B4_LINES = B4.processes * B4.linesPerProcess;
const B4_GOAL_RATIO = 1.1;
const B4_HOOK = { key: 'log', label: 'Log node (plan standard, batches on)', id: 'bench4hook000000', path: 'bench-b4-log' };

/** The B4 workflow: Webhook → Split Out → Log node. */
function b4Workflow() {
	return workflow(B4_HOOK.id, { webhookPath: B4_HOOK.path, node: logNode(CRED_B4) });
}

/** B4 under a running `n8n start` with its workflow active. */
async function runB4(n8n, portal) {
	step(`B4 volume: ${B4.processes} webhook calls at once, each one business process's ${B4.linesPerProcess} lines (${B4_LINES} lines), under \`n8n start\``);
	const row = await runConcurrent(n8n, portal, B4_HOOK, B4, 300_000);
	const b4 = { ...row, boundS: batchedBoundS(B4_LINES), ratio: row.spanS === undefined ? undefined : row.spanS / batchedBoundS(B4_LINES) };
	say(`  ${B4_HOOK.label}: ${describeRow(row)}; ${fmt(b4.ratio)} x the batched bound of ${fmt(b4.boundS, 1)} s; first call ${fmt(row.leadInS, 1)} s after the first POST; ${row.failedExecutions}/${row.executions} executions failed${row.errors.length ? ` (${row.errors.join('; ')})` : ''}`);
	return b4;
}

/** Whether B4 met its goal: every line once, in order, within B4_GOAL_RATIO × the batched bound. */
function b4Met(b4) {
	return b4.landed.once === b4.landed.expected && b4.landed.outOfOrder === 0 && b4.ratio !== undefined && b4.ratio <= B4_GOAL_RATIO;
}

/** B4's table in docs/benchmarks.md, as lines. */
function b4Table(b4) {
	const lines = [];
	const table = (header, rows) => lines.push(...markdownTable(header, rows));
	lines.push(`#### B4 volume: ${B4_LINES} lines from ${B4.processes} concurrent webhook executions (each one business process's ${B4.linesPerProcess} lines), standard plan, parallel workers 0–${WORKERS_MS} ms`, '');
	table(
		['', 'Log node (plan standard, batches on)'],
		[
			['landed once / lost / duplicated', `${b4.landed.once} / ${b4.landed.lost} / ${b4.landed.duplicated}`],
			['processes out of order', `${b4.landed.outOfOrder} / ${b4.landed.processes}`],
			['failed executions', `${b4.failedExecutions} / ${b4.executions}`],
			['HTTP calls', callsCell(b4.calls)],
			['first POST → first call (s)', fmt(b4.leadInS, 1)],
			['node started, first / last execution, after the first POST (s)', b4.nodeStartsS ? `${fmt(b4.nodeStartsS[0], 1)} / ${fmt(b4.nodeStartsS[1], 1)}` : 'n/a'],
			['n8n CPU time until every POST was answered (s)', fmt(b4.n8nCpuS, 1)],
			['load average (1 min) at the start', fmt(b4.loadAverage, 1)],
			['first call → last call (s)', fmt(b4.callsSpreadS, 1)],
			['of which the portal\'s bucket stood empty, nothing arriving (s)', fmt(b4.calls.bucketIdleS, 1)],
			['first call → last line (s)', `**${fmt(b4.spanS, 1)}**`],
			[`batched bound ((${B4_LINES} / ${BATCH_SIZE} − ${STANDARD.burst}) / ${STANDARD.drainPerSecond}) (s)`, fmt(b4.boundS, 1)],
			['first call → last line / bound', `**${fmt(b4.ratio)}**`],
			[`one call per line would need ((${B4_LINES} − ${STANDARD.burst}) / ${STANDARD.drainPerSecond}) (s)`, fmt(oneCallPerLineS(B4_LINES), 0)],
		],
	);
	lines.push(`Goal for the Log node (every line once, 0 out of order, ≤ ${B4_GOAL_RATIO} × the bound): ${b4Met(b4) ? 'met' : 'missed'} (${fmt(b4.ratio)}).`, '');
	return lines;
}

/** What B4's figures say, in words. */
function b4Findings(b4) {
	const atOnce = STANDARD.burst - 1;
	const clientBoundS = Math.max(0, Math.ceil(B4_LINES / BATCH_SIZE) - atOnce) / STANDARD.drainPerSecond;
	return [
		`- **B4, ${B4_LINES} lines from ${B4.processes} concurrent executions, Log node**: ${b4.landed.once} of ${b4.landed.expected} once, ${b4.landed.lost} lost, ` +
			`${b4.landed.duplicated} duplicated, ${b4.landed.outOfOrder} of ${b4.landed.processes} processes out of order, ${b4.failedExecutions} executions failed; ` +
			`${callsCell(b4.calls)}. First call to last line ${fmt(b4.spanS, 1)} s = ${fmt(b4.ratio)} × the batched bound of ${fmt(b4.boundS, 0)} s ` +
			`(goal ≤ ${B4_GOAL_RATIO}: ${b4Met(b4) ? 'met' : 'missed'}); one call per line would need ${fmt(oneCallPerLineS(B4_LINES), 0)} s. ` +
			`n8n's side sends ${atOnce} requests at once, keeping one of the burst in hand for requests delayed on the way, then ${STANDARD.drainPerSecond}/s, ` +
			`so its own least time is (${Math.ceil(B4_LINES / BATCH_SIZE)} − ${atOnce}) / ${STANDARD.drainPerSecond} = ${fmt(clientBoundS, 1)} s. ` +
			(b4.nodeStartsS
				? `n8n took the executions in over ${fmt(b4.nodeStartsS[1], 1)} s (the node started in the last one then; n8n used ${fmt(b4.n8nCpuS, 1)} s of CPU in all, load average ${fmt(b4.loadAverage, 1)} on ${os.cpus().length} cores). `
				: '') +
			`Replaying the portal's bucket over the requests as they arrived, it stood empty for ${fmt(b4.calls.bucketIdleS, 1)} s in all with no request coming` +
			(b4.calls.bucketIdleS >= 0.5
				? ` (n8n had not yet handed the queue the next execution's calls: its executions' work shares one busy process), time that no later request can make up`
				: ': the bucket, not n8n, set the pace') +
			`. ${fmt(clientBoundS, 1)} s of pacing + ${fmt(b4.calls.bucketIdleS, 1)} s empty = ${fmt(clientBoundS + b4.calls.bucketIdleS, 1)} s, against ${fmt(b4.spanS, 1)} s measured.`,
	];
}

module.exports = { B4, B4_LINES, B4_GOAL_RATIO, B4_HOOK, b4Workflow, runB4, b4Table, b4Findings };
