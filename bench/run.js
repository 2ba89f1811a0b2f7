// @ts-check
'use strict';
/**
 * Benchmarks of the package inside a real n8n against the sandbox portal, all on 127.0.0.1:
 *
 *   B1 overhead   300 items through the Log node vs the same 300 calls through n8n's HTTP Request node
 *   B2 burst      500 lines at once under a 50 / 20 per s portal limit: 50 concurrent webhook executions
 *                 of 10 lines, and one `n8n execute` of 500 items; Log node vs HTTP Request node
 *   B3 footprint  tarball and installed size, runtime dependencies, load time
 *
 * Prints figures and ratios and never asserts timings (the machine is shared and noisy). Writes
 * docs/benchmarks.md with the same tables. Run with `npm run bench` (builds first), or
 * `node bench/run.js` after `npm run build`.
 *
 *   node bench/run.js [--lines=2|1|2,1] [--only=b1,b2,b3] [--no-write]
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startSandbox } = require('../test/sandbox');
const { createN8nInstance, packPackage, REPO } = require('../test/e2e/n8n-harness');

const PACKAGE = require('../package.json');
const PACKAGE_NAME = PACKAGE.name;

const args = process.argv.slice(2);
const ONLY = (args.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? 'b1,b2,b3').split(',');
const WRITE = !args.includes('--no-write');
/** `--cpu-prof=<dir>`: every n8n process writes a V8 CPU profile there, to see where a node's time goes. */
const CPU_PROFILE_DIR = args.find((a) => a.startsWith('--cpu-prof='))?.slice('--cpu-prof='.length);
const LINES = /** @type {Array<'1'|'2'>} */ ((args.find((a) => a.startsWith('--lines='))?.slice('--lines='.length) ?? '2').split(','));

const B1_ITEMS = 300;
const B1_ROUNDS = 3;
const B2_EXECUTIONS = 50;
const B2_LINES_PER_EXECUTION = 10;
const B2_LINES = B2_EXECUTIONS * B2_LINES_PER_EXECUTION;
const B2_LIMIT = { burst: 50, drainPerSecond: 20 };
const B2_LOWER_BOUND_S = (B2_LINES - B2_LIMIT.burst) / B2_LIMIT.drainPerSecond;
const COMMAND = ['node bench/run.js', ...args].join(' ');
const RUN_DEADLINE_MS = LINES.length * 9 * 60 * 1000;

const LOG_NODE = 'Bitrix24 Bizproc Log';
const HTTP_NODE = 'HTTP Request';
const CRED_OFF = { id: 'benchCredOff0001', name: 'Bitrix24 (bench, no client limit)', type: 'bitrix24WebhookApi' };
const CRED_CUSTOM = { id: 'benchCredCust001', name: 'Bitrix24 (bench, custom 50 / 20 per s)', type: 'bitrix24WebhookApi' };

const say = (text) => process.stdout.write(`${text}\n`);
const step = (text) => process.stdout.write(`\n▶ ${text}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (value, digits = 2) => (value === undefined || Number.isNaN(value) ? 'n/a' : Number(value).toFixed(digits));
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

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

/** Our node as a user sets it up: the token from the item (the default), the message from an expression. */
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

/** Start → Set (raw JSON with the calls) → Split Out → node; or Webhook → Split Out (body.calls) → node. */
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
// Counting what landed

/** Issues `count` waiting business processes and the calls that write one line into each. */
function issueCalls(portal, count, label) {
	return Array.from({ length: count }, (_, n) => {
		const { eventToken, workflowId } = portal.issueEventToken({});
		return { event_token: eventToken, text: `${label} line ${n}`, workflowId };
	});
}

/** Exactly once / lost / duplicated, per business process (each call has its own). */
function countLanded(portal, calls) {
	const perWorkflow = new Map(calls.map((call) => [call.workflowId, 0]));
	const times = [];
	for (const line of portal.logLines()) {
		if (!perWorkflow.has(line.workflowId)) continue;
		perWorkflow.set(line.workflowId, /** @type {number} */ (perWorkflow.get(line.workflowId)) + 1);
		times.push(Date.parse(line.time));
	}
	const counts = [...perWorkflow.values()];
	return {
		once: counts.filter((c) => c === 1).length,
		lost: counts.filter((c) => c === 0).length,
		duplicated: counts.filter((c) => c > 1).length,
		extraLines: counts.reduce((sum, c) => sum + Math.max(0, c - 1), 0),
		lines: times.length,
		firstAt: times.length ? Math.min(...times) : undefined,
		lastAt: times.length ? Math.max(...times) : undefined,
	};
}

/** Calls the portal saw, and how the accepted ones were spread: the burst, then the drain rate reached. */
function portalCalls(portal) {
	const calls = portal.journal().filter((entry) => entry.restMethod === 'bizproc.activity.log');
	const accepted = calls
		.filter((entry) => entry.status === 200)
		.map((entry) => Date.parse(entry.at))
		.sort((a, b) => a - b);
	const afterBurst = accepted.slice(B2_LIMIT.burst - 1);
	return {
		sent: calls.length,
		refused: calls.filter((entry) => entry.error === 'QUERY_LIMIT_EXCEEDED').length,
		burstAt: afterBurst.length ? afterBurst[0] : undefined,
		drainPerSecond: afterBurst.length > 1 ? (afterBurst.length - 1) / ((afterBurst[afterBurst.length - 1] - afterBurst[0]) / 1000) : undefined,
	};
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
	/** @type {{ static: any, lines: Array<{ line: string } & Record<string, any>>, totalS?: number }} */
	const results = { static: {}, lines: [] };
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
		results.static.runtimeDependencies = Object.keys(PACKAGE.dependencies ?? {}).length;
		portal = await startSandbox({ rateLimit: false, maxRequests: 100_000, maxLifetimeMs: RUN_DEADLINE_MS });
		for (const line of LINES) results.lines.push(await runLine(line, tarball, portal));
	} finally {
		clearTimeout(deadline);
		await portal?.close();
		if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
	}
	results.totalS = (Date.now() - began) / 1000;

	const report = render(results);
	step('Results');
	say(report.tables);
	if (WRITE && ONLY.length === 3) {
		const file = path.join(REPO, 'docs', 'benchmarks.md');
		// bench/queue.js writes its B5 section into the same file: keep it.
		const queueSection = fs.existsSync(file) ? /<!-- B5 queue mode[\s\S]*?<!-- end of B5 -->/.exec(fs.readFileSync(file, 'utf8'))?.[0] : undefined;
		fs.writeFileSync(file, queueSection ? `${report.markdown}\n${queueSection}\n` : report.markdown);
		say(`\nWrote docs/benchmarks.md (whole run ${fmt(results.totalS, 0)} s).`);
	}
}

/** @type {Set<any>} the n8n instances alive now, for the time limit */
const running = new Set();

/** B1, B2 and the line-dependent part of B3 in one fresh n8n of this line. */
async function runLine(line, tarball, portal) {
	/** @type {Record<string, any>} */
	const results = { line, b1: undefined, b2: undefined, b3: {} };
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

		await n8n.importCredentials([
			{ ...CRED_OFF, data: { webhookUrl: portal.webhookUrl, portalPlan: 'off' } },
			{ ...CRED_CUSTOM, data: { webhookUrl: portal.webhookUrl, portalPlan: 'custom', rateLimitBurst: B2_LIMIT.burst, rateLimitDrainPerSecond: B2_LIMIT.drainPerSecond } },
		]);

		// Every workflow is imported at once: each n8n CLI call boots n8n.
		const toImport = [];
		/** @type {Array<{ side: 'log'|'http', id: string, calls: any[] }>} */
		const b1Runs = [];
		if (ONLY.includes('b1')) {
			for (let round = 0; round < B1_ROUNDS; round++) {
				for (const side of /** @type {const} */ (['log', 'http'])) {
					const id = `bench1${side}${round}`.padEnd(16, '0');
					const calls = issueCalls(portal, B1_ITEMS, id);
					b1Runs.push({ side, id, calls });
					toImport.push(workflow(id, { calls: calls.map(({ workflowId, ...call }) => call), node: side === 'log' ? logNode(CRED_OFF) : httpNode(portal.webhookUrl, false) }));
				}
			}
		}
		const b2Variants = [
			{ key: 'log', label: 'Log node (plan custom 50 / 20 per s)', node: () => logNode(CRED_CUSTOM) },
			{ key: 'http', label: 'HTTP Request node, defaults', node: () => httpNode(portal.webhookUrl, false) },
			{ key: 'httpRetry', label: 'HTTP Request node, Retry On Fail (3 tries, 1000 ms)', node: () => httpNode(portal.webhookUrl, true) },
		];
		/** @type {Array<{ key: string, label: string, id: string, calls: any[] }>} */
		const b2Single = [];
		/** @type {Array<{ key: string, label: string, id: string, path: string }>} */
		const b2Hooks = [];
		if (ONLY.includes('b2')) {
			for (const [n, variant] of b2Variants.entries()) {
				const id = `bench2one${n}`.padEnd(16, '0');
				const calls = issueCalls(portal, B2_LINES, id);
				b2Single.push({ key: variant.key, label: variant.label, id, calls });
				toImport.push(workflow(id, { calls: calls.map(({ workflowId, ...call }) => call), node: variant.node() }));
				const hookId = `bench2hook${n}`.padEnd(16, '0');
				const hookPath = `bench-${variant.key.toLowerCase()}`;
				b2Hooks.push({ key: variant.key, label: variant.label, id: hookId, path: hookPath });
				toImport.push(workflow(hookId, { webhookPath: hookPath, node: variant.node() }));
			}
		}
		if (toImport.length) await n8n.importWorkflow(toImport);

		if (ONLY.includes('b1')) {
			step(`B1 overhead: ${B1_ITEMS} items, Log node vs HTTP Request node, ${B1_ROUNDS} rounds alternating, portal limit off`);
			portal.setRateLimit(false);
			const samples = { log: [], http: [] };
			for (const run of b1Runs) {
				portal.clearJournal();
				const started = Date.now();
				const result = await n8n.execute(run.id);
				const wallS = (Date.now() - started) / 1000;
				const stored = await storedRun(n8n, run.id, run.side === 'log' ? LOG_NODE : HTTP_NODE);
				const landed = countLanded(portal, run.calls);
				const expressions = takeExpressionCounts(countDir);
				const perItem = (expression) => (expressions.counts[expression] ?? 0) / B1_ITEMS;
				samples[run.side].push({
					executionTime: stored.executionTime,
					wallS,
					landed,
					status: stored.status,
					error: stored.error,
					exitCode: result.exitCode,
					evaluationsPerItem: { token: perItem('={{ $json.event_token }}'), text: perItem('={{ $json.text }}') },
					expressionMs: expressions.ms,
					credentialReadsPerItem: expressions.credentialReads / B1_ITEMS,
				});
				say(`  ${run.side.padEnd(4)} node ${fmt(stored.executionTime, 0)} ms (${fmt(stored.executionTime / B1_ITEMS, 3)} ms/item), execute ${fmt(wallS, 1)} s, ${fmt(expressions.ms, 0)} ms evaluating expressions, ${landed.once}/${B1_ITEMS} landed once, ${stored.status}${stored.error ? ` (${stored.error})` : ''}`);
			}
			const summary = (side) => ({
				nodeMs: median(samples[side].map((s) => s.executionTime)),
				perItemMs: median(samples[side].map((s) => s.executionTime)) / B1_ITEMS,
				wallS: median(samples[side].map((s) => s.wallS)),
				allLanded: samples[side].every((s) => s.landed.once === B1_ITEMS && s.status === 'success'),
				runs: samples[side].map((s) => s.executionTime),
				evaluationsPerItem: samples[side][samples[side].length - 1].evaluationsPerItem,
				expressionMs: median(samples[side].map((s) => s.expressionMs)),
				credentialReadsPerItem: samples[side][samples[side].length - 1].credentialReadsPerItem,
			});
			results.b1 = { log: summary('log'), http: summary('http') };
			results.b1.ratio = results.b1.log.nodeMs / results.b1.http.nodeMs;
			results.b1.wallRatio = results.b1.log.wallS / results.b1.http.wallS;
		}

		if (ONLY.includes('b2')) {
			step(`B2 burst, one execution: ${B2_LINES} items in one \`n8n execute\`, portal limit burst ${B2_LIMIT.burst}, drain ${B2_LIMIT.drainPerSecond}/s`);
			results.b2 = { single: [], hooks: [] };
			for (const run of b2Single) {
				portal.setRateLimit(B2_LIMIT); // an empty bucket for every run
				portal.clearJournal();
				const started = Date.now();
				const result = await n8n.execute(run.id);
				const wallS = (Date.now() - started) / 1000;
				const stored = await storedRun(n8n, run.id, run.key === 'log' ? LOG_NODE : HTTP_NODE);
				const landed = countLanded(portal, run.calls);
				const calls = portalCalls(portal);
				takeExpressionCounts(countDir);
				const row = {
					...run,
					calls: undefined,
					landed,
					portalCalls: calls,
					wallS,
					nodeS: stored.executionTime / 1000,
					firstLineS: landed.firstAt !== undefined && stored.startTime ? (landed.firstAt - stored.startTime) / 1000 : undefined,
					linesSpanS: landed.firstAt !== undefined ? (/** @type {number} */ (landed.lastAt) - landed.firstAt) / 1000 : undefined,
					burstS: calls.burstAt !== undefined && stored.startTime ? (calls.burstAt - stored.startTime) / 1000 : undefined,
					lastLineS: landed.lastAt !== undefined && stored.startTime ? (landed.lastAt - stored.startTime) / 1000 : undefined,
					status: stored.status,
					error: stored.error,
					exitCode: result.exitCode,
				};
				results.b2.single.push(row);
				say(`  ${run.label}: ${landed.once} once, ${landed.lost} lost, ${landed.duplicated} duplicated; ${calls.sent} calls, ${calls.refused} refused; node ${fmt(row.nodeS, 1)} s (first line, ${B2_LIMIT.burst}th accepted call, last line ${fmt(row.firstLineS, 1)}, ${fmt(row.burstS, 1)}, ${fmt(row.lastLineS, 1)} s after the node started, then ${fmt(calls.drainPerSecond, 1)} calls/s), execute ${fmt(wallS, 1)} s; ${stored.status}${stored.error ? ` (${stored.error})` : ''}`);
				await sleep(500);
			}

		}

		// Before any workflow is active, so that both starts have the same work to do.
		if (ONLY.includes('b3')) {
			step('B3 footprint: `n8n start` readiness with and without the package (alternating, 2 each)');
			Object.assign(results.b3, await measureReadiness(n8n, packageDir));
			say(`  ready after ${fmt(results.b3.startWithS, 1)} s with the package, ${fmt(results.b3.startWithoutS, 1)} s without (medians)`);
		}

		if (ONLY.includes('b2')) {
			step(`B2 burst, concurrent executions: ${B2_EXECUTIONS} webhook calls at once, ${B2_LINES_PER_EXECUTION} lines each, under \`n8n start\``);
			for (const hook of b2Hooks) await n8n.activateWorkflow(hook.id);
			await n8n.start();
			try {
				for (const hook of b2Hooks) {
					const url = `${n8n.baseUrl}/webhook/${hook.path}`;
					portal.setRateLimit(false);
					await waitForWebhook(url);
					const before = new Set((await n8n.readExecutions({ workflowId: hook.id })).map((execution) => execution.id));
					portal.setRateLimit(B2_LIMIT);
					portal.clearJournal();
					const calls = issueCalls(portal, B2_LINES, hook.id);
					const batches = Array.from({ length: B2_EXECUTIONS }, (_, n) => calls.slice(n * B2_LINES_PER_EXECUTION, (n + 1) * B2_LINES_PER_EXECUTION));
					const started = Date.now();
					const answers = await Promise.all(
						batches.map(async (batch) => {
							const response = await fetch(url, {
								method: 'POST',
								headers: { 'Content-Type': 'application/json' },
								body: JSON.stringify({ calls: batch.map(({ workflowId, ...call }) => call) }),
								signal: AbortSignal.timeout(180_000),
							});
							await response.arrayBuffer();
							return response.status;
						}),
					);
					const wallS = (Date.now() - started) / 1000;
					const executions = (await n8n.readExecutions({ workflowId: hook.id })).filter((execution) => !before.has(execution.id));
					const landed = countLanded(portal, calls);
					const failed = executions.filter((execution) => execution.status !== 'success');
					const calledPortal = portalCalls(portal);
					const row = {
						key: hook.key,
						label: hook.label,
						landed,
						portalCalls: calledPortal,
						burstS: calledPortal.burstAt !== undefined ? (calledPortal.burstAt - started) / 1000 : undefined,
						wallS,
						spanS: landed.lastAt !== undefined ? (landed.lastAt - started) / 1000 : undefined,
						firstLineS: landed.firstAt !== undefined ? (landed.firstAt - started) / 1000 : undefined,
						executions: executions.length,
						failedExecutions: failed.length,
						httpNotOk: answers.filter((status) => status !== 200).length,
						errors: [...new Set(failed.map((execution) => execution.data?.resultData?.error?.message ?? execution.status))],
					};
					results.b2.hooks.push(row);
					say(
						`  ${hook.label}: ${landed.once} once, ${landed.lost} lost, ${landed.duplicated} duplicated; ${row.portalCalls.sent} calls, ${row.portalCalls.refused} refused; ` +
							`${row.failedExecutions}/${row.executions} executions failed; first line, ${B2_LIMIT.burst}th accepted call, last line ${fmt(row.firstLineS, 1)}, ${fmt(row.burstS, 1)}, ${fmt(row.spanS, 1)} s after the first POST, then ${fmt(calledPortal.drainPerSecond, 1)} calls/s${row.errors.length ? ` (${row.errors.join('; ')})` : ''}`,
					);
					await sleep(500);
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

/** One n8n line's tables and what they say. */
function renderLine(results, statics) {
	const lines = [`### n8n ${results.n8nVersion} (${results.line}.x line), run on Node ${results.nodeVersion}`, ''];
	const table = (header, rows) => {
		lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
		for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
		lines.push('');
	};
	const { b1, b2 } = results;
	const b3 = { ...statics, ...results.b3 };
	if (b1) {
		lines.push(`#### B1 overhead: ${B1_ITEMS} items in one \`n8n execute\`, portal limit off (median of ${B1_ROUNDS}, alternating)`, '');
		table(
			['', 'Log node', 'HTTP Request node', 'Log / HTTP'],
			[
				['node execution time (ms)', fmt(b1.log.nodeMs, 0), fmt(b1.http.nodeMs, 0), fmt(b1.ratio)],
				['per item (ms)', fmt(b1.log.perItemMs, 3), fmt(b1.http.perItemMs, 3), fmt(b1.ratio)],
				['wall time of `n8n execute` (s)', fmt(b1.log.wallS, 1), fmt(b1.http.wallS, 1), fmt(b1.wallRatio)],
				['runs (node ms)', b1.log.runs.map((v) => fmt(v, 0)).join(', '), b1.http.runs.map((v) => fmt(v, 0)).join(', '), ''],
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
		const landedCells = (row) => [String(row.landed.once), String(row.landed.lost), `${row.landed.duplicated} (+${row.landed.extraLines} lines)`, `${row.portalCalls.sent} / ${row.portalCalls.refused}`];
		lines.push(`#### B2 burst: ${B2_LINES} lines at once, portal limit burst ${B2_LIMIT.burst}, drain ${B2_LIMIT.drainPerSecond}/s (bucket lower bound (N − burst) / drain = ${fmt(B2_LOWER_BOUND_S, 1)} s)`, '');
		lines.push(`${B2_EXECUTIONS} concurrent webhook executions (\`n8n start\`, Webhook → Split Out → node, ${B2_LINES_PER_EXECUTION} lines each, all POSTs fired at once):`, '');
		table(
			['node', 'landed once', 'lost', 'duplicated', 'calls sent / refused (503)', 'failed executions', `first line / ${B2_LIMIT.burst}th accepted call / last line, after the first POST (s)`, 'accepted calls per s after the burst', 'total (last line) vs lower bound'],
			b2.hooks.map((row) => [
				row.label,
				...landedCells(row),
				`${row.failedExecutions} / ${row.executions}`,
				`${fmt(row.firstLineS, 1)} / ${fmt(row.burstS, 1)} / ${fmt(row.spanS, 1)}`,
				fmt(row.portalCalls.drainPerSecond, 1),
				row.key === 'log' ? fmt(row.spanS / B2_LOWER_BOUND_S) : '',
			]),
		);
		lines.push(`One \`n8n execute\` of ${B2_LINES} items (Start → Set → Split Out → node):`, '');
		table(
			['node', 'landed once', 'lost', 'duplicated', 'calls sent / refused (503)', 'execution', `first line / ${B2_LIMIT.burst}th accepted call / last line, after the node started (s)`, 'accepted calls per s after the burst', 'node time (s)', 'node time vs lower bound', 'first to last line vs lower bound', 'wall time of `n8n execute` (s)'],
			b2.single.map((row) => [
				row.label,
				...landedCells(row),
				row.status === 'success' ? 'success' : `${row.status}: ${row.error ?? ''}`,
				`${fmt(row.firstLineS, 1)} / ${fmt(row.burstS, 1)} / ${fmt(row.lastLineS, 1)}`,
				fmt(row.portalCalls.drainPerSecond, 1),
				fmt(row.nodeS, 1),
				row.key === 'log' ? fmt(row.nodeS / B2_LOWER_BOUND_S) : '',
				row.key === 'log' ? fmt(row.linesSpanS / B2_LOWER_BOUND_S) : '',
				fmt(row.wallS, 1),
			]),
		);
		const logHook = b2.hooks.find((row) => row.key === 'log');
		const logSingle = b2.single.find((row) => row.key === 'log');
		const within = (ratio) => ratio !== undefined && ratio <= 1.1;
		lines.push(
			`Goal for the Log node, every line exactly once and the time within 10% of the lower bound: ` +
				`concurrent executions ${logHook && logHook.landed.once === B2_LINES && within(logHook.spanS / B2_LOWER_BOUND_S) ? 'met' : 'missed'} (${fmt(logHook?.spanS / B2_LOWER_BOUND_S)}), ` +
				`one execution ${logSingle && logSingle.landed.once === B2_LINES && within(logSingle.nodeS / B2_LOWER_BOUND_S) ? 'met' : 'missed'} (${fmt(logSingle?.nodeS / B2_LOWER_BOUND_S)}).`,
			'',
		);
	}
	if (b3) {
		lines.push('#### B3 footprint', '');
		const rows = [
			['packed tarball (`npm pack`)', b3.tarballBytes !== undefined ? `${kib(b3.tarballBytes)} (${b3.tarballBytes} bytes)` : 'n/a'],
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
	return { tables: lines.join('\n'), reading: findings(results) };
}

function render(results) {
	const sections = results.lines.map((line) => renderLine(line, results.static));
	const tables = sections.map((section) => section.tables).join('\n');
	const reading = results.lines.map((line, n) => `### n8n ${line.line}.x\n\n${sections[n].reading}\n`).join('\n');
	const m = machine();
	const markdown = `# Benchmarks

Written by \`npm run bench\` (\`npm run build && node bench/run.js\`); do not edit by hand, run it again.
Everything runs on 127.0.0.1: the sandbox portal (\`test/sandbox\`) and a real n8n installed by
\`test/e2e/n8n-install.js\`, with this package packed and installed the way n8n installs community
packages. The machine is shared and noisy: these are one run's figures, not guarantees.

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
node bench/run.js --only=b1,b3 --no-write   # a part, without touching this file
node bench/run.js --only=b1 --no-write --cpu-prof=/tmp/prof   # also a V8 CPU profile of every n8n process
\`\`\`

## Results

${tables}
## Reading the figures

${reading}
## How it is measured

- **B1**: one workflow Start → Set (raw JSON with ${B1_ITEMS} calls, each for its own business process) → Split
  Out → node, run with \`n8n execute\`; six runs, Log and HTTP alternating. The node's time is
  \`runData[node][0].executionTime\` of the stored execution (n8n's own figure for the node, without
  n8n's start-up); the wall time is the whole \`n8n execute\` process. Log node: webhook credential with
  plan "No Limit". HTTP Request node 4.2: POST to \`<webhook URL>bizproc.activity.log.json\`, JSON body from
  two fields (\`event_token\`, \`log_message\`), no authentication (the webhook URL holds the secret).
- **B2**: the sandbox's leaky bucket at burst ${B2_LIMIT.burst}, drain ${B2_LIMIT.drainPerSecond}/s, emptied before each case; every
  line is for its own business process and is counted per event token in the portal's log
  (landed once / lost = never / duplicated = more than once). Log node: webhook credential with plan
  Custom ${B2_LIMIT.burst} / ${B2_LIMIT.drainPerSecond} per s. HTTP Request node as in B1, once with defaults and once with the node setting
  "Retry On Fail" at its defaults (3 tries, 1000 ms apart). Concurrent case: workflows Webhook (POST,
  respond when the last node finishes) → Split Out (\`body.calls\`) → node, activated, \`n8n start\` in
  regular mode with \`N8N_CONCURRENCY_PRODUCTION_LIMIT=-1\` (no limit), ${B2_EXECUTIONS} POSTs fired at once; time from the
  first POST to the last line the portal wrote. One-execution case: \`n8n execute\` of ${B2_LINES} items; the time
  is the node's execution time. Lower bound: the bucket lets ${B2_LIMIT.burst} through at once, then ${B2_LIMIT.drainPerSecond}/s, so ${B2_LINES}
  lines need at least (${B2_LINES} − ${B2_LIMIT.burst}) / ${B2_LIMIT.drainPerSecond} = ${fmt(B2_LOWER_BOUND_S, 1)} s.
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

/** What the figures say, in words, with this run's numbers. */
function findings({ b1, b2, n8nVersion }) {
	const out = [];
	const refusalNote = (refused) =>
		refused > 0
			? ` ${refused} calls were refused (QUERY_LIMIT_EXCEEDED) and sent again, each line still landing once: a call leaves some time after its turn ` +
				'is booked, and when n8n is busy some leave late and arrive bunched, beyond the 5 calls of headroom; a refused call queues again at the end.'
			: ' No call was refused.';
	if (b1) {
		const evaluations = (side) => (b1[side].evaluationsPerItem.token + b1[side].evaluationsPerItem.text) * B1_ITEMS;
		const msPerEvaluation = (b1.log.expressionMs + b1.http.expressionMs) / (evaluations('log') + evaluations('http'));
		const reads = b1.log.credentialReadsPerItem;
		out.push(
			`- **B1, Log / HTTP = ${fmt(b1.ratio)}** (goal ≤ 1.00: ${b1.ratio <= 1 ? 'met' : 'missed'}). Per item the Log node evaluates each of its two ` +
				`expressions ${fmt(b1.log.evaluationsPerItem.token, 0)} times, the HTTP Request node ${fmt(b1.http.evaluationsPerItem.token, 0)} time. n8n's declarative routing ` +
				'(`RoutingNode.runNode` in n8n-core) resolves every property of the node for each item before any hook of the node runs' +
				(b1.log.evaluationsPerItem.token >= 3 ? ', and all of them once more in `resolveBaseUrl` (its check whether the base URL belongs to the node)' : '') +
				"; the node's preSend then reads the field once (a field routed with `routing.send` would be read twice more). " +
				`An evaluation costs about ${fmt(msPerEvaluation, 2)} ms here (n8n ${n8nVersion}'s default expression engine): ` +
				`${fmt(b1.log.expressionMs, 0)} ms of the Log node's ${fmt(b1.log.nodeMs, 0)} ms, against ${fmt(b1.http.expressionMs, 0)} ms of the HTTP Request node's ${fmt(b1.http.nodeMs, 0)} ms. ` +
				`The rest takes ${fmt(b1.log.nodeMs - b1.log.expressionMs, 0)} against ${fmt(b1.http.nodeMs - b1.http.expressionMs, 0)} ms = ${fmt((b1.log.nodeMs - b1.log.expressionMs) / (b1.http.nodeMs - b1.http.expressionMs))}; ` +
				`the credential is read from the database ${fmt(reads * B1_ITEMS, 0)} times in ${B1_ITEMS} items (webhook calls skip n8n's authenticated request, which would read it for every call). ` +
				'These costs are per item, so the ratio does not shrink with more items. No declarative node can evaluate a field fewer times; ' +
				'a programmatic `execute()` node would evaluate each field once per item.',
		);
	}
	if (b2) {
		const logHook = b2.hooks.find((row) => row.key === 'log');
		const logSingle = b2.single.find((row) => row.key === 'log');
		if (logHook) {
			const ratio = logHook.spanS / B2_LOWER_BOUND_S;
			out.push(
				`- **B2, ${B2_EXECUTIONS} concurrent executions, Log node**: ${logHook.landed.once} of ${B2_LINES} lines exactly once, ${logHook.landed.lost} lost, ${logHook.landed.duplicated} duplicated, ` +
					`${logHook.failedExecutions} executions failed; the last line ${fmt(logHook.spanS, 1)} s after the first POST = ${fmt(ratio)} × the lower bound ` +
					`(goal within 10%: ${ratio <= 1.1 ? 'met' : 'missed'}). The first line landed ${fmt(logHook.firstLineS, 1)} s after the first POST (n8n taking in 50 webhooks and ` +
					`preparing each execution's items), the ${B2_LIMIT.burst}th accepted call at ${fmt(logHook.burstS, 1)} s, then ${fmt(logHook.portalCalls.drainPerSecond, 1)} accepted calls/s, the portal's drain. ` +
					'The client bucket keeps a quarter second of drain in hand on purpose (5 calls at 20/s, +0.25 s), so that calls delayed on the way do not overflow the portal.' +
					refusalNote(logHook.portalCalls.refused),
			);
		}
		if (logSingle) {
			const ratio = logSingle.nodeS / B2_LOWER_BOUND_S;
			out.push(
				`- **B2, one execution of ${B2_LINES} items, Log node**: ${logSingle.landed.once} lines exactly once; node time ${fmt(logSingle.nodeS, 1)} s = ${fmt(ratio)} × the bound ` +
					`(goal within 10%: ${ratio <= 1.1 ? 'met' : 'missed'}). The first line left ${fmt(logSingle.firstLineS, 1)} s after the node started: the routing node resolves the ` +
					`parameters of all ${B2_LINES} items (the repeated expression evaluations of B1) before the first call is sent. From the first to the last line it took ` +
					`${fmt(logSingle.linesSpanS / B2_LOWER_BOUND_S)} × the bound, at ${fmt(logSingle.portalCalls.drainPerSecond, 1)} accepted calls/s: the pacing itself adds nothing.` +
					refusalNote(logSingle.portalCalls.refused),
			);
		}
		const hookDefault = b2.hooks.find((row) => row.key === 'http');
		const hookRetry = b2.hooks.find((row) => row.key === 'httpRetry');
		const singleDefault = b2.single.find((row) => row.key === 'http');
		const singleRetry = b2.single.find((row) => row.key === 'httpRetry');
		if (hookDefault || singleDefault) {
			out.push(
				'- **B2, HTTP Request node**: it sends every item of an execution at once, so the portal runs the first 50 calls and refuses the ' +
					`rest with 503 QUERY_LIMIT_EXCEEDED; the node fails and with it the execution. With defaults ${hookDefault?.landed.lost ?? 'n/a'} (concurrent) and ` +
					`${singleDefault?.landed.lost ?? 'n/a'} (one execution) of ${B2_LINES} lines were lost. "Retry On Fail" re-runs the whole node for all its items: lines ` +
					`that had landed are written again (${hookRetry?.landed.extraLines ?? 'n/a'} and ${singleRetry?.landed.extraLines ?? 'n/a'} extra lines) and the retries meet ` +
					`a bucket that is still full, so ${hookRetry?.landed.lost ?? 'n/a'} and ${singleRetry?.landed.lost ?? 'n/a'} lines were lost all the same. Its "Batching" ` +
					'option can space one execution\'s items, but not several executions against one portal.',
			);
		}
	}
	return out.join('\n');
}

main().catch((error) => {
	process.stderr.write(`\nThe benchmark failed: ${error.stack ?? error.message}\n`);
	process.exitCode = 1;
});
