// @ts-check
'use strict';
/**
 * B1 overhead: 300 items through the Log node vs the same 300 calls through n8n's HTTP Request node
 * (portal limit off), each in one `n8n execute`, alternating: the node's time per item, where it
 * goes (expression evaluations counted by bench/countExpressions.js, credential reads) and the HTTP
 * calls made.
 */
const os = require('node:os');

const { say, step, median, fmt, markdownTable } = require('./format');
const { startProcesses, callsOf, countLanded, portalCalls, callsCell } = require('./portalFigures');
const { storedRun, takeExpressionCounts } = require('./executions');
const { LOG_NODE, HTTP_NODE, CRED_OFF, logNode, httpNode, workflow } = require('./workflows');

const B1_ITEMS = 300;
const B1_ROUNDS = 5;

/**
 * The B1 workflows: each round one for the Log node and one for the HTTP Request node, each item
 * for a business process of its own.
 * @returns {{ runs: Array<{ side: 'log'|'http', id: string, processes: import('./portalFigures').BusinessProcess[] }>, workflows: any[] }}
 */
function b1Workflows(portal) {
	const runs = [];
	const workflows = [];
	for (let round = 0; round < B1_ROUNDS; round++) {
		for (const side of /** @type {const} */ (['log', 'http'])) {
			const id = `bench1${side}${round}`.padEnd(16, '0');
			const processes = startProcesses(portal, { processes: B1_ITEMS, linesPerProcess: 1 }, id);
			runs.push({ side, id, processes });
			workflows.push(workflow(id, { calls: callsOf(processes), node: side === 'log' ? logNode(CRED_OFF) : httpNode(portal.webhookUrl, false) }));
		}
	}
	return { runs, workflows };
}

/** Runs the B1 workflows one after the other, portal limit and parallel workers off; the medians. */
async function runB1(n8n, portal, runs, countDir) {
	step(`B1 overhead: ${B1_ITEMS} items, Log node vs HTTP Request node, ${B1_ROUNDS} rounds alternating, portal limit off`);
	portal.setRateLimit(false);
	portal.setParallelWorkers(0);
	const samples = { log: [], http: [] };
	for (const run of runs) {
		portal.clearJournal();
		const load = os.loadavg()[0];
		const started = Date.now();
		const result = await n8n.execute(run.id);
		const wallS = (Date.now() - started) / 1000;
		const stored = await storedRun(n8n, run.id, run.side === 'log' ? LOG_NODE : HTTP_NODE);
		const landed = countLanded(portal, run.processes);
		const calls = portalCalls(portal);
		const expressions = takeExpressionCounts(countDir);
		const perItem = (expression) => (expressions.counts[expression] ?? 0) / B1_ITEMS;
		samples[run.side].push({
			executionTime: stored.executionTime,
			wallS,
			landed,
			calls,
			status: stored.status,
			error: stored.error,
			exitCode: result.exitCode,
			evaluationsPerItem: { token: perItem('={{ $json.event_token }}'), text: perItem('={{ $json.text }}') },
			expressionMs: expressions.ms,
			credentialReadsPerItem: expressions.credentialReads / B1_ITEMS,
			loadAverage: load,
		});
		say(`  ${run.side.padEnd(4)} node ${fmt(stored.executionTime, 0)} ms (${fmt(stored.executionTime / B1_ITEMS, 3)} ms/item), execute ${fmt(wallS, 1)} s, ${fmt(expressions.ms, 0)} ms evaluating expressions, ${landed.once}/${B1_ITEMS} landed once, HTTP calls ${callsCell(calls)}, ${stored.status}${stored.error ? ` (${stored.error})` : ''}`);
	}
	const summary = (side) => ({
		nodeMs: median(samples[side].map((s) => s.executionTime)),
		perItemMs: median(samples[side].map((s) => s.executionTime)) / B1_ITEMS,
		wallS: median(samples[side].map((s) => s.wallS)),
		allLanded: samples[side].every((s) => s.landed.once === B1_ITEMS && s.status === 'success'),
		runs: samples[side].map((s) => s.executionTime),
		loads: samples[side].map((s) => s.loadAverage),
		calls: samples[side][samples[side].length - 1].calls,
		evaluationsPerItem: samples[side][samples[side].length - 1].evaluationsPerItem,
		expressionMs: median(samples[side].map((s) => s.expressionMs)),
		credentialReadsPerItem: samples[side][samples[side].length - 1].credentialReadsPerItem,
	});
	const b1 = { log: summary('log'), http: summary('http') };
	b1.ratio = b1.log.nodeMs / b1.http.nodeMs;
	b1.wallRatio = b1.log.wallS / b1.http.wallS;
	return b1;
}

/** B1's table in docs/benchmarks.md, as lines. */
function b1Tables(b1) {
	const lines = [];
	const table = (header, rows) => lines.push(...markdownTable(header, rows));
	lines.push(`#### B1 overhead: ${B1_ITEMS} items in one \`n8n execute\`, portal limit off (median of ${B1_ROUNDS}, alternating)`, '');
	table(
		['', 'Log node', 'HTTP Request node', 'Log / HTTP'],
		[
			['node execution time (ms)', fmt(b1.log.nodeMs, 0), fmt(b1.http.nodeMs, 0), fmt(b1.ratio)],
			['per item (ms)', fmt(b1.log.perItemMs, 3), fmt(b1.http.perItemMs, 3), fmt(b1.ratio)],
			['wall time of `n8n execute` (s)', fmt(b1.log.wallS, 1), fmt(b1.http.wallS, 1), fmt(b1.wallRatio)],
			['runs (node ms)', b1.log.runs.map((v) => fmt(v, 0)).join(', '), b1.http.runs.map((v) => fmt(v, 0)).join(', '), ''],
			['load average (1 min) at the start of each run', b1.log.loads.map((v) => fmt(v, 1)).join(', '), b1.http.loads.map((v) => fmt(v, 1)).join(', '), ''],
			['HTTP calls made (one run)', callsCell(b1.log.calls), callsCell(b1.http.calls), ''],
			[
				'expression evaluations per item (`$json.event_token`, `$json.text`)',
				`${fmt(b1.log.evaluationsPerItem.token, 0)}, ${fmt(b1.log.evaluationsPerItem.text, 0)}`,
				`${fmt(b1.http.evaluationsPerItem.token, 0)}, ${fmt(b1.http.evaluationsPerItem.text, 0)}`,
				'',
			],
			['credential reads (database + decryption) per item', fmt(b1.log.credentialReadsPerItem, 2), fmt(b1.http.credentialReadsPerItem, 2), ''],
			['of the node time: evaluating expressions (ms)', fmt(b1.log.expressionMs, 0), fmt(b1.http.expressionMs, 0), fmt(b1.log.expressionMs / b1.http.expressionMs)],
			['of the node time: everything else (ms)', fmt(b1.log.nodeMs - b1.log.expressionMs, 0), fmt(b1.http.nodeMs - b1.http.expressionMs, 0), fmt((b1.log.nodeMs - b1.log.expressionMs) / (b1.http.nodeMs - b1.http.expressionMs))],
			['every line landed once, every run succeeded', b1.log.allLanded ? 'yes' : 'NO', b1.http.allLanded ? 'yes' : 'NO', ''],
		],
	);
	lines.push(`Goal Log / HTTP ≤ 1.00: ${b1.ratio <= 1 ? 'met' : 'missed'} (${fmt(b1.ratio)}).`, '');
	return lines;
}

/** What B1's figures say, in words. */
function b1Findings(b1, n8nVersion) {
	const evaluations = (side) => (b1[side].evaluationsPerItem.token + b1[side].evaluationsPerItem.text) * B1_ITEMS;
	const msPerEvaluation = (b1.log.expressionMs + b1.http.expressionMs) / (evaluations('log') + evaluations('http'));
	const reads = b1.log.credentialReadsPerItem;
	const restRatio = (b1.log.nodeMs - b1.log.expressionMs) / (b1.http.nodeMs - b1.http.expressionMs);
	return [
		`- **B1, Log / HTTP = ${fmt(b1.ratio)}** (goal ≤ 1.00: ${b1.ratio <= 1 ? 'met' : 'missed'}), while the Log node made ${b1.log.calls.total} HTTP calls ` +
			`(${b1.log.calls.batches} batches) for the HTTP Request node's ${b1.http.calls.total}. Per item the Log node evaluates each of its two ` +
			`expressions ${fmt(b1.log.evaluationsPerItem.token, 0)} times, the HTTP Request node ${fmt(b1.http.evaluationsPerItem.token, 0)} time. n8n's declarative routing ` +
			'(`RoutingNode.runNode` in n8n-core) resolves every property of the node for each item before any hook of the node runs' +
			(b1.log.evaluationsPerItem.token >= 3 ? ', and all of them once more in `resolveBaseUrl` (its check whether the base URL belongs to the node)' : '') +
			"; the node's preSend then reads the field once. " +
			`An evaluation costs about ${fmt(msPerEvaluation, 2)} ms here (n8n ${n8nVersion}'s default expression engine): ` +
			`${fmt(b1.log.expressionMs, 0)} ms of the Log node's ${fmt(b1.log.nodeMs, 0)} ms, against ${fmt(b1.http.expressionMs, 0)} ms of the HTTP Request node's ${fmt(b1.http.nodeMs, 0)} ms. ` +
			`Everything else takes ${fmt(b1.log.nodeMs - b1.log.expressionMs, 0)} against ${fmt(b1.http.nodeMs - b1.http.expressionMs, 0)} ms = ${fmt(restRatio)}: ` +
			(restRatio <= 1
				? 'the Log node\'s own work, building every item\'s batch command and sending a few requests, costs no more than the HTTP Request node\'s 300 requests. '
				: 'building every item\'s batch command and n8n\'s per-item request wrapper cost more than the HTTP Request node\'s 300 requests save. ') +
			`The credential is read from the database ${fmt(reads * B1_ITEMS, 0)} times in ${B1_ITEMS} items. ` +
			'These costs are per item, so the ratio does not shrink with more items. No declarative node can evaluate a field fewer times; ' +
			'a programmatic `execute()` node would evaluate each field once per item.',
	];
}

module.exports = { B1_ITEMS, B1_ROUNDS, b1Workflows, runB1, b1Tables, b1Findings };
