// @ts-check
'use strict';
/**
 * The B1-B4 report: the tables printed at the end of a run and docs/benchmarks.md (the summary of
 * every n8n line, each line's tables, the findings in words, how it is measured). Writing the file
 * keeps the B5/B6 sections bench/queue.js writes and the B7 section of bench/lists.js.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { REPO } = require('../harness/n8n-harness');
const { fmt, markdownTable, commandOutput } = require('./format');
const { STANDARD, WORKERS_MS, BATCH_SIZE, oneCallPerLineS, batchedBoundS } = require('./portalFigures');
const { B1_ITEMS, B1_ROUNDS, b1Tables, b1Findings } = require('./b1Overhead');
const { B2, B2_LINES, B2_GOAL, HTTP_CASE_LIMIT_MS, b2Tables, b2Findings } = require('./b2Burst');
const { b3Table } = require('./b3Footprint');
const { B4, B4_LINES, B4_GOAL_RATIO, b4Table, b4Findings } = require('./b4Volume');

const PACKAGE = require('../package.json');

/** "2.1, 3.4, 3.0" (1, 5, 15 minutes) */
function loadAverages() {
	return os.loadavg().map((value) => value.toFixed(1)).join(', ');
}

/** The machine the run is on: cores, memory, kernel, CPU model. */
function machine() {
	return {
		nproc: commandOutput('nproc', []),
		free: commandOutput('free', ['-h']),
		kernel: commandOutput('uname', ['-r']),
		cpu: os.cpus()[0]?.model ?? 'n/a',
	};
}

/** One n8n line's tables. */
function renderLine(results, statics) {
	const { b1, b2, b4 } = results;
	return [
		`### n8n ${results.n8nVersion} (${results.line}.x line), run on Node ${results.nodeVersion}`,
		'',
		...(b1 ? b1Tables(b1) : []),
		...(b2 ? b2Tables(b2) : []),
		...(b4 ? b4Table(b4) : []),
		...b3Table({ ...statics, ...results.b3 }),
	].join('\n');
}

/** What the figures say, in words, with this line's numbers. */
function findings({ b1, b2, b4, n8nVersion }) {
	return [...(b1 ? b1Findings(b1, n8nVersion) : []), ...(b2 ? b2Findings(b2) : []), ...(b4 ? b4Findings(b4) : [])].join('\n');
}

/** The headline figures of every line side by side. */
function summaryTable(results) {
	const header = ['', ...results.lines.map((line) => `n8n ${line.n8nVersion}`), 'goal'];
	const row = (label, cell, goal) => [label, ...results.lines.map((line) => cell(line)), goal];
	const log = (rows) => rows?.find((r) => r.key === 'log');
	const b2Cell = (r) => (r ? `${fmt(r.spanS, 1)} s, ${r.calls.total} calls, ${r.landed.once} / ${r.landed.expected} once, ${r.landed.outOfOrder} out of order` : 'n/a');
	const rows = [
		row('B1: Log / HTTP Request node time per item (300 items, no limit)', (line) => (line.b1 ? `${fmt(line.b1.ratio)} (${fmt(line.b1.log.perItemMs, 2)} / ${fmt(line.b1.http.perItemMs, 2)} ms)` : 'n/a'), '≤ 1.00'),
		row('B1: HTTP calls, Log / HTTP Request node', (line) => (line.b1 ? `${line.b1.log.calls.total} / ${line.b1.http.calls.total}` : 'n/a'), ''),
		row(`B2: ${B2_LINES} lines from ${B2.processes} concurrent executions, Log node: first call → last line, calls, order`, (line) => b2Cell(log(line.b2?.hooks)), `≤ ${B2_GOAL.seconds} s, ≤ ${B2_GOAL.calls} calls, all once, 0`),
		row(`B2: ${B2_LINES} lines from one execution, Log node`, (line) => b2Cell(log(line.b2?.single)), `≤ ${B2_GOAL.seconds} s, ≤ ${B2_GOAL.calls} calls, all once, 0`),
		row(`B2: HTTP Request node (defaults), lines landed once, concurrent / one execution`, (line) => {
			const http = (rows) => rows?.find((r) => r.key === 'http');
			const [hook, single] = [http(line.b2?.hooks), http(line.b2?.single)];
			return hook && single ? `${hook.landed.once} / ${single.landed.once} of ${B2_LINES}` : 'n/a';
		}, ''),
		row(`B4: ${B4_LINES} lines from ${B4.processes} concurrent executions, Log node: first call → last line, vs the ${fmt(batchedBoundS(B4_LINES), 0)} s bound`, (line) => (line.b4 ? `${fmt(line.b4.spanS, 1)} s = ${fmt(line.b4.ratio)} ×, ${line.b4.calls.total} calls, ${line.b4.landed.once} / ${line.b4.landed.expected} once, ${line.b4.landed.outOfOrder} out of order` : 'n/a'), `≤ ${B4_GOAL_RATIO} ×, all once, 0`),
	];
	return markdownTable(header, rows).join('\n');
}

/** The tables to print and the whole of docs/benchmarks.md; `command` is how this run was started. */
function render(results, command) {
	const tables = [summaryTable(results), ...results.lines.map((line) => renderLine(line, results.static))].join('\n');
	const reading = results.lines.map((line) => `### n8n ${line.line}.x\n\n${findings(line)}\n`).join('\n');
	const m = machine();
	const markdown = `# Benchmarks

Written by \`npm run bench\` (\`npm run build && node bench/run.js\`); do not edit by hand, run it again.
Everything runs on 127.0.0.1: the sandbox portal (\`sandbox\`) and a real n8n installed by
\`harness/n8n-install.js\`, with this package packed and installed the way n8n installs community
packages. Both n8n lines ran in the same run, one after the other, against the same portal.

**The machine is small and shared**: ${m.nproc} cores, and other workers ran their tests on it at the
same time (load average ${results.loadBefore} at the start of this run, ${results.loadAfter} at the end). These are one
run's figures, not guarantees; compare the lines and the nodes within this run, not with another.

- Date: ${new Date().toISOString()}
- Package: ${PACKAGE.name} ${PACKAGE.version}
- n8n: ${results.lines.map((line) => `${line.n8nVersion} (${line.line}.x line) on Node ${line.nodeVersion}`).join('; ')}; the benchmark driver on Node ${process.version}
- Machine: \`nproc\` = ${m.nproc}, \`uname -r\` = ${m.kernel}, CPU ${m.cpu}
- Whole run: ${fmt(results.totalS, 0)} s

\`\`\`
$ free -h
${m.free}
\`\`\`

## Commands

\`\`\`sh
npm run n8n:install     # once: n8n and Node 24 into the cache folder
npm run bench           # = npm run build && node bench/run.js (n8n 2.x only)
${command}   # this run
node bench/run.js --only=b2,b4 --no-write   # a part, without touching this file
node bench/run.js --only=b1 --no-write --cpu-prof=/tmp/prof   # also a V8 CPU profile of every n8n process
\`\`\`

## Results

${tables}
## Reading the figures

${reading}
## How it is measured

- **Lines and processes.** Every case starts its own waiting business processes in the sandbox (one
  event token each) and gives each several lines with unique texts. From the portal's log: a line
  *landed once*, never (*lost*) or more than once (*duplicated*); a process is *out of order* when its
  lines, as written, are not in the order of the items. *HTTP calls* are the REST requests the portal
  received (its journal): plain calls, \`batch\` requests with how many commands they held, and
  refusals (503 QUERY_LIMIT_EXCEEDED). *First call → last line*: from the first request reaching the
  portal to the last line it wrote (what the goals measure); the tables also give how long n8n took
  before the first call.
- **B1**: one workflow Start → Set (raw JSON with ${B1_ITEMS} items, each for its own business process) → Split
  Out → node, run with \`n8n execute\`; ${B1_ROUNDS * 2} runs, Log and HTTP alternating, the median of each. The node's time is
  \`runData[node][0].executionTime\` of the stored execution (n8n's own figure for the node, without
  n8n's start-up); the wall time is the whole \`n8n execute\` process. Portal limit off, parallel
  workers off. Log node: webhook credential with plan "No Limit", options at their defaults (batches
  on). HTTP Request node 4.2: POST to \`<webhook URL>bizproc.activity.log.json\`, JSON body from two
  fields (\`event_token\`, \`log_message\`), no authentication (the webhook URL holds the secret).
  Expression evaluations and their time are counted by \`bench/countExpressions.js\`, preloaded into
  \`n8n execute\` (it wraps n8n-workflow's \`Expression.resolveSimpleParameterValue\`).
- **B2 and B4**: the sandbox at the standard plan (its leaky bucket: burst ${STANDARD.burst}, drain ${STANDARD.drainPerSecond}/s, emptied
  before each case) with parallel workers on (each REST request waits a random 0–${WORKERS_MS} ms before it
  runs, so requests in flight together finish in any order, as on a real portal). Log node: webhook
  credential with plan "Standard", a credential of its own per case (so that n8n's side starts with
  an empty bucket too), options at their defaults (Combine Calls Into Batches on). HTTP Request node as
  in B1, once with defaults and once with its setting "Retry On Fail" at its defaults (3 tries, 1000 ms
  apart); each of its cases runs once and is stopped after ${HTTP_CASE_LIMIT_MS / 1000} s (they end within seconds: the portal
  refuses what is over its limit at once). An HTTP Request node paced to the plan (its "Batching"
  option at 1 item per 500 ms) would need the one-call-per-line time (${fmt(oneCallPerLineS(B2_LINES), 0)} s for ${B2_LINES} lines) and was not run.
  Concurrent cases: workflows Webhook (POST, respond when the last node finishes) → Split Out
  (\`body.calls\`) → node, activated, \`n8n start\` in regular mode with \`N8N_CONCURRENCY_PRODUCTION_LIMIT=-1\`
  (no limit), one POST per business process carrying its lines, all POSTs fired at once. One-execution
  case: \`n8n execute\` of ${B2_LINES} items, the processes' lines interleaved (every process's first line, then
  every second line, …), the hardest order for batching: a process's next line may not leave while
  the request with its previous line is unanswered.
  Bounds: the bucket takes ${STANDARD.burst} requests at once, then ${STANDARD.drainPerSecond}/s; one call per line needs (N − ${STANDARD.burst}) / ${STANDARD.drainPerSecond} s,
  batches of ${BATCH_SIZE} need (N / ${BATCH_SIZE} − ${STANDARD.burst}) / ${STANDARD.drainPerSecond} s (${fmt(batchedBoundS(B4_LINES), 0)} s for ${B4_LINES} lines).
- **B3**: tarball size from \`npm pack\`; installed size summed over the files of the unpacked package folder
  in the n8n user folder after the install n8n does (\`npm install\` without dev/peer dependencies); load
  time: a fresh Node 24 process requires n8n-workflow (n8n has it loaded anyway), then times
  \`require()\` of every file listed under \`n8n.nodes\` and \`n8n.credentials\` plus constructing the
  exported classes (what n8n's loader does); readiness: \`n8n start\` until \`/rest/settings\` answers,
  with the package installed and with it moved out of the same user folder, alternating, two starts
  each, before any workflow is active.
`;
	return { tables, markdown };
}

/** Writes docs/benchmarks.md, keeping the sections other benchmarks write between their markers. */
function writeBenchmarksDoc(markdown) {
	const file = path.join(REPO, 'docs', 'benchmarks.md');
	// bench/queue.js writes its B5 and B6 sections and bench/lists.js's B7 is kept by hand: keep them.
	const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
	const kept = [/<!-- B5 queue mode[\s\S]*?<!-- end of B5 -->/, /<!-- B7 lists[\s\S]*?<!-- end of B7 -->/, /<!-- B6 burst[\s\S]*?<!-- end of B6 -->/].map((marker) => marker.exec(current)?.[0]).filter(Boolean);
	const queueSection = kept.length ? kept.join('\n\n') : undefined;
	fs.writeFileSync(file, queueSection ? `${markdown}\n${queueSection}\n` : markdown);
}

module.exports = { loadAverages, render, writeBenchmarksDoc };
