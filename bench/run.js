// @ts-check
'use strict';
/**
 * Benchmarks of the package inside a real n8n against the sandbox portal, all on 127.0.0.1:
 *
 *   B1 overhead   300 items through the Log node vs the same 300 calls through n8n's HTTP Request node
 *                 (portal limit off): node time per item, where it goes, HTTP calls made
 *   B2 burst      500 lines (50 business processes x 10 lines) at the standard plan (50 at once, then
 *                 2/s) with parallel workers: from 50 concurrent webhook executions and from one
 *                 `n8n execute`; Log node vs HTTP Request node: landed once, lost, duplicated, out of
 *                 order, HTTP calls, time from the first call to the last line
 *   B4 volume     5,000 lines (100 processes x 50 lines) from 100 concurrent executions at the standard
 *                 plan: all once and in order, time vs the batched bound
 *   B3 footprint  tarball and installed size, runtime dependencies, load time
 *
 * Prints figures and ratios and never asserts timings (the machine is shared and noisy). Writes
 * docs/benchmarks.md with the same tables. Run with `npm run bench` (builds first), or
 * `node bench/run.js` after `npm run build`.
 *
 *   node bench/run.js [--lines=2|1|2,1] [--only=b1,b2,b3,b4] [--no-write]
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startSandbox } = require('../sandbox');
const { createN8nInstance, packPackage, REPO } = require('../harness/n8n-harness');

const PACKAGE = require('../package.json');
const PACKAGE_NAME = PACKAGE.name;

const ALL_PARTS = ['b1', 'b2', 'b3', 'b4'];
const args = process.argv.slice(2);
const ONLY = (args.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? ALL_PARTS.join(',')).split(',');
const WRITE = !args.includes('--no-write');
/** `--cpu-prof=<dir>`: every n8n process writes a V8 CPU profile there, to see where a node's time goes. */
const CPU_PROFILE_DIR = args.find((a) => a.startsWith('--cpu-prof='))?.slice('--cpu-prof='.length);
const LINES = /** @type {Array<'1'|'2'>} */ ((args.find((a) => a.startsWith('--lines='))?.slice('--lines='.length) ?? '2').split(','));
const COMMAND = ['node bench/run.js', ...args].join(' ');
const RUN_DEADLINE_MS = LINES.length * 12 * 60 * 1000;

/** Bitrix24's standard plan, on the sandbox portal and in the credential: 50 requests at once, then 2 per second. */
const STANDARD = { burst: 50, drainPerSecond: 2 };
/** The portal's "parallel workers" for B2 and B4: each REST request waits a random 0..N ms before it runs. */
const WORKERS_MS = 40;
/** Commands the portal runs in one batch request. */
const BATCH_SIZE = 50;

const B1_ITEMS = 300;
const B1_ROUNDS = 5;
/** How the lines are spread: `processes` business processes with `linesPerProcess` lines each. */
const B2 = { processes: 50, linesPerProcess: 10 };
const B2_LINES = B2.processes * B2.linesPerProcess;
const B2_GOAL = { seconds: 5, calls: 15 };
const B4 = { processes: 100, linesPerProcess: 50 };
const B4_LINES = B4.processes * B4.linesPerProcess;
const B4_GOAL_RATIO = 1.1;
/** The least time the plan allows for `lines`: the burst's requests at once, then the drain rate. */
const boundS = (requests) => Math.max(0, requests - STANDARD.burst) / STANDARD.drainPerSecond;
const oneCallPerLineS = (lines) => boundS(lines);
const batchedBoundS = (lines) => boundS(Math.ceil(lines / BATCH_SIZE));
/** Each HTTP Request node case runs once, and is stopped if it has not ended by then (it ends within seconds). */
const HTTP_CASE_LIMIT_MS = 120_000;

const LOG_NODE = 'Bitrix24 Bizproc Log';
const HTTP_NODE = 'HTTP Request';
const CRED_OFF = { id: 'benchCredOff0001', name: 'Bitrix24 (bench, no client limit)', type: 'bitrix24WebhookApi' };
/** One credential per case on the standard plan: each case starts with an empty client-side bucket, as the portal's is emptied. */
const standardCredential = (n) => ({ id: `benchCredStd${String(n).padStart(4, '0')}`, name: `Bitrix24 (bench, standard plan ${n})`, type: 'bitrix24WebhookApi' });
const CRED_B2_ONE = standardCredential(1);
const CRED_B2_HOOKS = standardCredential(2);
const CRED_B4 = standardCredential(3);

const say = (text) => process.stdout.write(`${text}\n`);
const step = (text) => process.stdout.write(`\n▶ ${text}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (value, digits = 2) => (value === undefined || value === null || Number.isNaN(value) ? 'n/a' : Number(value).toFixed(digits));
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const seconds = (from, to) => (from !== undefined && to !== undefined ? (to - from) / 1000 : undefined);

// ---------------------------------------------------------------------------------------------
// Workflows

const manualTrigger = { parameters: {}, id: 'bench-start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] };

function webhookTrigger(pathName) {
	return {
		parameters: { httpMethod: 'POST', path: pathName, responseMode: 'lastNode', options: {} },
		id: `bench-webhook-${pathName}`,
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId: `bench-${pathName}`,
	};
}

/** Our node as a user sets it up: the token from the item (the default), the message from an expression, default options (batches on). */
function logNode(credential) {
	return {
		parameters: { authentication: 'webhook', logMessage: '={{ $json.text }}', options: {} },
		id: 'bench-log',
		name: LOG_NODE,
		type: `${PACKAGE_NAME}.bitrix24BizprocLog`,
		typeVersion: 1,
		position: [600, 0],
		credentials: { bitrix24WebhookApi: { id: credential.id, name: credential.name } },
	};
}

/**
 * n8n's HTTP Request node as a user of it would set it up for this call: POST to the webhook URL
 * (which holds the secret, so no authentication), JSON body from two fields. `retry` switches on the
 * node's own "Retry On Fail" setting with its defaults (3 tries, 1000 ms apart).
 */
function httpNode(webhookUrl, retry) {
	return {
		parameters: {
			method: 'POST',
			url: `${webhookUrl}bizproc.activity.log.json`,
			sendBody: true,
			contentType: 'json',
			specifyBody: 'keypair',
			bodyParameters: {
				parameters: [
					{ name: 'event_token', value: '={{ $json.event_token }}' },
					{ name: 'log_message', value: '={{ $json.text }}' },
				],
			},
			options: {},
		},
		id: 'bench-http',
		name: HTTP_NODE,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [600, 0],
		...(retry ? { retryOnFail: true, maxTries: 3, waitBetweenTries: 1000 } : {}),
	};
}

/**
 * Start → Set (raw JSON with the calls) → Split Out → node; or Webhook → Split Out (body.calls) → node.
 * @param {string} id
 * @param {{ calls?: any[], webhookPath?: string, node: any }} parts
 */
function workflow(id, { calls, webhookPath, node }) {
	const source = webhookPath
		? webhookTrigger(webhookPath)
		: { parameters: { mode: 'raw', jsonOutput: JSON.stringify({ calls }), options: {} }, id: 'bench-calls', name: 'Calls', type: 'n8n-nodes-base.set', typeVersion: 3.4, position: [200, 0] };
	const split = {
		parameters: { fieldToSplitOut: webhookPath ? 'body.calls' : 'calls', options: {} },
		id: 'bench-split',
		name: 'One item per call',
		type: 'n8n-nodes-base.splitOut',
		typeVersion: 1,
		position: [400, 0],
	};
	const nodes = webhookPath ? [source, split, node] : [manualTrigger, source, split, node];
	const connections = {
		[source.name]: { main: [[{ node: split.name, type: 'main', index: 0 }]] },
		[split.name]: { main: [[{ node: node.name, type: 'main', index: 0 }]] },
	};
	if (!webhookPath) connections.Start = { main: [[{ node: source.name, type: 'main', index: 0 }]] };
	return { id, name: `bench: ${id}`, active: false, nodes, connections, settings: { executionOrder: 'v1' } };
}

// ---------------------------------------------------------------------------------------------
// Lines, and counting what landed

/**
 * @typedef {{ workflowId: string, eventToken: string, lines: string[] }} BusinessProcess a waiting
 *   process (one event token) and the lines to write into it, in this order; every text is unique
 */

/** Starts `processes` waiting business processes with `linesPerProcess` lines each. @returns {BusinessProcess[]} */
function startProcesses(portal, { processes, linesPerProcess }, label) {
	return Array.from({ length: processes }, (_, p) => {
		const { eventToken, workflowId } = portal.issueEventToken({});
		return { workflowId, eventToken, lines: Array.from({ length: linesPerProcess }, (_, n) => `${label}: process ${p + 1}, line ${n + 1} of ${linesPerProcess}`) };
	});
}

/** The items (`event_token`, `text`) that write these processes' lines, each process's lines in order. */
function callsOf(processes) {
	return processes.flatMap((process) => process.lines.map((text) => ({ event_token: process.eventToken, text })));
}

/** One execution's items with the processes' lines interleaved: every process's line 1, then every line 2, ... */
function interleavedCalls(processes) {
	const longest = Math.max(...processes.map((process) => process.lines.length));
	return Array.from({ length: longest }, (_, n) => processes.filter((process) => n < process.lines.length).map((process) => ({ event_token: process.eventToken, text: process.lines[n] }))).flat();
}

/**
 * What the portal's log holds for these processes: each line landed once, never (lost) or more than
 * once (duplicated); a process is out of order when its lines, as written, are not in the order given.
 * @param {BusinessProcess[]} processes
 */
function countLanded(portal, processes) {
	const position = new Map(processes.flatMap((process) => process.lines.map((text, n) => [text, n])));
	/** @type {Map<string, number[]>} */
	const written = new Map(processes.map((process) => [process.workflowId, []]));
	/** @type {Map<string, number>} */
	const times = new Map();
	let firstAt;
	let lastAt;
	for (const line of portal.logLines()) {
		const positions = written.get(line.workflowId);
		if (!positions) continue;
		positions.push(position.get(line.message) ?? -1);
		times.set(line.message, (times.get(line.message) ?? 0) + 1);
		const at = Date.parse(line.time);
		firstAt = firstAt === undefined ? at : Math.min(firstAt, at);
		lastAt = lastAt === undefined ? at : Math.max(lastAt, at);
	}
	const counts = [...position.keys()].map((text) => times.get(text) ?? 0);
	const inOrder = (positions) => positions.every((p, n) => p >= 0 && (n === 0 || p > positions[n - 1]));
	return {
		expected: position.size,
		once: counts.filter((c) => c === 1).length,
		lost: counts.filter((c) => c === 0).length,
		duplicated: counts.filter((c) => c > 1).length,
		extraLines: counts.reduce((sum, c) => sum + Math.max(0, c - 1), 0),
		processes: processes.length,
		outOfOrder: [...written.values()].filter((positions) => !inOrder(positions)).length,
		firstAt,
		lastAt,
	};
}

/** The REST requests the portal received since its journal was cleared: plain calls, batches (and their commands), refusals. */
function portalCalls(portal) {
	const requests = portal.journal().filter((entry) => entry.path.startsWith('/rest/'));
	const batches = requests.filter((entry) => entry.restMethod === 'batch');
	const accepted = requests
		.filter((entry) => entry.status === 200)
		.map((entry) => Date.parse(entry.at))
		.sort((a, b) => a - b);
	const afterBurst = accepted.slice(STANDARD.burst - 1);
	// The portal's bucket replayed over the accepted requests: time it stood empty between the first and
	// the last, draining nothing. The last request cannot arrive before (N − burst) / drain + that time.
	let level = 0;
	let idleMs = 0;
	accepted.forEach((at, n) => {
		if (n > 0) {
			const drainedMs = (level / STANDARD.drainPerSecond) * 1000;
			const gapMs = at - accepted[n - 1];
			idleMs += Math.max(0, gapMs - drainedMs);
			level = Math.max(0, level - (gapMs / 1000) * STANDARD.drainPerSecond);
		}
		level += 1;
	});
	return {
		total: requests.length,
		plain: requests.filter((entry) => entry.restMethod === 'bizproc.activity.log').length,
		batches: batches.length,
		commands: batches.reduce((sum, entry) => sum + (entry.batchCommands ?? 0), 0),
		largestBatch: Math.max(0, ...batches.map((entry) => entry.batchCommands ?? 0)),
		refused: requests.filter((entry) => entry.error === 'QUERY_LIMIT_EXCEEDED').length,
		otherFailures: requests.filter((entry) => entry.status !== 200 && entry.error !== 'QUERY_LIMIT_EXCEEDED').length,
		firstAt: requests.length ? Math.min(...requests.map((entry) => Date.parse(entry.at))) : undefined,
		lastAt: requests.length ? Math.max(...requests.map((entry) => Date.parse(entry.at))) : undefined,
		/** Seconds the portal's bucket (at the standard plan) stood empty while no request came. */
		bucketIdleS: idleMs / 1000,
		/** Requests the portal accepted per second after the burst: its drain rate when the bucket is the limit. */
		drainPerSecond: afterBurst.length > 1 ? (afterBurst.length - 1) / ((afterBurst[afterBurst.length - 1] - afterBurst[0]) / 1000) : undefined,
	};
}

/** "12 (2 plain + 10 batches of 500 commands) / 0 refused" */
function callsCell(calls) {
	const parts = [calls.plain ? `${calls.plain} plain` : '', calls.batches ? `${calls.batches} batch${calls.batches === 1 ? '' : 'es'} (${calls.commands} commands)` : ''].filter(Boolean);
	return `${calls.total}${parts.length ? ` = ${parts.join(' + ')}` : ''}; ${calls.refused} refused${calls.otherFailures ? `, ${calls.otherFailures} other failures` : ''}`;
}

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

// ---------------------------------------------------------------------------------------------
// B3 load time

/** Times require() + construction of every node and credential file, in fresh Node 24 processes. */
function measureLoadTime(n8n, packageDir, rounds = 5) {
	const files = [...PACKAGE.n8n.nodes, ...PACKAGE.n8n.credentials].map((file) => path.join(packageDir, file));
	const script = `
		const t0 = process.hrtime.bigint();
		require('n8n-workflow');
		const t1 = process.hrtime.bigint();
		for (const file of ${JSON.stringify(files)}) {
			const exported = require(file);
			for (const value of Object.values(exported)) if (typeof value === 'function') new value();
		}
		const t2 = process.hrtime.bigint();
		process.stdout.write(JSON.stringify({ workflow: Number(t1 - t0) / 1e6, ours: Number(t2 - t1) / 1e6 }));`;
	const samples = [];
	for (let n = 0; n < rounds; n++) {
		const out = execFileSync(n8n.n8n.nodeBin, ['-e', script], {
			cwd: packageDir,
			env: { ...process.env, NODE_PATH: path.dirname(n8n.n8n.n8nDir) },
			encoding: 'utf8',
			timeout: 60_000,
		});
		samples.push(JSON.parse(out));
	}
	return { files: files.length, oursMs: median(samples.map((s) => s.ours)), n8nWorkflowMs: median(samples.map((s) => s.workflow)) };
}

function dirSize(dir) {
	let total = 0;
	let count = 0;
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) {
			const sub = dirSize(full);
			total += sub.bytes;
			count += sub.files;
		} else if (entry.isFile()) {
			total += fs.statSync(full).size;
			count += 1;
		}
	}
	return { bytes: total, files: count };
}

/**
 * `n8n start` until its REST API answers, alternating with the package installed and moved out of
 * the user folder (and out of .n8n/nodes/package.json); the package is back in place afterwards.
 */
async function measureReadiness(n8n, packageDir, pairs = 2) {
	const nodesManifest = path.join(n8n.userFolder, '.n8n', 'nodes', 'package.json');
	const installedManifest = fs.readFileSync(nodesManifest, 'utf8');
	const aside = path.join(n8n.userFolder, 'package-aside');
	const timedStart = async () => {
		const started = Date.now();
		await n8n.start();
		const seconds = (Date.now() - started) / 1000;
		await n8n.stop();
		return seconds;
	};
	const withPackage = [];
	const withoutPackage = [];
	for (let n = 0; n < pairs; n++) {
		withPackage.push(await timedStart());
		fs.renameSync(packageDir, aside);
		fs.writeFileSync(nodesManifest, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }));
		try {
			withoutPackage.push(await timedStart());
		} finally {
			fs.renameSync(aside, packageDir);
			fs.writeFileSync(nodesManifest, installedManifest);
		}
	}
	return { startWithS: median(withPackage), startWithoutS: median(withoutPackage), startSamples: { with: withPackage, without: withoutPackage } };
}

// ---------------------------------------------------------------------------------------------

async function main() {
	const began = Date.now();
	/** @type {{ static: any, lines: Array<{ line: string } & Record<string, any>>, totalS?: number, loadBefore: string, loadAfter?: string }} */
	const results = { static: {}, lines: [], loadBefore: loadAverages() };
	let portal;
	let tarball = '';
	const deadline = setTimeout(() => {
		process.stderr.write('\nThe benchmark ran past its time limit; stopping everything.\n');
		Promise.allSettled([...running].map((n8n) => n8n.dispose()).concat(portal ? [portal.close()] : [])).finally(() => process.exit(2));
	}, RUN_DEADLINE_MS);
	deadline.unref();

	try {
		step('Packing the package (run `npm run build` first) and starting the sandbox portal');
		tarball = packPackage();
		results.static.tarballBytes = fs.statSync(tarball).size;
		results.static.runtimeDependencies = Object.keys(/** @type {{ dependencies?: object }} */ (PACKAGE).dependencies ?? {}).length;
		portal = await startSandbox({ rateLimit: false, maxRequests: 100_000, maxLifetimeMs: RUN_DEADLINE_MS });
		for (const line of LINES) results.lines.push(await runLine(line, tarball, portal));
	} finally {
		clearTimeout(deadline);
		await portal?.close();
		if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
	}
	results.totalS = (Date.now() - began) / 1000;
	results.loadAfter = loadAverages();

	const report = render(results);
	step('Results');
	say(report.tables);
	if (WRITE && ALL_PARTS.every((part) => ONLY.includes(part))) {
		const file = path.join(REPO, 'docs', 'benchmarks.md');
		// bench/queue.js writes its B5 and B6 sections and bench/lists.js's B7 is kept by hand: keep them.
		const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
		const kept = [/<!-- B5 queue mode[\s\S]*?<!-- end of B5 -->/, /<!-- B7 lists[\s\S]*?<!-- end of B7 -->/, /<!-- B6 burst[\s\S]*?<!-- end of B6 -->/].map((marker) => marker.exec(current)?.[0]).filter(Boolean);
		const queueSection = kept.length ? kept.join('\n\n') : undefined;
		fs.writeFileSync(file, queueSection ? `${report.markdown}\n${queueSection}\n` : report.markdown);
		say(`\nWrote docs/benchmarks.md (whole run ${fmt(results.totalS, 0)} s).`);
	}
}

/** @type {Set<any>} the n8n instances alive now, for the time limit */
const running = new Set();

/**
 * Every part in one fresh n8n of this line.
 * @param {string} line
 * @param {string} tarball
 * @param {any} portal
 */
async function runLine(line, tarball, portal) {
	/** @type {{ line: string } & Record<string, any>} */
	const results = { line, b1: undefined, b2: undefined, b4: undefined, b3: {} };
	let n8n;
	const countDir = fs.mkdtempSync(path.join(os.tmpdir(), 'b24-bench-expr-'));
	try {
		step(`Installing it into a fresh n8n ${line}.x user folder, as n8n installs community packages`);
		n8n = await createN8nInstance({
			line,
			tarball,
			maxLifetimeMs: RUN_DEADLINE_MS,
			env: {
				EXECUTIONS_MODE: 'regular',
				N8N_CONCURRENCY_PRODUCTION_LIMIT: '-1',
				BENCH_EXPRESSION_COUNT_DIR: countDir,
			},
		});
		// After the harness's own preload (its network guard), not instead of it.
		n8n.env.NODE_OPTIONS = `${n8n.env.NODE_OPTIONS ?? ''} --require=${path.join(__dirname, 'countExpressions.js')}${CPU_PROFILE_DIR ? ` --cpu-prof --cpu-prof-dir=${CPU_PROFILE_DIR}` : ''}`.trim();
		running.add(n8n);
		n8n.env.BENCH_N8N_DIR = n8n.n8n.n8nDir;
		say(`  n8n ${n8n.version}, Node ${execFileSync(n8n.n8n.nodeBin, ['--version'], { encoding: 'utf8' }).trim()}`);
		const packageDir = n8n.package?.dir ?? path.join(n8n.userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME);
		const installed = dirSize(packageDir);
		Object.assign(results.b3, { installedBytes: installed.bytes, installedFiles: installed.files, nodeModules: fs.existsSync(path.join(packageDir, 'node_modules')) ? fs.readdirSync(path.join(packageDir, 'node_modules')).length : 0 });
		if (ONLY.includes('b3')) {
			results.b3.load = measureLoadTime(n8n, packageDir);
			say(`  load: ${fmt(results.b3.load.oursMs)} ms for ${results.b3.load.files} files (n8n-workflow itself: ${fmt(results.b3.load.n8nWorkflowMs)} ms)`);
		}

		const standardData = { webhookUrl: portal.webhookUrl, portalPlan: 'standard' };
		await n8n.importCredentials([
			{ ...CRED_OFF, data: { webhookUrl: portal.webhookUrl, portalPlan: 'off' } },
			{ ...CRED_B2_ONE, data: standardData },
			{ ...CRED_B2_HOOKS, data: standardData },
			{ ...CRED_B4, data: standardData },
		]);

		// Every workflow is imported at once: each n8n CLI call boots n8n.
		const toImport = [];
		/** @type {Array<{ side: 'log'|'http', id: string, processes: BusinessProcess[] }>} */
		const b1Runs = [];
		if (ONLY.includes('b1')) {
			for (let round = 0; round < B1_ROUNDS; round++) {
				for (const side of /** @type {const} */ (['log', 'http'])) {
					const id = `bench1${side}${round}`.padEnd(16, '0');
					const processes = startProcesses(portal, { processes: B1_ITEMS, linesPerProcess: 1 }, id);
					b1Runs.push({ side, id, processes });
					toImport.push(workflow(id, { calls: callsOf(processes), node: side === 'log' ? logNode(CRED_OFF) : httpNode(portal.webhookUrl, false) }));
				}
			}
		}
		const b2Variants = (credential) => [
			{ key: 'log', label: 'Log node (plan standard, batches on)', node: () => logNode(credential) },
			{ key: 'http', label: 'HTTP Request node, defaults', node: () => httpNode(portal.webhookUrl, false) },
			{ key: 'httpRetry', label: 'HTTP Request node, Retry On Fail (3 tries, 1000 ms)', node: () => httpNode(portal.webhookUrl, true) },
		];
		/** @type {Array<{ key: string, label: string, id: string, processes: BusinessProcess[] }>} */
		const b2Single = [];
		/** @type {Array<{ key: string, label: string, id: string, path: string }>} */
		const b2Hooks = [];
		if (ONLY.includes('b2')) {
			for (const [n, variant] of b2Variants(CRED_B2_ONE).entries()) {
				const id = `bench2one${n}`.padEnd(16, '0');
				const processes = startProcesses(portal, B2, id);
				b2Single.push({ key: variant.key, label: variant.label, id, processes });
				toImport.push(workflow(id, { calls: interleavedCalls(processes), node: variant.node() }));
			}
			for (const [n, variant] of b2Variants(CRED_B2_HOOKS).entries()) {
				const id = `bench2hook${n}`.padEnd(16, '0');
				const hookPath = `bench-b2-${variant.key.toLowerCase()}`;
				b2Hooks.push({ key: variant.key, label: variant.label, id, path: hookPath });
				toImport.push(workflow(id, { webhookPath: hookPath, node: variant.node() }));
			}
		}
		const b4Hook = { key: 'log', label: 'Log node (plan standard, batches on)', id: 'bench4hook000000', path: 'bench-b4-log' };
		if (ONLY.includes('b4')) toImport.push(workflow(b4Hook.id, { webhookPath: b4Hook.path, node: logNode(CRED_B4) }));
		if (toImport.length) await n8n.importWorkflow(toImport);

		if (ONLY.includes('b1')) {
			step(`B1 overhead: ${B1_ITEMS} items, Log node vs HTTP Request node, ${B1_ROUNDS} rounds alternating, portal limit off`);
			portal.setRateLimit(false);
			portal.setParallelWorkers(0);
			const samples = { log: [], http: [] };
			for (const run of b1Runs) {
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
			results.b1 = { log: summary('log'), http: summary('http') };
			results.b1.ratio = results.b1.log.nodeMs / results.b1.http.nodeMs;
			results.b1.wallRatio = results.b1.log.wallS / results.b1.http.wallS;
		}

		if (ONLY.includes('b2')) {
			step(`B2 burst, one execution: ${B2_LINES} items (${B2.processes} processes x ${B2.linesPerProcess} lines, interleaved) in one \`n8n execute\`, standard plan, parallel workers 0-${WORKERS_MS} ms`);
			portal.setParallelWorkers(WORKERS_MS);
			results.b2 = { single: [], hooks: [] };
			for (const run of b2Single) {
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
				results.b2.single.push(row);
				say(`  ${run.label}: ${describeRow(row)}; node ${fmt(row.nodeS, 1)} s, its first call ${fmt(row.leadInS, 1)} s after it started; execute ${fmt(wallS, 1)} s; ${stored.status}${stored.error ? ` (${stored.error})` : ''}`);
				await sleep(500);
			}
		}

		// Before any workflow is active, so that both starts have the same work to do.
		if (ONLY.includes('b3')) {
			step('B3 footprint: `n8n start` readiness with and without the package (alternating, 2 each)');
			Object.assign(results.b3, await measureReadiness(n8n, packageDir));
			say(`  ready after ${fmt(results.b3.startWithS, 1)} s with the package, ${fmt(results.b3.startWithoutS, 1)} s without (medians)`);
		}

		if (ONLY.includes('b2') || ONLY.includes('b4')) {
			const hooks = [...b2Hooks, ...(ONLY.includes('b4') ? [b4Hook] : [])];
			for (const hook of hooks) await n8n.activateWorkflow(hook.id);
			await n8n.start();
			try {
				portal.setParallelWorkers(WORKERS_MS);
				if (ONLY.includes('b2')) {
					step(`B2 burst, concurrent executions: ${B2.processes} webhook calls at once, each one business process's ${B2.linesPerProcess} lines, under \`n8n start\``);
					for (const hook of b2Hooks) {
						const row = await runConcurrent(n8n, portal, hook, B2, hook.key === 'log' ? 180_000 : HTTP_CASE_LIMIT_MS);
						results.b2.hooks.push(row);
						say(`  ${hook.label}: ${describeRow(row)}; first call ${fmt(row.leadInS, 1)} s after the first POST; ${row.failedExecutions}/${row.executions} executions failed${row.errors.length ? ` (${row.errors.join('; ')})` : ''}`);
						await sleep(500);
					}
				}
				if (ONLY.includes('b4')) {
					step(`B4 volume: ${B4.processes} webhook calls at once, each one business process's ${B4.linesPerProcess} lines (${B4_LINES} lines), under \`n8n start\``);
					const row = await runConcurrent(n8n, portal, b4Hook, B4, 300_000);
					results.b4 = { ...row, boundS: batchedBoundS(B4_LINES), ratio: row.spanS === undefined ? undefined : row.spanS / batchedBoundS(B4_LINES) };
					say(`  ${b4Hook.label}: ${describeRow(row)}; ${fmt(results.b4.ratio)} x the batched bound of ${fmt(results.b4.boundS, 1)} s; first call ${fmt(row.leadInS, 1)} s after the first POST; ${row.failedExecutions}/${row.executions} executions failed${row.errors.length ? ` (${row.errors.join('; ')})` : ''}`);
				}
			} finally {
				await n8n.stop();
			}
		}

		results.n8nVersion = n8n.version;
		results.nodeVersion = execFileSync(n8n.n8n.nodeBin, ['--version'], { encoding: 'utf8' }).trim();
	} finally {
		await n8n?.dispose();
		running.delete(n8n);
		fs.rmSync(countDir, { recursive: true, force: true });
	}
	return results;
}

function describeRow(row) {
	return `${row.landed.once}/${row.landed.expected} once, ${row.landed.lost} lost, ${row.landed.duplicated} duplicated, ${row.landed.outOfOrder}/${row.landed.processes} processes out of order; HTTP calls ${callsCell(row.calls)}; first call to last line ${fmt(row.spanS, 1)} s`;
}

/**
 * One execution per business process, all webhook POSTs fired at once, each with its process's
 * lines as items; the portal at the standard plan (an empty bucket). Measured from the portal's
 * journal and log once every POST is answered.
 */
async function runConcurrent(n8n, portal, hook, shape, timeoutMs) {
	const url = `${n8n.baseUrl}/webhook/${hook.path}`;
	portal.setRateLimit(false);
	await waitForWebhook(url);
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

async function waitForWebhook(url, timeoutMs = 60_000) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		// An empty list of calls runs the workflow up to Split Out, which has nothing to split.
		const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"calls":[]}' });
		await response.arrayBuffer();
		if (response.status !== 404) return;
		await sleep(250);
	}
	throw new Error(`webhook ${url} was not registered within ${timeoutMs} ms`);
}

// ---------------------------------------------------------------------------------------------
// Report

/** "2.1, 3.4, 3.0" (1, 5, 15 minutes) */
function loadAverages() {
	return os.loadavg().map((value) => value.toFixed(1)).join(', ');
}

function machine() {
	const cmd = (command, commandArgs) => {
		try {
			return execFileSync(command, commandArgs, { encoding: 'utf8' }).replace(/\s+$/, '');
		} catch {
			return 'n/a';
		}
	};
	return {
		nproc: cmd('nproc', []),
		free: cmd('free', ['-h']),
		kernel: cmd('uname', ['-r']),
		cpu: os.cpus()[0]?.model ?? 'n/a',
	};
}

/** One n8n line's tables. */
function renderLine(results, statics) {
	const lines = [`### n8n ${results.n8nVersion} (${results.line}.x line), run on Node ${results.nodeVersion}`, ''];
	const table = (header, rows) => {
		lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
		for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
		lines.push('');
	};
	const { b1, b2, b4 } = results;
	const b3 = { ...statics, ...results.b3 };
	const landedCells = (landed) => [`${landed.once} / ${landed.expected}`, String(landed.lost), `${landed.duplicated} (+${landed.extraLines} lines)`, `${landed.outOfOrder} / ${landed.processes}`];
	if (b1) {
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
	}
	if (b2) {
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
	}
	if (b4) {
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
	}
	if (b3.tarballBytes !== undefined && (b3.load || b3.startWithS !== undefined)) {
		lines.push('#### B3 footprint', '');
		const rows = [
			['packed tarball (`npm pack`)', `${kib(b3.tarballBytes)} (${b3.tarballBytes} bytes)`],
			['installed package folder (`.n8n/nodes/node_modules/' + PACKAGE_NAME + '`)', b3.installedBytes !== undefined ? `${kib(b3.installedBytes)} in ${b3.installedFiles} files; node_modules entries: ${b3.nodeModules}` : 'n/a'],
			['runtime dependencies (`dependencies` in package.json)', String(b3.runtimeDependencies)],
		];
		if (b3.load) {
			rows.push([`load time: require() and construct all ${b3.load.files} node and credential files, Node 24 (median of 5 fresh processes)`, `${fmt(b3.load.oursMs, 1)} ms (n8n-workflow itself, loaded before: ${fmt(b3.load.n8nWorkflowMs, 1)} ms)`]);
		}
		if (b3.startWithS !== undefined && b3.startWithoutS !== undefined) {
			rows.push([
				'`n8n start` until its REST API answers (no active workflows; 2 starts each, alternating; median; 0.5 s polling)',
				`${fmt(b3.startWithS, 1)} s with the package (${b3.startSamples.with.map((v) => fmt(v, 1)).join(', ')}), ${fmt(b3.startWithoutS, 1)} s without (${b3.startSamples.without.map((v) => fmt(v, 1)).join(', ')})`,
			]);
		}
		table(['', ''], rows);
	}
	return lines.join('\n');
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

function b4Met(b4) {
	return b4.landed.once === b4.landed.expected && b4.landed.outOfOrder === 0 && b4.ratio !== undefined && b4.ratio <= B4_GOAL_RATIO;
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
	return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((cells) => `| ${cells.join(' | ')} |`), ''].join('\n');
}

function render(results) {
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
${COMMAND}   # this run
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

/** What the figures say, in words, with this line's numbers. */
function findings({ b1, b2, b4, n8nVersion }) {
	const out = [];
	if (b1) {
		const evaluations = (side) => (b1[side].evaluationsPerItem.token + b1[side].evaluationsPerItem.text) * B1_ITEMS;
		const msPerEvaluation = (b1.log.expressionMs + b1.http.expressionMs) / (evaluations('log') + evaluations('http'));
		const reads = b1.log.credentialReadsPerItem;
		const restRatio = (b1.log.nodeMs - b1.log.expressionMs) / (b1.http.nodeMs - b1.http.expressionMs);
		out.push(
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
		);
	}
	if (b2) {
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
	}
	if (b4) {
		const atOnce = STANDARD.burst - 1;
		const clientBoundS = Math.max(0, Math.ceil(B4_LINES / BATCH_SIZE) - atOnce) / STANDARD.drainPerSecond;
		out.push(
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
		);
	}
	return out.join('\n');
}

main().catch((error) => {
	process.stderr.write(`\nThe benchmark failed: ${error.stack ?? error.message}\n`);
	process.exitCode = 1;
});
