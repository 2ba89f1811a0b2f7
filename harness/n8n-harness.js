// @ts-check
'use strict';
/**
 * Drives a real n8n (either line, both on Node 24) for end-to-end tests, the demo and benchmarks.
 *
 *   const tarball = packPackage(repoDir);                 // npm pack of the built package
 *   const n8n = await createN8nInstance({ line: '2', tarball });
 *   await n8n.importCredentials([...]);  await n8n.importWorkflow({...});
 *   const { exitCode, stdout, stderr } = await n8n.execute(workflowId);
 *   const executions = await n8n.readExecutions();         // decoded from the sqlite DB
 *   const { nodes, credentials } = await n8n.listPackageTypes(); // what n8n's editor would list
 *   await n8n.dispose();                                   // stops n8n, removes the user folder
 *
 * Each instance: a fresh N8N_USER_FOLDER (temp dir) with its own sqlite DB; the tarball installed
 * the way n8n's community-packages service installs a package (so node types are
 * `<package name>.<node name>`); n8n bound to 127.0.0.1 on a free port; every outbound feature
 * n8n has switched off by env, and a preloaded guard (network-guard.js) that refuses and records
 * any connection off this machine. Every process runs in its own process group, bounded in time,
 * and is killed whole; nothing outlives dispose() (or the instance's maximum lifetime).
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { ensureN8n } = require('./n8n-install');
const { spawnGroup, stopGroup, killGroup, throwAwayDir, removeDir, freePort, exitNumber, sleep, waitFor } = require('./processes');

const REPO = path.resolve(__dirname, '..');
const ENCRYPTION_KEY = 'e2e-only-encryption-key-0123456789';
const OWNER = { email: 'owner@example.com', firstName: 'E2E', lastName: 'Owner', password: 'E2e-owner-password-1' };
const NPM_FLAGS = ['--no-audit', '--no-fund', '--loglevel=error', '--update-notifier=false'];

/**
 * `npm pack` of a built package (its `files` is ["dist"]: run the build first) into a temp folder.
 * @param {string} [repoDir] the package folder, this repository by default
 * @param {string} [destination] where the tarball goes, a new temp folder by default
 * @returns {string} the tarball's path
 */
function packPackage(repoDir = REPO, destination = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-pack-'))) {
	const manifest = JSON.parse(fs.readFileSync(path.join(repoDir, 'package.json'), 'utf8'));
	for (const file of [...(manifest.n8n?.nodes ?? []), ...(manifest.n8n?.credentials ?? [])]) {
		if (!fs.existsSync(path.join(repoDir, file))) throw new Error(`${file} is missing in ${repoDir}: build the package before packing it`);
	}
	const out = execFileSync('npm', ['pack', '--json', '--pack-destination', destination, ...NPM_FLAGS], { cwd: repoDir, encoding: 'utf8', timeout: 120_000 });
	const [{ filename }] = JSON.parse(out.slice(out.indexOf('[')));
	return path.join(destination, filename);
}

/** The package.json inside a tarball, without unpacking it. */
function tarballManifest(tarball) {
	return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8', timeout: 60_000 }));
}

/**
 * Installs a package tarball as n8n's community-packages service does (packages/cli/src/modules/
 * community-packages/community-packages.service.ts, downloadPackage + updatePackageJsonDependency):
 * a ledger `.n8n/nodes/package.json` ({name: 'installed-nodes', private, dependencies}), the tarball
 * unpacked into `.n8n/nodes/node_modules/<name>` (tar --strip-components=1), its dev, peer and
 * optional dependencies dropped, `npm install` in that folder with n8n's flags (scripts off), then
 * the package recorded in the ledger. n8n loads every package under `.n8n/nodes/node_modules` on
 * start. (The service's `npm pack <name>@<version>` from the registry is the one step replaced: the
 * tarball is ours.) The installed_packages table is not filled: n8n's settings page would not list
 * the package, but its node and credential types load; listPackageTypes() proves that.
 * @returns {{ name: string, version: string, dir: string }}
 */
function installTarball(userFolder, tarball) {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const ledgerFile = path.join(nodesDir, 'package.json');
	fs.mkdirSync(nodesDir, { recursive: true });
	if (!fs.existsSync(ledgerFile)) fs.writeFileSync(ledgerFile, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
	const { name } = tarballManifest(tarball);
	const packageDir = path.join(nodesDir, 'node_modules', ...name.split('/'));
	fs.rmSync(packageDir, { recursive: true, force: true });
	fs.mkdirSync(packageDir, { recursive: true });
	execFileSync('tar', ['-xzf', path.resolve(tarball), '-C', packageDir, '--strip-components=1'], { timeout: 60_000 });
	const manifestFile = path.join(packageDir, 'package.json');
	const { devDependencies, peerDependencies, optionalDependencies, ...manifest } = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
	fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
	execFileSync(
		'npm',
		['install', '--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false', '--loglevel=error', '--update-notifier=false'],
		{ cwd: packageDir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 },
	);
	const ledger = JSON.parse(fs.readFileSync(ledgerFile, 'utf8'));
	ledger.dependencies = { ...ledger.dependencies, [name]: manifest.version };
	fs.writeFileSync(ledgerFile, JSON.stringify(ledger, null, 2));
	return { name, version: manifest.version, dir: packageDir };
}

/** Cuts the run JSON that `n8n execute` prints after its ==== line (absent on failure or with --rawOutput off). */
function parseExecuteOutput(stdout) {
	const marker = stdout.indexOf('====================================');
	const start = stdout.indexOf('{', marker === -1 ? 0 : marker);
	if (start === -1) return undefined;
	try {
		return JSON.parse(stdout.slice(start));
	} catch {
		return undefined;
	}
}

/**
 * Env that keeps n8n on this machine. Checked against @n8n/config of 2.41.1 and 1.123.81; names a
 * line does not know are ignored by it.
 */
function isolatedEnv({ line, userFolder, port, brokerPort }) {
	const { NODE_ENV, JEST_WORKER_ID, NODE_OPTIONS, ...inherited } = process.env; // n8n behaves differently under NODE_ENV=test
	return {
		...inherited,
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		DB_TYPE: 'sqlite', // <user folder>/.n8n/database.sqlite
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PORT: String(port),
		N8N_PROTOCOL: 'http',
		N8N_EDITOR_BASE_URL: `http://127.0.0.1:${port}/`,
		WEBHOOK_URL: `http://127.0.0.1:${port}/`, // 1.x
		N8N_WEBHOOK_URL: `http://127.0.0.1:${port}/`, // 2.x
		N8N_SECURE_COOKIE: 'false', // plain http on loopback: the login cookie must still be sent
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_LOG_LEVEL: process.env.N8N_E2E_LOG_LEVEL || 'warn',
		// Task runners (2.x always; 1.x only when enabled): the broker on loopback, on a free port.
		N8N_RUNNERS_MODE: 'internal',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_PYTHON_ENABLED: 'false',
		// Everything that would call n8n's (or anyone's) servers.
		N8N_DIAGNOSTICS_ENABLED: 'false', // telemetry (RudderStack, PostHog)
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_AI_ENABLED: 'false',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		N8N_LICENSE_SERVER_URL: 'http://127.0.0.1:9/',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true', // load .n8n/nodes
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		N8N_VERIFIED_PACKAGES_ENABLED: 'false', // no lookups of n8n's verified-nodes list
		N8N_COMMUNITY_PACKAGES_REGISTRY: 'http://127.0.0.1:9/', // update checks fail here, not on the internet
		...(line === '2' ? { N8N_DISABLED_MODULES: 'mcp-registry' } : {}), // fetches the MCP registry on start
		// The guard: refuses and records any connection off this machine, in every n8n process.
		NODE_OPTIONS: `--require=${path.join(__dirname, 'network-guard.js')}`,
		N8N_E2E_OUTBOUND_LOG: path.join(userFolder, 'outbound.jsonl'),
	};
}

/**
 * A `node` for PATH that is Node 24 with the guard preloaded. n8n starts its JS task runner as
 * `node` from PATH with an env of its own choosing (no NODE_OPTIONS), so the guard reaches the
 * runner only this way.
 */
function guardedNodeDir(n8n, userFolder) {
	const dir = path.join(userFolder, '.e2e-bin');
	const quote = (text) => `'${String(text).replace(/'/g, `'\\''`)}'`;
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(
		path.join(dir, 'node'),
		`#!/bin/sh\nN8N_E2E_OUTBOUND_LOG=${quote(path.join(userFolder, 'outbound.jsonl'))} exec ${quote(n8n.nodeBin)} --require=${quote(path.join(__dirname, 'network-guard.js'))} "$@"\n`,
		{ mode: 0o755 },
	);
	return dir;
}

class N8nInstance {
	/**
	 * @param {Awaited<ReturnType<typeof ensureN8n>>} n8n
	 * @param {{ userFolder: string, port: number, brokerPort: number, packageInfo?: { name: string, version: string, dir: string }, env: Record<string, string|undefined>, maxLifetimeMs: number }} options
	 */
	constructor(n8n, { userFolder, port, brokerPort, packageInfo, env, maxLifetimeMs }) {
		this.n8n = n8n;
		this.line = n8n.line;
		this.version = n8n.version;
		this.userFolder = userFolder;
		this.port = port;
		this.baseUrl = `http://127.0.0.1:${port}`;
		this.package = packageInfo;
		/** @type {Record<string, string | undefined>} */
		this.env = { ...isolatedEnv({ line: n8n.line, userFolder, port, brokerPort }), PATH: `${guardedNodeDir(n8n, userFolder)}${path.delimiter}${n8n.path}`, ...env };
		/** @type {import('node:child_process').ChildProcess | undefined} */
		this.server = undefined;
		/** @type {() => string} */
		this.serverLogOf = () => '';
		/** @type {string | undefined} */
		this.cookie = undefined;
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
	 * Runs an n8n CLI command with Node 24 to its end, bounded in time (the whole process group is
	 * killed on timeout). Never throws: see exitCode (128 + n when a signal ended it) and signal.
	 * @returns {Promise<{ exitCode: number, signal: string | null, timedOut: boolean, stdout: string, stderr: string }>}
	 */
	cli(args, { timeoutMs = 180_000 } = {}) {
		return new Promise((resolve) => {
			const child = this.spawnTracked(this.n8n.nodeBin, [this.n8n.n8nBin, ...args], { env: this.env, cwd: this.userFolder, stdio: ['ignore', 'pipe', 'pipe'] });
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
	 * Every stored execution, oldest first, with its run data decoded from n8n's flatted format.
	 * Read with Node 24 through n8n's own database drivers (sqlite3 read-only, or pg when the
	 * instance runs on Postgres) and its flatted; works while n8n runs.
	 * @param {{ workflowId?: string }} [filter]
	 * @returns {Promise<Array<{ id: string, workflowId: string, status: string, finished: boolean, mode: string, startedAt: string, stoppedAt: string, data: any, workflowData: any, raw: string }>>}
	 */
	async readExecutions({ workflowId } = {}) {
		const postgres = this.env.DB_TYPE === 'postgresdb';
		if (!postgres && !fs.existsSync(this.dbFile)) return [];
		const resolveFromN8n = (request) => JSON.stringify(require.resolve(request, { paths: [this.n8n.n8nDir] }));
		const where = workflowId === undefined ? '' : `where e."workflowId" = ${postgres ? '$1' : '?'}`;
		const query = JSON.stringify(`select e.id, e."workflowId", e.status, e.finished, e.mode, e."startedAt", e."stoppedAt", d.data, d."workflowData"
			from execution_entity e join execution_data d on d."executionId" = e.id ${where} order by e.id`);
		const parameters = JSON.stringify(workflowId === undefined ? [] : [String(workflowId)]);
		const { DB_POSTGRESDB_HOST, DB_POSTGRESDB_PORT, DB_POSTGRESDB_DATABASE, DB_POSTGRESDB_USER, DB_POSTGRESDB_PASSWORD } = this.env;
		const connection = JSON.stringify({ host: DB_POSTGRESDB_HOST, port: Number(DB_POSTGRESDB_PORT), database: DB_POSTGRESDB_DATABASE, user: DB_POSTGRESDB_USER, password: DB_POSTGRESDB_PASSWORD });
		const readRows = postgres
			? `const { Client } = require(${resolveFromN8n('pg')});
				const client = new Client(${connection});
				const rowsRead = client.connect().then(() => client.query(${query}, ${parameters})).then((result) => { void client.end(); return result.rows; });`
			: `const sqlite3 = require(${resolveFromN8n('sqlite3')});
				const db = new sqlite3.Database(${JSON.stringify(this.dbFile)}, sqlite3.OPEN_READONLY);
				db.configure('busyTimeout', 10000);
				const rowsRead = new Promise((resolve, reject) => db.all(${query}, ${parameters}, (error, rows) => { db.close(); error ? reject(error) : resolve(rows); }));`;
		const script = `
			const { parse } = require(${resolveFromN8n('flatted')});
			${readRows}
			rowsRead.then((rows) => process.stdout.write(JSON.stringify(rows.map((row) => ({
				id: String(row.id), workflowId: row.workflowId, status: row.status, finished: !!row.finished, mode: row.mode,
				startedAt: row.startedAt, stoppedAt: row.stoppedAt,
				data: parse(row.data), workflowData: typeof row.workflowData === 'string' ? JSON.parse(row.workflowData) : row.workflowData, raw: row.data,
			}))))).catch((error) => { console.error(error.message); process.exit(1); });`;
		const { exitCode, stdout, stderr } = await this.runNode(['-e', script], 60_000);
		if (exitCode !== 0) throw new Error(`reading executions from ${postgres ? 'Postgres' : this.dbFile} failed:\n${stderr}`);
		return JSON.parse(stdout);
	}

	/** Same as readExecutions() (the name the first e2e tests use). */
	async storedExecutions(filter) {
		return await this.readExecutions(filter);
	}

	/** Runs Node 24 (no guard, no n8n env) with `args`, bounded. */
	runNode(args, timeoutMs) {
		return new Promise((resolve) => {
			const child = this.spawnTracked(this.n8n.nodeBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
			let stdout = '';
			let stderr = '';
			child.stdout?.on('data', (chunk) => (stdout += chunk));
			child.stderr?.on('data', (chunk) => (stderr += chunk));
			const timer = setTimeout(() => killGroup(/** @type {number} */ (child.pid), 'SIGKILL'), timeoutMs);
			child.once('close', (code) => {
				clearTimeout(timer);
				resolve({ exitCode: code ?? 1, stdout, stderr });
			});
		});
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
		let log = '';
		const keep = (chunk) => {
			log = (log + chunk.toString()).slice(-500_000);
		};
		child.stdout?.on('data', keep);
		child.stderr?.on('data', keep);
		return { child, log: () => log };
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
		await waitFor(ready, { timeoutMs, what, child, describe: () => log().slice(-10_000) });
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

	/** Sets up the owner account of this fresh instance (or logs in) and keeps the session cookie. */
	async login() {
		const post = async (pathname, body) =>
			await fetch(`${this.baseUrl}${pathname}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
		let response = await post('/rest/owner/setup', OWNER);
		if (!response.ok) response = await post('/rest/login', { emailOrLdapLoginId: OWNER.email, email: OWNER.email, password: OWNER.password });
		if (!response.ok) throw new Error(`owner setup / login failed: ${response.status} ${await response.text()}`);
		await response.arrayBuffer();
		this.cookie = (response.headers.get('set-cookie') ?? '').split(';')[0];
	}

	/** GET a path of the running n8n with the owner's session; its JSON answer. @returns {Promise<any>} */
	async getJson(pathname) {
		const response = await fetch(`${this.baseUrl}${pathname}`, { headers: { cookie: this.cookie ?? '' }, signal: AbortSignal.timeout(60_000) });
		if (!response.ok) throw new Error(`GET ${pathname}: ${response.status} ${await response.text()}`);
		return await response.json();
	}

	/** POST JSON to a path of the running n8n with the owner's session. */
	async postJson(pathname, body = {}) {
		return await this.sendJson('POST', pathname, body);
	}

	/** PATCH JSON to a path of the running n8n with the owner's session (the editor's save). */
	async patchJson(pathname, body = {}) {
		return await this.sendJson('PATCH', pathname, body);
	}

	/** @returns {Promise<any>} the JSON answer */
	async sendJson(method, pathname, body) {
		const response = await fetch(`${this.baseUrl}${pathname}`, {
			method,
			headers: { cookie: this.cookie ?? '', 'Content-Type': 'application/json' },
			body: JSON.stringify(body),
			signal: AbortSignal.timeout(60_000),
		});
		if (!response.ok) throw new Error(`${method} ${pathname}: ${response.status} ${await response.text()}`);
		return await response.json();
	}

	/** Activates or deactivates a workflow in the running n8n, as the editor's toggle does. */
	async setActive(id, active) {
		const { data } = await this.getJson(`/rest/workflows/${id}`);
		await this.postJson(`/rest/workflows/${id}/${active ? 'activate' : 'deactivate'}`, active ? { versionId: data.versionId } : {});
	}

	/** Waits until an active workflow's webhook URL answers anything but 404 (an empty POST). */
	async waitForWebhook(url, timeoutMs = 60_000) {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			const response = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(10_000) });
			await response.arrayBuffer();
			if (response.status !== 404) return;
			await sleep(250);
		}
		throw new Error(`webhook ${url} was not registered within ${timeoutMs} ms:\n${this.serverLog.slice(-5000)}`);
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

	/** Every node type n8n lists (full descriptions; names are `<package>.<node>` for community nodes). */
	async listNodeTypes() {
		return (await this.listTypes()).nodes;
	}

	/**
	 * Names of the node and credential types n8n lists for one package (the installed one by default).
	 * Node names carry the package prefix; credential names do not, so credentials are matched
	 * against the package's own files (n8n.credentials in its package.json).
	 */
	async listPackageTypes(packageName = this.package?.name) {
		const { nodes, credentials } = await this.listTypes();
		const nodeNames = [...new Set(nodes.map((type) => type.name).filter((name) => name.startsWith(`${packageName}.`)))].sort();
		const declared = this.declaredCredentialNames(packageName);
		const credentialNames = credentials.map((type) => type.name).filter((name) => declared.has(name)).sort();
		return { nodes: nodeNames, credentials: credentialNames };
	}

	/** The credential type names a package's files define (read from the installed package). */
	declaredCredentialNames(packageName) {
		const dir = path.join(this.userFolder, '.n8n', 'nodes', 'node_modules', ...String(packageName).split('/'));
		const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
		const names = new Set();
		for (const file of manifest.n8n?.credentials ?? []) {
			const source = fs.readFileSync(path.join(dir, file), 'utf8');
			for (const match of source.matchAll(/\bname\s*=\s*['"]([A-Za-z0-9_]+)['"]/g)) names.add(match[1]);
		}
		return names;
	}

	/** Connections n8n tried to open off this machine (refused by the guard), one object each. */
	outboundAttempts() {
		const file = /** @type {string} */ (this.env.N8N_E2E_OUTBOUND_LOG);
		if (!fs.existsSync(file)) return [];
		return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((row) => JSON.parse(row));
	}

	/** The processes that ran with the network guard loaded ({pid, argv}): n8n, its CLI runs, its task runners. */
	guardedProcesses() {
		const file = `${this.env.N8N_E2E_OUTBOUND_LOG}.guarded`;
		if (!fs.existsSync(file)) return [];
		return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((row) => JSON.parse(row));
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

const PACKAGE_NAME = require(path.join(REPO, 'package.json')).name;

module.exports = { createN8nInstance, packPackage, installTarball, N8nInstance, REPO, PACKAGE_NAME, ENCRYPTION_KEY };
