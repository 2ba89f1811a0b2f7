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
 *
 * This file runs the parts in one fresh n8n per line; each part is in its own file (b1Overhead.js,
 * b2Burst.js, b3Footprint.js, b4Volume.js), the report in report.js.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startSandbox } = require('../sandbox');
const { createN8nInstance, packPackage, PACKAGE_NAME } = require('../harness/n8n-harness');
const { say, step, fmt } = require('./format');
const { WORKERS_MS } = require('./portalFigures');
const { benchCredentials } = require('./workflows');
const { b1Workflows, runB1 } = require('./b1Overhead');
const { b2Workflows, runB2OneExecution, runB2Concurrent } = require('./b2Burst');
const { packageFigures, installedSize, b3LoadTime, b3Readiness } = require('./b3Footprint');
const { B4_HOOK, b4Workflow, runB4 } = require('./b4Volume');
const { loadAverages, render, writeBenchmarksDoc } = require('./report');

const ALL_PARTS = ['b1', 'b2', 'b3', 'b4'];
const args = process.argv.slice(2);
const ONLY = (args.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? ALL_PARTS.join(',')).split(',');
const WRITE = !args.includes('--no-write');
/** `--cpu-prof=<dir>`: every n8n process writes a V8 CPU profile there, to see where a node's time goes. */
const CPU_PROFILE_DIR = args.find((a) => a.startsWith('--cpu-prof='))?.slice('--cpu-prof='.length);
const LINES = /** @type {Array<'1'|'2'>} */ ((args.find((a) => a.startsWith('--lines='))?.slice('--lines='.length) ?? '2').split(','));
const COMMAND = ['node bench/run.js', ...args].join(' ');
const RUN_DEADLINE_MS = LINES.length * 12 * 60 * 1000;

/** @type {Set<any>} the n8n instances alive now, for the time limit */
const running = new Set();

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
		results.static = packageFigures(tarball);
		portal = await startSandbox({ rateLimit: false, maxRequests: 100_000, maxLifetimeMs: RUN_DEADLINE_MS });
		for (const line of LINES) results.lines.push(await runLine(line, tarball, portal));
	} finally {
		clearTimeout(deadline);
		await portal?.close();
		if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
	}
	results.totalS = (Date.now() - began) / 1000;
	results.loadAfter = loadAverages();

	const report = render(results, COMMAND);
	step('Results');
	say(report.tables);
	if (WRITE && ALL_PARTS.every((part) => ONLY.includes(part))) {
		writeBenchmarksDoc(report.markdown);
		say(`\nWrote docs/benchmarks.md (whole run ${fmt(results.totalS, 0)} s).`);
	}
}

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
		Object.assign(results.b3, installedSize(packageDir));
		if (ONLY.includes('b3')) results.b3.load = b3LoadTime(n8n, packageDir);
		await n8n.importCredentials(benchCredentials(portal));

		// Every workflow is imported at once: each n8n CLI call boots n8n.
		const b1 = ONLY.includes('b1') ? b1Workflows(portal) : { runs: [], workflows: [] };
		const b2 = ONLY.includes('b2') ? b2Workflows(portal) : { single: [], hooks: [], workflows: [] };
		const toImport = [...b1.workflows, ...b2.workflows, ...(ONLY.includes('b4') ? [b4Workflow()] : [])];
		if (toImport.length) await n8n.importWorkflow(toImport);

		if (ONLY.includes('b1')) results.b1 = await runB1(n8n, portal, b1.runs, countDir);
		if (ONLY.includes('b2')) results.b2 = { single: await runB2OneExecution(n8n, portal, b2.single, countDir), hooks: [] };
		// Before any workflow is active, so that both starts have the same work to do.
		if (ONLY.includes('b3')) Object.assign(results.b3, await b3Readiness(n8n, packageDir));

		if (ONLY.includes('b2') || ONLY.includes('b4')) {
			const hooks = [...b2.hooks, ...(ONLY.includes('b4') ? [B4_HOOK] : [])];
			for (const hook of hooks) await n8n.activateWorkflow(hook.id);
			await n8n.start();
			try {
				portal.setParallelWorkers(WORKERS_MS);
				if (ONLY.includes('b2')) results.b2.hooks = await runB2Concurrent(n8n, portal, b2.hooks);
				if (ONLY.includes('b4')) results.b4 = await runB4(n8n, portal);
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

main().catch((error) => {
	process.stderr.write(`\nThe benchmark failed: ${error.stack ?? error.message}\n`);
	process.exitCode = 1;
});
