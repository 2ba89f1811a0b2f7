// @ts-check
'use strict';
/**
 * A real n8n for tests, the demo and benchmarks: a fresh user folder with our package installed the
 * way n8n installs community packages, driven through n8n's own CLI (import, publish, execute, start).
 * Everything listens on 127.0.0.1, every process is bounded in time and stopped by whoever started it.
 */
const { execFile, execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { ensureN8n } = require('./n8nInstall');

const REPO = path.resolve(__dirname, '..', '..');
const PACKAGE = require(path.join(REPO, 'package.json'));
const ENCRYPTION_KEY = 'e2e-only-encryption-key-0123456789';

/** Packs the built package (`npm run build` first) the way it is published. */
function packPackage(destination = fs.mkdtempSync(path.join(os.tmpdir(), 'b24-pack-'))) {
	const out = execFileSync('npm', ['pack', '--pack-destination', destination, '--silent'], { cwd: REPO, encoding: 'utf8' });
	return path.join(destination, out.trim().split('\n').pop());
}

async function freePort() {
	return await new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = /** @type {net.AddressInfo} */ (server.address());
			server.close(() => resolve(port));
		});
	});
}

/**
 * What n8n's community-packages service does (packages/cli, CommunityPackagesService.downloadPackage):
 * unpack into <user folder>/.n8n/nodes/node_modules/<name>, drop dev/peer/optional dependencies,
 * `npm install` there with scripts off, and record the package in .n8n/nodes/package.json.
 */
function installTarball(userFolder, tarball) {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const packageDir = path.join(nodesDir, 'node_modules', PACKAGE.name);
	fs.mkdirSync(packageDir, { recursive: true });
	execFileSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);
	const manifestFile = path.join(packageDir, 'package.json');
	const { devDependencies, peerDependencies, optionalDependencies, ...manifest } = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
	fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
	execFileSync(
		'npm',
		['install', '--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false', '--loglevel=error'],
		{ cwd: packageDir, stdio: 'ignore' },
	);
	fs.writeFileSync(path.join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [manifest.name]: manifest.version } }, null, 2));
}

/** Cuts the run JSON that `n8n execute` prints after its ==== line. */
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

function readJsonLines(file) {
	return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
}

class N8nInstance {
	/**
	 * @param {{ line?: '1'|'2', tarball: string, maxLifetimeMs?: number, env?: Record<string, string> }} options
	 */
	static async create({ line = '2', tarball, maxLifetimeMs = 20 * 60 * 1000, env = {} }) {
		const n8n = ensureN8n(line);
		const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), `b24-n8n${line}-`));
		installTarball(userFolder, tarball);
		return new N8nInstance(n8n, userFolder, await freePort(), await freePort(), maxLifetimeMs, env);
	}

	constructor(n8n, userFolder, port, brokerPort, maxLifetimeMs, extraEnv) {
		this.n8n = n8n;
		this.line = n8n.line;
		this.version = n8n.version;
		this.userFolder = userFolder;
		this.port = port;
		this.baseUrl = `http://127.0.0.1:${port}`;
		/** @type {import('node:child_process').ChildProcess | undefined} */
		this.server = undefined;
		this.serverLog = '';
		const { NODE_ENV, JEST_WORKER_ID, ...inherited } = process.env; // n8n behaves differently under NODE_ENV=test
		this.env = {
			...inherited,
			PATH: n8n.path,
			N8N_USER_FOLDER: userFolder,
			N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PORT: String(port),
			N8N_PROTOCOL: 'http',
			[n8n.line === '1' ? 'WEBHOOK_URL' : 'N8N_WEBHOOK_URL']: `http://127.0.0.1:${port}/`,
			N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
			N8N_SECURE_COOKIE: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_LOG_LEVEL: 'warn',
			// Modules that call n8n's servers on start; nothing may leave this machine.
			...(n8n.line === '2' ? { N8N_DISABLED_MODULES: 'mcp-registry' } : {}),
			// Every n8n process (and its task runners) refuses and records connections off this machine.
			NODE_OPTIONS: `--require ${path.join(__dirname, 'network-guard.js')}`,
			N8N_E2E_OUTBOUND_LOG: path.join(userFolder, 'outbound.log'),
			...extraEnv,
		};
		// Whatever happens to the test, this n8n does not outlive its time.
		this.lifetimeTimer = setTimeout(() => this.stop(), maxLifetimeMs);
		this.lifetimeTimer.unref();
	}

	/** Runs an n8n CLI command to its end (bounded). */
	cli(args, timeoutMs = 180_000) {
		return new Promise((resolve) => {
			execFile(this.n8n.nodeBin, [this.n8n.n8nBin, ...args], { env: this.env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
				resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
			});
		});
	}

	writeTemp(name, data) {
		const file = path.join(this.userFolder, name);
		fs.writeFileSync(file, JSON.stringify(data));
		return file;
	}

	async mustSucceed(args) {
		const result = await this.cli(args);
		if (result.exitCode !== 0) throw new Error(`n8n ${args.join(' ')} failed (${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
		return result;
	}

	/** @param {Array<{ id: string, name: string, type: string, data: object }>} credentials */
	async importCredentials(credentials) {
		await this.mustSucceed(['import:credentials', `--input=${this.writeTemp('credentials.json', credentials)}`]);
	}

	/** @param {object} workflow one workflow with an id */
	async importWorkflow(workflow) {
		await this.mustSucceed(['import:workflow', `--input=${this.writeTemp('workflow.json', workflow)}`]);
	}

	/** Activates a workflow: `publish:workflow` on 2.x, `update:workflow --active=true` on 1.x. */
	async activateWorkflow(id) {
		await this.mustSucceed(this.line === '1' ? ['update:workflow', `--id=${id}`, '--active=true'] : ['publish:workflow', `--id=${id}`]);
	}

	/** `n8n execute --id`: its exit code, output, and the run it printed. Never trust the exit code alone. */
	async execute(id) {
		const result = await this.cli(['execute', `--id=${id}`]);
		return { ...result, run: parseExecuteOutput(result.stdout) };
	}

	/** Every stored execution with its data, decoded from n8n's flatted format (sqlite read with n8n's own driver). */
	async storedExecutions() {
		const script = `
			const sqlite3 = require(${JSON.stringify(path.join(this.n8n.n8nDir, '..', 'sqlite3'))});
			const { parse } = require(${JSON.stringify(require.resolve('flatted', { paths: [this.n8n.n8nDir] }))});
			const db = new sqlite3.Database(${JSON.stringify(path.join(this.userFolder, '.n8n', 'database.sqlite'))}, sqlite3.OPEN_READONLY);
			db.all('select e.id, e.status, e.workflowId, d.data from execution_entity e join execution_data d on d.executionId = e.id order by e.id', (error, rows) => {
				if (error) { console.error(error.message); process.exit(1); }
				process.stdout.write(JSON.stringify(rows.map((r) => ({ id: r.id, status: r.status, workflowId: r.workflowId, raw: r.data, data: parse(r.data) }))));
				db.close();
			});`;
		const stdout = await new Promise((resolve, reject) => {
			execFile(this.n8n.nodeBin, ['-e', script], { timeout: 60_000, maxBuffer: 256 * 1024 * 1024 }, (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)));
		});
		return JSON.parse(/** @type {string} */ (stdout));
	}

	/** `n8n start` in its own process group; resolves when its REST API answers. */
	async start(timeoutMs = 120_000) {
		this.server = spawn(this.n8n.nodeBin, [this.n8n.n8nBin, 'start'], { env: this.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
		const keep = (chunk) => {
			this.serverLog = (this.serverLog + chunk.toString()).slice(-200_000);
		};
		this.server.stdout?.on('data', keep);
		this.server.stderr?.on('data', keep);
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (this.server.exitCode !== null) throw new Error(`n8n start exited (${this.server.exitCode}):\n${this.serverLog}`);
			try {
				// /healthz/readiness only says the database is ready; the REST routes come later (1.x).
				const response = await fetch(`${this.baseUrl}/rest/settings`);
				if (response.status !== 404 && response.status < 500) return;
			} catch {
				// not listening yet
			}
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
		await this.stop();
		throw new Error(`n8n did not become ready in ${timeoutMs} ms:\n${this.serverLog}`);
	}

	/**
	 * Active workflows' webhooks are registered a moment after n8n is ready. Waits until the URL
	 * answers anything but 404 (an empty POST: our trigger refuses it with 400 and runs nothing).
	 */
	async waitForWebhook(url, timeoutMs = 60_000) {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			const response = await fetch(url, { method: 'POST' });
			await response.arrayBuffer();
			if (response.status !== 404) return;
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
		throw new Error(`webhook ${url} was not registered within ${timeoutMs} ms:\n${this.serverLog.slice(-5000)}`);
	}

	/** Connections n8n tried to open to anything but this machine (refused by network-guard.js). */
	outboundAttempts() {
		return readJsonLines(this.env.N8N_E2E_OUTBOUND_LOG);
	}

	/** The n8n processes that ran with the guard: proof that outboundAttempts() watched them. */
	guardedProcesses() {
		return readJsonLines(`${this.env.N8N_E2E_OUTBOUND_LOG}.guarded`);
	}

	/** Creates the owner account (fresh instance) and keeps its session cookie for REST calls. */
	async login() {
		const response = await fetch(`${this.baseUrl}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ email: 'owner@example.com', firstName: 'E2E', lastName: 'Owner', password: 'E2e-owner-password-1' }),
		});
		if (!response.ok) throw new Error(`owner setup failed: ${response.status} ${await response.text()}`);
		this.cookie = (response.headers.get('set-cookie') ?? '').split(';')[0];
	}

	/** GET a REST path of the running n8n with the owner's session. */
	async getJson(pathname) {
		const response = await fetch(`${this.baseUrl}${pathname}`, { headers: { cookie: this.cookie ?? '' } });
		if (!response.ok) throw new Error(`GET ${pathname}: ${response.status}`);
		return await response.json();
	}

	/** POST JSON to a REST path of the running n8n with the owner's session. */
	async postJson(pathname, body = {}) {
		const response = await fetch(`${this.baseUrl}${pathname}`, {
			method: 'POST',
			headers: { cookie: this.cookie ?? '', 'Content-Type': 'application/json' },
			body: JSON.stringify(body),
		});
		if (!response.ok) throw new Error(`POST ${pathname}: ${response.status} ${await response.text()}`);
		return await response.json();
	}

	/** Activates or deactivates a workflow in the running n8n, as the editor's toggle does (runs the trigger's hooks). */
	async setActive(id, active) {
		const { data } = await this.getJson(`/rest/workflows/${id}`);
		await this.postJson(`/rest/workflows/${id}/${active ? 'activate' : 'deactivate'}`, active ? { versionId: data.versionId } : {});
	}

	/** Stops `n8n start` (SIGTERM to its group, SIGKILL after 15 s). */
	async stop() {
		const server = this.server;
		this.server = undefined;
		if (!server || server.exitCode !== null || server.pid === undefined) return;
		const exited = new Promise((resolve) => server.once('exit', resolve));
		const signal = (name) => {
			try {
				process.kill(-(/** @type {number} */ (server.pid)), name);
			} catch {
				// already gone
			}
		};
		signal('SIGTERM');
		const timer = setTimeout(() => signal('SIGKILL'), 15_000);
		await exited;
		clearTimeout(timer);
	}

	async dispose() {
		clearTimeout(this.lifetimeTimer);
		await this.stop();
		fs.rmSync(this.userFolder, { recursive: true, force: true });
	}
}

module.exports = { N8nInstance, packPackage, PACKAGE_NAME: PACKAGE.name, REPO };
