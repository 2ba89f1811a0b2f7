// @ts-check
'use strict';
/**
 * n8n in queue mode, as users scale it out: one main (`n8n start`: editor, REST API, activation),
 * one webhook processor (`n8n webhook`: receives production webhooks and queues their executions),
 * and workers (`n8n worker`: run the executions), joined by Redis (BullMQ) and sharing a Postgres
 * database and the encryption key. Postgres and Redis come from services.js.
 *
 *   const cluster = await createQueueCluster({ line: '2', tarball, workers: 2 });
 *   await cluster.main.importCredentials([...]);  await cluster.main.importWorkflow({...});
 *   await cluster.start();                        // main, then the webhook processor and workers
 *   cluster.webhookBaseUrl;                       // where production URLs point (WEBHOOK_URL)
 *   await cluster.main.login(); await cluster.main.setActive(id, true);
 *   cluster.workerOf();                           // Map executionId -> worker number (1, 2, ...)
 *   await cluster.main.readExecutions();          // from Postgres
 *   await cluster.dispose();                      // stops every process and both services
 *
 * `cluster.main` is an N8nInstance (n8n-harness.js) on the cluster's env: everything the real-n8n
 * harness does (CLI, REST, the network guard, time limits) works the same. Every other process gets
 * a user folder of its own (as a container would) with the package installed into it the same way,
 * and its own ports for the task-runner broker and health checks, all on 127.0.0.1. Production
 * webhooks are switched off on the main (N8N_DISABLE_PRODUCTION_MAIN_PROCESS), as n8n advises when
 * webhook processors run: a production call reaching the main would be a test error (404).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { createN8nInstance, installTarball } = require('./n8n-harness');
const { startPostgres, startRedis } = require('./services');
const { freePort, stopGroup } = require('./processes');

/**
 * `webhookProcessors` > 1 starts more `n8n webhook` processes on ports of their own
 * (`cluster.webhookBaseUrls`); a caller spreads calls among them as a load balancer would.
 * @param {{ line?: string, tarball: string, workers?: number, webhookProcessors?: number, concurrency?: number, env?: Record<string, string>, maxLifetimeMs?: number }} options
 */
async function createQueueCluster({ line = '2', tarball, workers = 2, webhookProcessors = 1, concurrency = 10, env = {}, maxLifetimeMs = 45 * 60 * 1000 }) {
	const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
	try {
		const webhookPort = await freePort();
		const webhookBaseUrl = `http://127.0.0.1:${webhookPort}`;
		const main = await createN8nInstance({
			line,
			tarball,
			maxLifetimeMs,
			env: {
				...postgres.env,
				...redis.env,
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_PREFIX: `b24e2e${crypto.randomBytes(4).toString('hex')}`,
				// Production URLs (what the trigger registers as the HANDLER) point at the webhook processor.
				WEBHOOK_URL: `${webhookBaseUrl}/`,
				N8N_WEBHOOK_URL: `${webhookBaseUrl}/`,
				N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true',
				N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
				// n8n's default pool of 2 connections per process: here the webhook processor then took more
				// than 30 s to answer 200 calls arriving at once (each call reads the workflow and the
				// credential and inserts an execution), and the portal gives up on a call after 30 s.
				DB_POSTGRESDB_POOL_SIZE: process.env.QUEUE_PG_POOL_SIZE || '10',
				...env,
			},
		});
		const moreWebhookPorts = [];
		for (let n = 1; n < webhookProcessors; n++) moreWebhookPorts.push(await freePort());
		return new QueueCluster({ main, postgres, redis, tarball, webhookPort, webhookBaseUrl, moreWebhookPorts, workers, concurrency, maxLifetimeMs });
	} catch (error) {
		await Promise.allSettled([postgres.stop(), redis.stop()]);
		throw error;
	}
}

class QueueCluster {
	/**
	 * @param {{ main: import('./n8n-harness').N8nInstance, postgres: any, redis: any, tarball: string, webhookPort: number, webhookBaseUrl: string, moreWebhookPorts?: number[], workers: number, concurrency: number, maxLifetimeMs: number }} parts
	 */
	constructor({ main, postgres, redis, tarball, webhookPort, webhookBaseUrl, moreWebhookPorts = [], workers, concurrency, maxLifetimeMs }) {
		this.main = main;
		this.line = main.line;
		this.version = main.version;
		this.postgres = postgres;
		this.redis = redis;
		this.tarball = tarball;
		this.webhookPort = webhookPort;
		this.webhookBaseUrl = webhookBaseUrl;
		this.moreWebhookPorts = moreWebhookPorts;
		/** Every webhook processor's base URL, the first one (WEBHOOK_URL) first. */
		this.webhookBaseUrls = [webhookBaseUrl, ...moreWebhookPorts.map((port) => `http://127.0.0.1:${port}`)];
		this.workerCount = workers;
		this.concurrency = concurrency;
		/** @type {Array<{ name: string, child: import('node:child_process').ChildProcess, log: () => string }>} */
		this.processes = [];
		// The main instance stops its own processes (these included) at its lifetime; the services too.
		this.lifetimeTimer = setTimeout(() => void this.dispose(), maxLifetimeMs + 10_000);
		this.lifetimeTimer.unref();
	}

	/** A user folder of its own for one more n8n process, with the package installed as in the main's. */
	userFolderFor(name) {
		const folder = path.join(this.main.userFolder, 'processes', name);
		fs.mkdirSync(folder, { recursive: true });
		installTarball(folder, this.tarball);
		return folder;
	}

	/** The main (waits until it serves its REST API), then the webhook processor and the workers at once. */
	async start({ timeoutMs = 180_000 } = {}) {
		await this.main.start({ timeoutMs });
		const starts = [this.startWebhookProcessor(timeoutMs)];
		this.moreWebhookPorts.forEach((port, index) => starts.push(this.startWebhookProcessor(timeoutMs, port, `webhook-${index + 2}`)));
		for (let n = 1; n <= this.workerCount; n++) starts.push(this.startWorker(n, timeoutMs));
		await Promise.all(starts);
	}

	async startWebhookProcessor(timeoutMs, port = this.webhookPort, name = 'webhook') {
		const { child, log } = this.main.launch(['webhook'], {
			N8N_USER_FOLDER: this.userFolderFor(name),
			N8N_PORT: String(port),
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		});
		this.processes.push({ name, child, log });
		await this.main.waitUntilServing(`http://127.0.0.1:${port}`, { child, log, timeoutMs, what: `n8n ${name}`, rest: false });
	}

	async startWorker(number, timeoutMs) {
		const healthPort = await freePort();
		const { child, log } = this.main.launch(['worker', `--concurrency=${this.concurrency}`], {
			N8N_USER_FOLDER: this.userFolderFor(`worker-${number}`),
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			QUEUE_HEALTH_CHECK_PORT: String(healthPort),
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
			// "Worker started execution <id>" is logged at info: workerOf() reads it.
			N8N_LOG_LEVEL: 'info',
		});
		this.processes.push({ name: `worker-${number}`, child, log });
		await this.main.waitUntilServing(`http://127.0.0.1:${healthPort}`, { child, log, timeoutMs, what: `n8n worker ${number}`, rest: false });
	}

	/** Which worker (1, 2, ...) started each execution, from the workers' own logs. */
	workerOf() {
		/** @type {Map<string, number>} */
		const byExecution = new Map();
		for (const { name, log } of this.processes) {
			if (!name.startsWith('worker-')) continue;
			const number = Number(name.slice('worker-'.length));
			for (const match of log().matchAll(/Worker started execution (\d+)/g)) byExecution.set(match[1], number);
		}
		return byExecution;
	}

	/** The output of one process ('main', 'webhook', 'worker-1', ...), for error messages. */
	logOf(name) {
		if (name === 'main') return this.main.serverLog;
		return this.processes.find((entry) => entry.name === name)?.log() ?? '';
	}

	/** Processes that exited while they should be running: [{ name, exit }]. */
	exited() {
		const gone = this.processes.filter(({ child }) => child.exitCode !== null || child.signalCode !== null).map(({ name, child }) => ({ name, exit: child.exitCode ?? child.signalCode }));
		const main = this.main.server;
		return main && (main.exitCode !== null || main.signalCode !== null) ? [...gone, { name: 'main', exit: main.exitCode ?? main.signalCode }] : gone;
	}

	/** Stops the webhook processor and workers, the main (and its user folders), then Postgres and Redis. */
	async dispose() {
		if (this.disposing) return await this.disposing;
		this.disposing = (async () => {
			clearTimeout(this.lifetimeTimer);
			await Promise.allSettled(this.processes.map(({ child }) => stopGroup(child, { graceMs: 15_000 })));
			await this.main.dispose();
			await Promise.allSettled([this.postgres.stop(), this.redis.stop()]);
		})();
		return await this.disposing;
	}
}

module.exports = { createQueueCluster, QueueCluster };
