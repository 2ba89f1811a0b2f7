// @ts-check
'use strict';
/**
 * B3 footprint: the packed tarball, the installed package folder, runtime dependencies, the time
 * to load every node and credential file, and how long `n8n start` takes to be ready with the
 * package installed and without it.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { PACKAGE_NAME } = require('../harness/n8n-harness');
const { say, step, median, fmt, kib, markdownTable } = require('./format');

const PACKAGE = require('../package.json');

/** The packed tarball's size and the runtime dependencies the package declares. */
function packageFigures(tarball) {
	return {
		tarballBytes: fs.statSync(tarball).size,
		runtimeDependencies: Object.keys(/** @type {{ dependencies?: object }} */ (PACKAGE).dependencies ?? {}).length,
	};
}

/** The installed package folder: bytes, files, and entries of its own node_modules. */
function installedSize(packageDir) {
	const installed = dirSize(packageDir);
	return { installedBytes: installed.bytes, installedFiles: installed.files, nodeModules: fs.existsSync(path.join(packageDir, 'node_modules')) ? fs.readdirSync(path.join(packageDir, 'node_modules')).length : 0 };
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

/** B3's load time, printed. */
function b3LoadTime(n8n, packageDir) {
	const load = measureLoadTime(n8n, packageDir);
	say(`  load: ${fmt(load.oursMs)} ms for ${load.files} files (n8n-workflow itself: ${fmt(load.n8nWorkflowMs)} ms)`);
	return load;
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

/** B3's readiness, printed. Before any workflow is active, so that both starts have the same work to do. */
async function b3Readiness(n8n, packageDir) {
	step('B3 footprint: `n8n start` readiness with and without the package (alternating, 2 each)');
	const readiness = await measureReadiness(n8n, packageDir);
	say(`  ready after ${fmt(readiness.startWithS, 1)} s with the package, ${fmt(readiness.startWithoutS, 1)} s without (medians)`);
	return readiness;
}

/** B3's table in docs/benchmarks.md, as lines (none when neither load time nor readiness was measured). */
function b3Table(b3) {
	if (b3.tarballBytes === undefined || !(b3.load || b3.startWithS !== undefined)) return [];
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
	return ['#### B3 footprint', '', ...markdownTable(['', ''], rows)];
}

module.exports = { packageFigures, installedSize, b3LoadTime, b3Readiness, b3Table };
