// @ts-check
'use strict';
/**
 * B5 queue mode: the load of the queue-mode test (harness/queueLoad.js) with 1 worker and with 2
 * workers. n8n 2.x in queue mode (main, one webhook processor, N workers, Postgres, Redis; see
 * harness/queue-harness.js), the example workflow (Trigger -> Log -> Log -> Send Result) active, the
 * sandbox portal on the standard plan (burst 50, then 2 per second) starting P business processes
 * at once. Per case: time from the first handler call to the last result, executions per second,
 * the portal's REST calls and refusals (503 QUERY_LIMIT_EXCEEDED), and what landed (lost, doubled,
 * reordered). Prints the figures and writes them as the B5 section of docs/benchmarks.md (between
 * its markers; `npm run bench` keeps that section). Never asserts timings.
 *
 *   npm run bench:queue                   # = npm run build && node bench/queue.js
 *   node bench/queue.js [--processes=200] [--workers=1,2] [--lines=2] [--split-plan] [--no-write]
 *   node bench/queue.js --only=b6 [--lines=2,1] [--webhook-processors=1,2,0] [--header-auth] [--cpu-prof=<dir>]   # B6 only (bench/burst.js)
 *
 * B6 (bench/burst.js): 200 handler calls at once, the trigger against n8n's Webhook node, in queue
 * mode with 1 and 2 webhook processors and in the default mode (0); its own section of the file.
 * --header-auth adds n8n's Webhook node with Header Auth (a secret checked against a credential on
 * every call, the trigger's job) as a third workflow.
 *
 * --split-plan adds, for each case with several workers, one where the credential's plan is Custom
 * with the standard plan divided by the number of workers (what a user can set today so that the
 * workers together stay within the portal's limit).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { packPackage, REPO, PACKAGE_NAME } = require('../harness/n8n-harness');
const { createQueueCluster } = require('../harness/queue-harness');
const { postgresBinDir } = require('../harness/services');
const { startLoadPortal, installExample, exampleHandlerUrl, runLoad, describeLoad } = require('../harness/queueLoad');
const { runBurstCase, renderBurst, WARM_UP_CALLS } = require('./burst');
const { say, commandOutput } = require('./format');

const args = process.argv.slice(2);
const option = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const PROCESSES = Number(option('processes', process.env.QUEUE_LOAD_PROCESSES || 200));
const WORKERS = option('workers', '1,2').split(',').map(Number);
const LINES = option('lines', '2').split(',');
const WRITE = !args.includes('--no-write');
const SPLIT_PLAN = args.includes('--split-plan');
const HEADER_AUTH = args.includes('--header-auth');
const ONLY = option('only', 'b5,b6').split(',');
const WEBHOOK_PROCESSORS = option('webhook-processors', '1,2,0').split(',').map(Number);
/** `--n8n-env=K=V,K2=V2`: settings for every n8n process of B6 (e.g. N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true). */
const N8N_ENV = Object.fromEntries((option('n8n-env', '') || '').split(',').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
const B6_START = '<!-- B6 burst: written by bench/queue.js (npm run bench:queue --only=b6); npm run bench keeps it -->';
const B6_END = '<!-- end of B6 -->';
const WRITES_PER_PROCESS = 3;
const LIMIT = { burst: 50, drainPerSecond: 2 };
const LOWER_BOUND_S = Math.max(0, (PROCESSES * WRITES_PER_PROCESS - LIMIT.burst) / LIMIT.drainPerSecond);
/** The least time the portal's plan allows for a number of accepted requests. */
const planBoundS = (requests) => Math.max(0, (requests - LIMIT.burst) / LIMIT.drainPerSecond);
const LOAD_TIMEOUT_MS = (LOWER_BOUND_S * 3 + 300) * 1000;
const COMMAND = ['node bench/queue.js', ...args].join(' ');

const START = '<!-- B5 queue mode: written by bench/queue.js (npm run bench:queue); npm run bench keeps it -->';
const END = '<!-- end of B5 -->';

const fmt = (value, digits = 1) => (value === undefined || Number.isNaN(value) ? 'n/a' : Number(value).toFixed(digits));

/** The credential's plan for a case: Standard, or (split) Custom with the standard plan divided among the workers. */
function planFor(workers, split) {
	if (!split) return { label: 'Standard', fields: { portalPlan: 'standard' } };
	const burst = Math.floor(LIMIT.burst / workers);
	const drainPerSecond = LIMIT.drainPerSecond / workers;
	return { label: `Custom ${burst} / ${drainPerSecond} per s`, fields: { portalPlan: 'custom', rateLimitBurst: burst, rateLimitDrainPerSecond: drainPerSecond } };
}

/** One case: a fresh cluster with `workers` workers and a fresh portal (an empty bucket), the load. */
async function runCase(line, tarball, workers, split = false) {
	const plan = planFor(workers, split);
	say(`\n▶ n8n ${line}.x, ${workers} worker${workers > 1 ? 's' : ''}, credential plan ${plan.label}: ${PROCESSES} business processes at once`);
	const portal = await startLoadPortal({ maxLifetimeMs: LOAD_TIMEOUT_MS + 15 * 60 * 1000 });
	const cluster = await createQueueCluster({ line, tarball, workers, maxLifetimeMs: LOAD_TIMEOUT_MS + 15 * 60 * 1000 });
	try {
		await installExample(cluster, portal, plan.fields);
		const started = Date.now();
		await cluster.start();
		const startS = (Date.now() - started) / 1000;
		const handlerUrl = await exampleHandlerUrl(cluster);
		const figures = await runLoad({ cluster, portal, handlerUrl, processes: PROCESSES, timeoutMs: LOAD_TIMEOUT_MS, onProgress: (text) => say(`  ${text}`) });
		say(`  ${describeLoad(figures)}`);
		return { line, workers, plan: plan.label, version: cluster.version, startS, figures, outbound: cluster.main.outboundAttempts().length };
	} finally {
		await cluster.dispose();
		await portal.close();
	}
}

function machine() {
	return { nproc: commandOutput('nproc', []), load: os.loadavg().map((v) => v.toFixed(2)).join(', ') };
}

function render(results, totalS) {
	const m = machine();
	const rows = results.map(({ line, workers, plan, version, startS, figures }) => {
		const { portal } = figures;
		const refusedPct = portal.calls ? (portal.refused / portal.calls) * 100 : 0;
		const verdicts = figures.verdicts;
		return [
			`${version} (${line}.x), ${workers} worker${workers > 1 ? 's' : ''}, plan ${plan}`,
			`${figures.correct}/${figures.processes}`,
			`${verdicts.lost ?? 0} / ${verdicts.doubled ?? 0} / ${verdicts.reordered ?? 0} / ${verdicts.foreign ?? 0}`,
			`${figures.failedExecutions} of ${figures.executions}`,
			Object.values(figures.perWorker).join(' / '),
			fmt(figures.secondsToLastResult),
			fmt(planBoundS(portal.calls - portal.refused)),
			fmt(figures.executionsPerSecond, 2),
			`${portal.calls} / ${portal.refused} (${fmt(refusedPct)}%)`,
			`${fmt(figures.handlerAnswerS.median)} / ${fmt(figures.handlerAnswerS.slowest)}`,
			fmt(startS, 0),
		];
	});
	const header = [
		'case',
		'processes with their lines once, in order, and their result',
		'lost / doubled / reordered / foreign',
		'failed executions',
		'executions per worker',
		'first handler call to last result (s)',
		"the plan's least time for its accepted requests (s)",
		'executions per s',
		'portal REST calls / refused (503)',
		'handler answer, median / slowest (s)',
		'cluster start (s)',
	];
	const table = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
	const one = results.find((r) => r.workers === 1 && r.plan === 'Standard');
	const two = results.find((r) => r.workers === 2 && r.plan === 'Standard');
	const split = results.find((r) => r.workers === 2 && r.plan !== 'Standard');
	const reading = [];
	if (one && two) {
		const ratio = (two.figures.secondsToLastResult ?? NaN) / (one.figures.secondsToLastResult ?? NaN);
		const allOnce = results.every((r) => r.figures.correct === r.figures.processes);
		reading.push(
			`- Goal "2 workers no slower than 1, nothing lost, doubled or reordered": ${ratio <= 1.05 && allOnce ? 'met' : 'missed'} ` +
				`(2 workers / 1 worker = ${fmt(ratio, 2)} in time to the last result; ${allOnce ? 'every process once, in order' : 'some processes not once, in order'}). ` +
				`Where the difference comes from: the webhook processor answered the handler calls in ${fmt(two.figures.handlerAnswerS.median)} s (median) with 2 workers against ` +
				`${fmt(one.figures.handlerAnswerS.median)} s with 1 (one more n8n process on the same cores), and the plan's least time for the requests made was ` +
				`${fmt(planBoundS(two.figures.portal.calls - two.figures.portal.refused))} s against ${fmt(planBoundS(one.figures.portal.calls - one.figures.portal.refused))} s.`,
		);
		reading.push(
			`- Refusals: ${one.figures.portal.refused} of ${one.figures.portal.calls} calls with 1 worker, ${two.figures.portal.refused} of ${two.figures.portal.calls} with 2 ` +
				'(each worker has its own queue and rate-limit bucket; a refusal, which the portal makes without running the request, is sent again and halves that worker\'s share of the plan for a while). Goal for 2 workers: under 5% of calls.',
		);
	}
	if (split) {
		reading.push(
			`- 2 workers with the plan split between them (credential plan ${split.plan}): ${split.figures.portal.refused} of ${split.figures.portal.calls} calls refused, ` +
				`${fmt(split.figures.secondsToLastResult)} s to the last result, ${split.figures.correct}/${split.figures.processes} processes once, in order.`,
		);
	}
	reading.push(
		`- Bounds: each process writes ${WRITES_PER_PROCESS} times (Log, Log, Send Result); the portal takes ${LIMIT.burst} requests at once, then ${LIMIT.drainPerSecond} per second, ` +
			`so ${PROCESSES * WRITES_PER_PROCESS} writes as one call each would need at least (${PROCESSES * WRITES_PER_PROCESS} − ${LIMIT.burst}) / ${LIMIT.drainPerSecond} = ${fmt(LOWER_BOUND_S)} s. ` +
			'Combined into batches they need far fewer requests; "the plan\'s least time" is (accepted requests − 50) / 2 for the requests a case made.',
		`- Before the batch queue and the shared plan (one call per line, same load, 2.41.1, measured on 2026-12-01 with this script): 1 worker 287.8 s, 600 calls, 0 refused; ` +
			'2 workers 281.5 s, 1,115 calls, 515 refused (46.2%), executions split 179 / 21; 2 workers with the plan split in the credential 279.1 s, 600 calls, 0 refused.',
	);
	return `${START}
## B5 queue mode

Written by \`npm run bench:queue\` (\`${COMMAND}\`) on ${new Date().toISOString()}; \`nproc\` = ${m.nproc}, load average at the end ${m.load}; whole run ${fmt(totalS, 0)} s.
n8n in queue mode (\`harness/queue-harness.js\`): one main, one \`n8n webhook\` processor, 1 or 2 \`n8n worker\`s
(\`--concurrency=10\`), Postgres ${path.basename(path.dirname(postgresBinDir()))} and Redis (Debian's packages) on 127.0.0.1, a fresh cluster and a fresh portal per case.
The example workflow (Trigger → Log → Log → Send Result, webhook credential, plan Standard unless the case says otherwise) is active;
the sandbox portal (standard plan: burst ${LIMIT.burst}, ${LIMIT.drainPerSecond} per second) starts ${PROCESSES} business processes at once, each calling the
trigger's production URL on the webhook processor (the sandbox's parallel workers on: each REST call delayed 0-${results[0]?.figures.parallelWorkersMaxDelayMs} ms).
"Last result" is the time the portal wrote the last process's final line (Send Result). The machine
is shared and noisy: one run's figures.

${table}

${reading.join('\n')}
${END}
`;
}

/** Replaces a section of docs/benchmarks.md between its markers (or appends it). */
function writeSection(section, startMarker = START, endMarker = END, name = 'B5') {
	const file = path.join(REPO, 'docs', 'benchmarks.md');
	const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
	const start = current.indexOf(startMarker);
	const end = current.indexOf(endMarker);
	const next = start !== -1 && end > start ? `${current.slice(0, start)}${section.trimEnd()}${current.slice(end + endMarker.length)}` : `${current.trimEnd()}\n\n${section}`;
	fs.writeFileSync(file, next);
	say(`\nWrote the ${name} section of ${path.relative(REPO, file)}.`);
}

function renderB6(results, totalS) {
	const m = machine();
	return `${B6_START}
## B6 burst: the trigger against n8n's own Webhook node

Written by \`npm run bench:queue\` (\`${COMMAND}\`) on ${new Date().toISOString()}; \`nproc\` = ${m.nproc}, load average at the end ${m.load}; whole run ${fmt(totalS, 0)} s.
${PROCESSES} handler calls at once (the form a portal sends, genuine, distinct event tokens) to **Bitrix24 Bizproc Trigger → No Op**
(webhook credential with its Application Token) and to **n8n's Webhook node (Respond: Immediately) → No Op**${HEADER_AUTH ? ", and to n8n's Webhook node with **Header Auth** (its credential's secret checked on every call, the trigger's job) → No Op" : ''}, all active on
the same n8n. After ${WARM_UP_CALLS} warm-up calls to each, every workflow gets two measured bursts in A B B A order (each once early and once late,
so none gains from a warmed-up n8n or loses to a machine getting busier); each burst waits until the previous one's executions finished.
The figures pool both bursts; "median of each burst" shows how far they agree. Queue mode: one main, 1 or 2 \`n8n webhook\` processors (calls spread round-robin, as a load balancer does), 2 workers,
Postgres with \`DB_POSTGRESDB_POOL_SIZE=10\`; default mode: one \`n8n start\`, SQLite. The client gives each call 30 s. "Credential reads"
and "pool waits" are counted in every n8n process (bench/countDb.js: SELECTs on \`credentials_entity\`; pg-pool connects with every
connection busy) during that burst. The machine is shared and noisy: one run's figures.

${renderBurst(results, PROCESSES)}
${B6_END}
`;
}

async function main() {
	const began = Date.now();
	if (ONLY.includes('b5')) say(`B5 queue mode: ${PROCESSES} business processes at once, workers ${WORKERS.join(' and ')}, n8n line(s) ${LINES.join(', ')}; one call per write would need ${fmt(LOWER_BOUND_S)} s`);
	const tarball = packPackage();
	const results = [];
	const bursts = [];
	try {
		for (const line of ONLY.includes('b6') ? LINES : []) {
			for (const webhookProcessors of WEBHOOK_PROCESSORS) bursts.push(await runBurstCase({ line, tarball, packageName: PACKAGE_NAME, webhookProcessors, calls: PROCESSES, say, cpuProfileDir: option('cpu-prof', undefined), env: N8N_ENV, headerAuth: HEADER_AUTH }));
		}
		for (const line of ONLY.includes('b5') ? LINES : []) {
			for (const workers of WORKERS) {
				results.push(await runCase(line, tarball, workers));
				if (SPLIT_PLAN && workers > 1) results.push(await runCase(line, tarball, workers, true));
			}
		}
	} finally {
		fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
	}
	if (bursts.length) {
		const section = renderB6(bursts, (Date.now() - began) / 1000);
		say(`\n${section}`);
		if (WRITE) writeSection(section, B6_START, B6_END, 'B6');
	}
	if (!results.length) return;
	const section = render(results, (Date.now() - began) / 1000);
	say(`\n${section}`);
	if (WRITE) writeSection(section);
}

main().catch((error) => {
	process.stderr.write(`\nThe benchmark failed: ${error.stack ?? error.message}\n`);
	process.exitCode = 1;
});
