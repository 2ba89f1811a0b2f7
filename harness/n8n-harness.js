// @ts-check
'use strict';
/**
 * Drives a real n8n (either line, both on Node 24) for end-to-end tests, the demo and benchmarks.
 *
 *   const n8n = await createN8nInstance({ line: '2', tarball: packedPackage() }); // this package, packed once
 *   await n8n.importCredentials([...]);  await n8n.importWorkflow({...});
 *   const { exitCode, stdout, stderr } = await n8n.execute(workflowId);
 *   const executions = await n8n.readExecutions();         // decoded from the database
 *   const { nodes, credentials } = await n8n.listPackageTypes(); // what n8n's editor would list
 *   await n8n.start(); await n8n.login(); await n8n.getJson('/rest/...'); // REST: n8n-rest.js
 *   await n8n.dispose();                                   // stops n8n, removes the user folder
 *
 * Each instance: a fresh N8N_USER_FOLDER (temp dir) with its own sqlite DB; the tarball installed
 * the way n8n's community-packages service installs a package (community-package.js, so node types
 * are `<package name>.<node name>`); n8n bound to 127.0.0.1 on a free port, nothing leaving the
 * machine (n8n-env.js). Every process runs in its own process group, bounded in time, and is killed
 * whole; nothing outlives dispose() (or the instance's maximum lifetime).
 */
const fs = require('node:fs');
const path = require('node:path');

const { ensureN8n } = require('./n8n-install');
const { spawnGroup, stopGroup, killGroup, throwAwayDir, removeDir, freePort, exitNumber, keepOutput } = require('./processes');
const { until } = require('./until');
const { REPO, PACKAGE_NAME, packPackage, packedPackage, installTarball, declaredCredentialNames } = require('./community-package');
const { isolatedEnv, guardedNodeDir } = require('./n8n-env');
const { parseExecuteOutput, readExecutions } = require('./n8n-executions');
const { N8nRestClient } = require('./n8n-rest');

/** The rows of a JSON-lines file the network guard writes; none when it wrote nothing. */
function readJsonLines(file) {
	if (!fs.existsSync(file)) return [];
	return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((row) => JSON.parse(row));
}

class N8nInstance extends N8nRestClient {
	/**
	 * @param {Awaited<ReturnType<typeof ensureN8n>>} n8n
	 * @param {{ userFolder: string, port: number, brokerPort: number, packageInfo?: { name: string, version: string, dir: string }, env: Record<string, string|undefined>, maxLifetimeMs: number }} options
	 */
	constructor(n8n, { userFolder, port, brokerPort, packageInfo, env, maxLifetimeMs }) {
		super(`http://127.0.0.1:${port}`);
		this.n8n = n8n;
		this.line = n8n.line;
		this.version = n8n.version;
		this.userFolder = userFolder;
		this.port = port;
		this.package = packageInfo;
		/** @type {Record<string, string | undefined>} */
		this.env = { ...isolatedEnv({ line: n8n.line, userFolder, port, brokerPort }), PATH: `${guardedNodeDir(n8n, userFolder)}${path.delimiter}${n8n.path}`, ...env };
		/** @type {import('node:child_process').ChildProcess | undefined} */
		this.server = undefined;
		/** @type {() => string} */
		this.serverLogOf = () => '';
		/** @type {Set<import('node:child_process').ChildProcess>} */
		this.children = new Set();
		this.dbFile = path.join(userFolder, '.n8n', 'database.sqlite');
		// Whatever happens to the test, this n8n does not outlive its time.
		this.lifetimeTimer = setTimeout(() => {
			void this.stop({ graceMs: 5000 });
			for (const child of this.children) if (child.pid) killGroup(child.pid, 'SIGKILL');
		}, maxLifetimeMs);
		this.lifetimeTimer.unref();
	}

	/** Spawns a process in its own group (processes.js), tracked until it exits. */
	spawnTracked(command, args, options) {
		const child = spawnGroup(command, args, options);
		this.children.add(child);
		child.once('exit', () => this.children.delete(child));
		return child;
	}

	/**
	 * Runs `command` to its end in its own process group, bounded in time (the whole group is killed
	 * on timeout). Never throws: see exitCode (128 + n when a signal ended it) and signal.
	 * @param {string} command
	 * @param {string[]} args
	 * @param {{ timeoutMs: number, env?: NodeJS.ProcessEnv, cwd?: string }} options
	 * @returns {Promise<{ exitCode: number, signal: string | null, timedOut: boolean, stdout: string, stderr: string }>}
	 */
	run(command, args, { timeoutMs, env, cwd }) {
		return new Promise((resolve) => {
			const child = this.spawnTracked(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
			let stdout = '';
			let stderr = '';
			child.stdout?.on('data', (chunk) => (stdout += chunk));
			child.stderr?.on('data', (chunk) => (stderr += chunk));
			let timedOut = false;
			const timer = setTimeout(() => {
				timedOut = true;
				killGroup(/** @type {number} */ (child.pid), 'SIGKILL');
			}, timeoutMs);
			child.once('error', (error) => {
				clearTimeout(timer);
				resolve({ exitCode: 127, signal: null, timedOut, stdout, stderr: `${stderr}${error.message}` });
			});
			child.once('close', (code, signal) => {
				clearTimeout(timer);
				resolve({ exitCode: exitNumber(code, signal), signal, timedOut, stdout, stderr });
			});
		});
	}

	/** An n8n CLI command with Node 24 and this instance's env, to its end (run()). */
	cli(args, { timeoutMs = 180_000 } = {}) {
		return this.run(this.n8n.nodeBin, [this.n8n.n8nBin, ...args], { timeoutMs, env: this.env, cwd: this.userFolder });
	}

	/** Node 24 (no guard, no n8n env) with `args`, to its end (run()). */
	runNode(args, timeoutMs) {
		return this.run(this.n8n.nodeBin, args, { timeoutMs });
	}

	async mustSucceed(args, options) {
		const result = await this.cli(args, options);
		if (result.exitCode !== 0) throw new Error(`n8n ${args.join(' ')} failed (${result.timedOut ? 'timed out' : result.exitCode}):\n${result.stdout}\n${result.stderr}`);
		return result;
	}

	/** An input file for the CLI: a path as is, anything else written as JSON into the user folder. */
	inputFile(objOrFile, name) {
		if (typeof objOrFile === 'string') return path.resolve(objOrFile);
		const file = path.join(this.userFolder, `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.json`);
		fs.writeFileSync(file, JSON.stringify(objOrFile));
		return file;
	}

	/**
	 * `n8n import:credentials`: plain `data` objects are encrypted with this instance's key.
	 * @param {Array<{ id: string, name: string, type: string, data: object }> | string} arrayOrFile
	 */
	async importCredentials(arrayOrFile) {
		return await this.mustSucceed(['import:credentials', `--input=${this.inputFile(arrayOrFile, 'credentials')}`]);
	}

	/**
	 * `n8n import:workflow`. A workflow object (with an `id`) or an array of them, or a file.
	 * @param {object | object[] | string} objOrFile
	 */
	async importWorkflow(objOrFile) {
		return await this.mustSucceed(['import:workflow', `--input=${this.inputFile(objOrFile, 'workflow')}`]);
	}

	/** Activates a workflow from the CLI (takes effect at the next start): `publish:workflow` on 2.x, `update:workflow --active=true` on 1.x. */
	async activateWorkflow(id) {
		return await this.mustSucceed(this.line === '1' ? ['update:workflow', `--id=${id}`, '--active=true'] : ['publish:workflow', `--id=${id}`]);
	}

	/**
	 * `n8n execute --id` (the workflow needs a Manual Trigger). Its exit code is 1 when a node failed,
	 * but 0 for some mistakes: assert on readExecutions() or `run`, never on the exit code alone.
	 * @returns {Promise<{ exitCode: number, signal: string | null, timedOut: boolean, stdout: string, stderr: string, run: any }>}
	 */
	async execute(workflowId, { timeoutMs = 180_000 } = {}) {
		const result = await this.cli(['execute', `--id=${workflowId}`], { timeoutMs });
		return { ...result, run: parseExecuteOutput(result.stdout) };
	}

	/**
	 * Every stored execution, oldest first, its run data decoded (n8n-executions.js); works while n8n runs.
	 * @param {{ workflowId?: string }} [filter]
	 */
	async readExecutions(filter) {
		return await readExecutions(this, filter);
	}

	/**
	 * A long-running n8n command (`start`, `webhook`, `worker`) with this instance's env plus `env`,
	 * in its own process group; its output is kept (the last 500 kB) in `log`.
	 * @param {string[]} args
	 * @param {Record<string, string>} [env]
	 * @returns {{ child: import('node:child_process').ChildProcess, log: () => string }}
	 */
	launch(args, env = {}) {
		const child = this.spawnTracked(this.n8n.nodeBin, [this.n8n.n8nBin, ...args], { env: { ...this.env, ...env }, cwd: this.userFolder, stdio: ['ignore', 'pipe', 'pipe'] });
		return { child, log: keepOutput(child, 500_000) };
	}

	/**
	 * Resolves once an n8n HTTP server at `baseUrl` answers /healthz, /healthz/readiness and (unless
	 * `rest` is false: webhook processors have no REST API) JSON from /rest/settings.
	 * @param {string} baseUrl
	 * @param {{ child: import('node:child_process').ChildProcess, log: () => string, timeoutMs: number, what: string, rest?: boolean }} options
	 */
	async waitUntilServing(baseUrl, { child, log, timeoutMs, what, rest = true }) {
		const answers = async (pathname, ok) => {
			try {
				const response = await fetch(`${baseUrl}${pathname}`, { signal: AbortSignal.timeout(5000) });
				await response.arrayBuffer();
				return ok(response.status, response.headers.get('content-type') ?? '');
			} catch {
				return false; // not listening yet
			}
		};
		// /healthz answers as soon as the port is open; /healthz/readiness once the DB is connected and
		// migrated and n8n is fully started (until then every other path answers 200 "n8n is starting
		// up"); 1.x adds its REST routes a moment later still, so the settings must come back as JSON.
		const ready = async () =>
			(await answers('/healthz', (status) => status === 200)) &&
			(await answers('/healthz/readiness', (status) => status === 200)) &&
			(!rest || (await answers('/rest/settings', (status, type) => status < 500 && status !== 404 && type.includes('json'))));
		await until(ready, timeoutMs, what, { child, describe: () => log().slice(-10_000), intervalMs: 500 });
	}

	/**
	 * `n8n start` in its own process group. Resolves once /healthz and /healthz/readiness answer 200
	 * and the REST API answers JSON; stops it and throws on timeout.
	 */
	async start({ timeoutMs = 120_000 } = {}) {
		if (this.server) return;
		const { child, log } = this.launch(['start']);
		this.server = child;
		this.serverLogOf = log;
		try {
			await this.waitUntilServing(this.baseUrl, { child, log, timeoutMs, what: 'n8n start' });
		} catch (error) {
			await this.stop();
			throw error;
		}
	}

	/** The output of `n8n start` so far (the last 500 kB). */
	get serverLog() {
		return this.serverLogOf();
	}

	/** Stops `n8n start`: SIGTERM to its whole group, SIGKILL after `graceMs`. Resolves once it exited. */
	async stop({ graceMs = 15_000 } = {}) {
		const server = this.server;
		this.server = undefined;
		this.cookie = undefined;
		await stopGroup(server, { graceMs });
	}

	/**
	 * The node and credential types the running n8n serves its editor: /types/nodes.json and
	 * /types/credentials.json (the files the editor loads; they need a session, so the owner is set
	 * up). Starts n8n for the call when it is not running, and stops it again.
	 * @returns {Promise<{ nodes: any[], credentials: any[] }>}
	 */
	async listTypes() {
		const started = !this.server;
		if (started) await this.start();
		try {
			if (!this.cookie) await this.login();
			return { nodes: await this.getJson('/types/nodes.json'), credentials: await this.getJson('/types/credentials.json') };
		} finally {
			if (started) await this.stop();
		}
	}

	/**
	 * Names of the node and credential types n8n lists for one package (the installed one by default).
	 * Node names carry the package prefix; credential names do not, so credentials are matched
	 * against the package's own files (n8n.credentials in its package.json).
	 */
	async listPackageTypes(packageName = this.package?.name) {
		const { nodes, credentials } = await this.listTypes();
		const nodeNames = [...new Set(nodes.map((type) => type.name).filter((name) => name.startsWith(`${packageName}.`)))].sort();
		const declared = declaredCredentialNames(this.userFolder, packageName);
		const credentialNames = credentials.map((type) => type.name).filter((name) => declared.has(name)).sort();
		return { nodes: nodeNames, credentials: credentialNames };
	}

	/** Connections n8n tried to open off this machine (refused by the guard), one object each. */
	outboundAttempts() {
		return readJsonLines(/** @type {string} */ (this.env.N8N_E2E_OUTBOUND_LOG));
	}

	/** The processes that ran with the network guard loaded ({pid, argv}): n8n, its CLI runs, its task runners. */
	guardedProcesses() {
		return readJsonLines(`${this.env.N8N_E2E_OUTBOUND_LOG}.guarded`);
	}

	/** Stops n8n and anything else this instance started, and removes the user folder. */
	async dispose() {
		clearTimeout(this.lifetimeTimer);
		await this.stop();
		for (const child of this.children) if (child.pid) killGroup(child.pid, 'SIGKILL');
		removeDir(this.userFolder);
	}
}

/**
 * A fresh n8n of `line` ('2' current, '1' the 1.x line; pins in versions.json), installed into the
 * cache on first use, with `tarball` installed as a community package.
 * @param {{ line?: '1'|'2'|string, tarball?: string, env?: Record<string, string>, maxLifetimeMs?: number }} options
 */
async function createN8nInstance({ line = '2', tarball, env = {}, maxLifetimeMs = 30 * 60 * 1000 } = {}) {
	const n8n = await ensureN8n(String(line));
	const userFolder = throwAwayDir(`n8n-e2e-${n8n.version}-`); // removed at exit at the latest
	try {
		const packageInfo = tarball ? installTarball(userFolder, tarball) : undefined;
		return new N8nInstance(n8n, { userFolder, port: await freePort(), brokerPort: await freePort(), packageInfo, env, maxLifetimeMs });
	} catch (error) {
		removeDir(userFolder);
		throw error;
	}
}

module.exports = { createN8nInstance, N8nInstance, packPackage, packedPackage, installTarball, REPO, PACKAGE_NAME };
