// @ts-check
'use strict';
/**
 * B6 burst: 200 handler calls at once, the trigger against n8n's own Webhook node answering on
 * receipt, side by side in one run on the same n8n. Two workflows active together:
 *   Bitrix24 Bizproc Trigger -> No Op   (webhook credential with its Application Token)
 *   Webhook (POST, Respond: Immediately) -> No Op
 * The sandbox portal sends the very form a portal sends (genuine calls, distinct event tokens) to the
 * trigger, then the same kind of form to the Webhook node; each burst waits until its executions are
 * stored as finished. Cases: queue mode with 1 and 2 webhook processors (2 workers; calls spread
 * round-robin over the processors, as a load balancer does), and the default mode (one `n8n start`,
 * SQLite). Per burst: answers by status, answer time median / p95 / max, executions finished, and
 * from every n8n process (bench/countDb.js) the credential reads and the Postgres pool waits.
 * Never asserts; prints and returns figures.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { createN8nInstance } = require('../harness/n8n-harness');
const { createQueueCluster } = require('../harness/queue-harness');
const { startSandbox } = require('../sandbox');
const { buildHandlerForm } = require('../sandbox/handlerCall');
const { sleep } = require('../harness/processes');

const CREDENTIAL = { id: 'b6BurstHook00001', name: 'Bitrix24 webhook (B6)' };
const HEADER_CREDENTIAL = { id: 'b6HeaderAuth0001', name: 'Header Auth (B6)' };
const HEADER = { name: 'X-B6-Secret', value: 'b6-header-secret-0123456789abcdef' };
const TRIGGER_PATH = 'bitrix24-bizproc';
const TRIGGER_HOOK = 'b6-trigger-0000-4000-8000-000000000001';
const WEBHOOK_PATH = 'b6-webhook-node';
const HEADER_AUTH_PATH = 'b6-webhook-header-auth';
/** Calls to each workflow before the measured bursts: n8n's first executions load and compile what later ones reuse. */
const WARM_UP_CALLS = 20;

function workflows(packageName) {
	const noOp = (name) => ({ id: `${name}-noop`, name: 'No Op', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [300, 0], parameters: {} });
	const wire = (from) => ({ [from]: { main: [[{ node: 'No Op', type: 'main', index: 0 }]] } });
	return [
		{
			id: 'b6TriggerNoOp001',
			name: 'B6 trigger -> No Op',
			active: false,
			settings: {},
			nodes: [
				{
					id: 'b6-trigger',
					name: 'Bitrix24 Bizproc Trigger',
					type: `${packageName}.bitrix24BizprocTrigger`,
					typeVersion: 2,
					position: [0, 0],
					webhookId: TRIGGER_HOOK,
					parameters: { authentication: 'webhook', options: {} },
					credentials: { bitrix24WebhookApi: CREDENTIAL },
				},
				noOp('trigger'),
			],
			connections: wire('Bitrix24 Bizproc Trigger'),
		},
		{
			id: 'b6WebhookNoOp001',
			name: 'B6 Webhook -> No Op',
			active: false,
			settings: {},
			nodes: [
				{
					id: 'b6-webhook',
					name: 'Webhook',
					type: 'n8n-nodes-base.webhook',
					typeVersion: 2,
					position: [0, 0],
					webhookId: 'b6-webhook-0000-4000-8000-000000000002',
					parameters: { httpMethod: 'POST', path: WEBHOOK_PATH, responseMode: 'onReceived', options: {} },
				},
				noOp('webhook'),
			],
			connections: wire('Webhook'),
		},
		{
			// The same job as the trigger's check: a secret compared against a credential on every call.
			id: 'b6HeaderAuthNoOp',
			name: 'B6 Webhook with Header Auth -> No Op',
			active: false,
			settings: {},
			nodes: [
				{
					id: 'b6-header-auth',
					name: 'Webhook',
					type: 'n8n-nodes-base.webhook',
					typeVersion: 2,
					position: [0, 0],
					webhookId: 'b6-webhook-0000-4000-8000-000000000003',
					parameters: { httpMethod: 'POST', path: HEADER_AUTH_PATH, authentication: 'headerAuth', responseMode: 'onReceived', options: {} },
					credentials: { httpHeaderAuth: HEADER_CREDENTIAL },
				},
				noOp('headerAuth'),
			],
			connections: wire('Webhook'),
		},
	];
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** Sums what bench/countDb.js wrote for every n8n process of a case. */
function readCounts(dir) {
	const totals = { credentialReads: 0, poolWaits: 0, queries: 0, byRole: {}, credentialQueries: /** @type {Record<string, number>} */ ({}) };
	for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
		try {
			const counts = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
			for (const key of ['credentialReads', 'poolWaits', 'queries']) totals[key] += counts[key];
			for (const [shape, count] of Object.entries(counts.credentialQueries ?? {})) totals.credentialQueries[shape] = (totals.credentialQueries[shape] ?? 0) + count;
			const role = (totals.byRole[counts.role] ??= { credentialReads: 0, poolWaits: 0, queries: 0 });
			for (const key of ['credentialReads', 'poolWaits', 'queries']) role[key] += counts[key];
		} catch {
			// a file being written
		}
	}
	return totals;
}

/** What n8n logged about trouble (errors, the trigger's refusals), counted by message. */
function troubleIn(log) {
	/** @type {Record<string, number>} */
	const counts = {};
	for (const line of log.split('\n')) {
		if (!/error|Bitrix24 Bizproc Trigger|timeout|problem/i.test(line)) continue;
		// On purpose (no-control-regex is off for this file in eslint.project.config.mjs): n8n's log colours its lines with ANSI escapes (ESC [ … m)
		const key = line.replace(/\x1b\[[0-9;]*m/g, '').replace(/\d+/g, 'N').trim().slice(0, 220);
		counts[key] = (counts[key] ?? 0) + 1;
	}
	return counts;
}

/** Every n8n process's output so far, joined. */
function logsOf(n8n, cluster) {
	if (!cluster) return n8n.serverLog;
	return [cluster.logOf('main'), ...cluster.processes.map(({ name }) => cluster.logOf(name))].join('\n');
}

/**
 * One burst of `calls` POSTs at once, spread over `urls`; then waits until `workflowId` has that
 * many more finished executions (or `settleMs` passed).
 */
async function burst({ n8n, cluster, urls, forms, headers = {}, workflowId, countsDir, settleMs }) {
	const logBefore = logsOf(n8n, cluster).length;
	const before = (await n8n.readExecutions({ workflowId })).length;
	const countsBefore = readCounts(countsDir);
	const first = Date.now();
	const answers = await Promise.all(
		forms.map(async (form, n) => {
			try {
				const response = await fetch(urls[n % urls.length], {
					method: 'POST',
					headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'Bitrix24 Webhook Engine', ...headers },
					body: form,
					signal: AbortSignal.timeout(30_000), // the time the sandbox (and this test) gives a handler
				});
				const text = await response.text();
				// Who answered what: n8n's own 503 ("Database is not ready!") is not the trigger's 503.
				const reason = response.status === 200 ? '' : ` ${(/"(?:message|error_description)":"([^"]{0,80})/.exec(text)?.[1] ?? text.slice(0, 60)).trim()}`;
				return { status: `${response.status}${reason}`, ms: Date.now() - first };
			} catch (error) {
				return { status: /** @type {Error} */ (error).name, ms: Date.now() - first };
			}
		}),
	);
	const accepted = answers.filter((answer) => answer.status === '200').length;
	let executions = [];
	for (const deadline = Date.now() + settleMs; Date.now() < deadline; await sleep(2000)) {
		executions = (await n8n.readExecutions({ workflowId })).slice(before);
		if (executions.length >= accepted && executions.every((execution) => execution.stoppedAt)) break;
	}
	await sleep(1500); // the counters are written every second
	const countsAfter = readCounts(countsDir);
	const times = answers.map((answer) => answer.ms).sort((a, b) => a - b);
	/** @type {Record<string, number>} */
	const statuses = {};
	for (const { status } of answers) statuses[status] = (statuses[status] ?? 0) + 1;
	return {
		times,
		statuses,
		medianS: percentile(times, 50) / 1000,
		p95S: percentile(times, 95) / 1000,
		maxS: times[times.length - 1] / 1000,
		executions: executions.length,
		finished: executions.filter((execution) => execution.status === 'success').length,
		credentialReads: countsAfter.credentialReads - countsBefore.credentialReads,
		poolWaits: countsAfter.poolWaits - countsBefore.poolWaits,
		queries: countsAfter.queries - countsBefore.queries,
		credentialQueries: countsAfter.credentialQueries,
		trouble: troubleIn(logsOf(n8n, cluster).slice(logBefore)),
	};
}

const fmt = (value, digits = 1) => (value === undefined || Number.isNaN(value) ? 'n/a' : Number(value).toFixed(digits));

const SIDES = [
	{ key: 'trigger', label: 'Bizproc Trigger -> No Op' },
	{ key: 'webhook', label: "n8n's Webhook (on receipt) -> No Op" },
	{ key: 'headerAuth', label: "n8n's Webhook with Header Auth (on receipt) -> No Op" },
];

/** For the console: answers, median and finished executions of a burst, and what n8n logged as trouble. */
const summary = (f) =>
	`${Object.entries(f.statuses).map(([status, count]) => `${count} × ${status}`).join(', ')}; median ${fmt(f.medianS)} s, max ${fmt(f.maxS)} s; ${f.finished} finished; ${f.credentialReads} credential reads, ${f.poolWaits} pool waits` +
	Object.entries(f.trouble).map(([line, count]) => `\n    ${count} × ${line}`).join('');

/** A workflow's measured bursts as one: answers pooled, counts summed, each burst's median kept. */
function combine(bursts) {
	const times = bursts.flatMap((b) => b.times).sort((a, b) => a - b);
	/** @type {Record<string, number>} */
	const statuses = {};
	for (const b of bursts) for (const [status, count] of Object.entries(b.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
	const sum = (key) => bursts.reduce((total, b) => total + b[key], 0);
	return {
		bursts: bursts.length,
		statuses,
		medianS: percentile(times, 50) / 1000,
		p95S: percentile(times, 95) / 1000,
		maxS: times[times.length - 1] / 1000,
		burstMediansS: bursts.map((b) => b.medianS),
		finished: sum('finished'),
		credentialReads: sum('credentialReads'),
		poolWaits: sum('poolWaits'),
	};
}

/**
 * One case: a fresh n8n (queue mode with `webhookProcessors`, or the default mode when 0) and portal,
 * the workflows active, a warm-up burst to each, then two measured bursts per workflow in A B B A order.
 * @param {{ line: string, tarball: string, packageName: string, webhookProcessors: number, calls: number, say: (text: string) => void, cpuProfileDir?: string, env?: Record<string, string>, headerAuth?: boolean }} options
 */
async function runBurstCase({ line, tarball, packageName, webhookProcessors, calls, say, cpuProfileDir, env = {}, headerAuth = false }) {
	const settings = Object.entries(env).map(([key, value]) => `${key}=${value}`).join(' ');
	const mode = `${webhookProcessors === 0 ? 'default mode (SQLite)' : `queue mode, ${webhookProcessors} webhook processor${webhookProcessors > 1 ? 's' : ''}, 2 workers`}${settings ? `, ${settings}` : ''}`;
	say(`\n▶ B6 n8n ${line}.x, ${mode}: ${calls} calls at once, twice per workflow (A B B A), after ${WARM_UP_CALLS} warm-up calls each`);
	const countsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'b6-counts-'));
	const portal = await startSandbox({ maxLifetimeMs: 40 * 60 * 1000 });
	const cluster = webhookProcessors === 0 ? undefined : await createQueueCluster({ line, tarball, workers: 2, webhookProcessors, env, maxLifetimeMs: 40 * 60 * 1000 });
	const n8n = cluster ? cluster.main : await createN8nInstance({ line, tarball, env, maxLifetimeMs: 40 * 60 * 1000 });
	try {
		// --cpu-prof=<dir> of bench/queue.js: every n8n process writes a V8 CPU profile there when it stops.
		const profile = cpuProfileDir ? ` --cpu-prof --cpu-prof-dir=${path.join(cpuProfileDir, `${line}x-${webhookProcessors}wp`)}` : '';
		n8n.env.NODE_OPTIONS = `${n8n.env.NODE_OPTIONS ?? ''} --require=${path.join(__dirname, 'countDb.js')}${profile}`.trim();
		n8n.env.B6_COUNTS_DIR = countsDir;
		await n8n.importCredentials([{ ...CREDENTIAL, type: 'bitrix24WebhookApi', data: { webhookUrl: portal.webhookUrl, applicationToken: portal.oauth.applicationToken } }]);
		if (headerAuth) await n8n.importCredentials([{ ...HEADER_CREDENTIAL, type: 'httpHeaderAuth', data: HEADER }]);
		const [triggerFlow, webhookFlow, headerAuthFlow] = workflows(packageName);
		for (const flow of headerAuth ? [triggerFlow, webhookFlow, headerAuthFlow] : [triggerFlow, webhookFlow]) {
			await n8n.importWorkflow(flow);
			await n8n.activateWorkflow(flow.id);
		}
		if (cluster) await cluster.start();
		else await n8n.start();
		const bases = cluster ? cluster.webhookBaseUrls : [n8n.baseUrl];
		const urlsOf = (pathname) => bases.map((base) => `${base}/webhook/${pathname}`);
		const targets = {
			trigger: { urls: urlsOf(`${TRIGGER_HOOK}/${TRIGGER_PATH}`), workflowId: triggerFlow.id },
			webhook: { urls: urlsOf(WEBHOOK_PATH), workflowId: webhookFlow.id },
			headerAuth: { urls: urlsOf(HEADER_AUTH_PATH), workflowId: headerAuthFlow.id, headers: { [HEADER.name]: HEADER.value } },
		};
		const sides = SIDES.filter((side) => side.key !== 'headerAuth' || headerAuth);
		// Registered once it answers anything but 404 (Header Auth without the header: 403).
		for (const side of sides) for (const url of targets[side.key].urls) await n8n.waitForWebhook(url, 120_000);
		const formsFor = (tag, count) =>
			Array.from({ length: count }, (_, n) =>
				buildHandlerForm({
					workflowId: `b6-${tag}-${n}`,
					code: 'n8n_action',
					documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${n}`],
					documentType: ['crm', 'CCrmDocumentDeal', 'DEAL'],
					eventToken: `b6-${tag}-${n}-${Date.now()}|A1_${n}|${'s'.repeat(32)}.${'a'.repeat(64)}`,
					properties: { Order: `ORD-${n}` },
					useSubscription: true,
					timeoutDuration: 0,
					tokens: portal.issueOAuthTokens({}),
					applicationToken: portal.oauth.applicationToken,
				}),
			);
		const settleMs = 5 * 60_000;
		let round = 0;
		const burstOf = (side, count) => burst({ n8n, cluster, ...targets[side.key], forms: formsFor(`${side.key}-${round++}`, count), countsDir, settleMs });
		for (const side of sides) await burstOf(side, WARM_UP_CALLS);
		// A B B A (or A B C C B A): each workflow once early and once late in the run, so neither gains from
		// going second on a warmed-up n8n or loses to a machine getting busier.
		/** @type {Record<string, Array<Awaited<ReturnType<typeof burst>>>>} */
		const measured = {};
		for (const side of [...sides, ...[...sides].reverse()]) {
			const figures = await burstOf(side, calls);
			say(`  ${side.label}: ${summary(figures)}`);
			(measured[side.key] ??= []).push(figures);
		}
		const combined = Object.fromEntries(Object.entries(measured).map(([key, bursts]) => [key, combine(bursts)]));
		return { line, version: n8n.version, mode, webhookProcessors, calls, ...combined, load: os.loadavg()[0] };
	} finally {
		if (cluster) await cluster.dispose();
		else await n8n.dispose();
		await portal.close();
		fs.rmSync(countsDir, { recursive: true, force: true });
	}
}


/** The B6 table: one row per case and workflow; each workflow's two bursts pooled. */
function renderBurst(results, calls) {
	const header = ['n8n, mode', 'workflow', 'answers by status (2 bursts)', 'answer median / p95 / max (s)', 'median of each burst (s)', 'executions finished', 'median ÷ Webhook median', 'credential reads', 'Postgres pool waits', 'load (1 min) at the end'];
	const rows = [];
	for (const r of results) {
		for (const side of SIDES) {
			const f = r[side.key];
			if (!f) continue;
			rows.push([
				`${r.version}, ${r.mode}`,
				side.label,
				Object.entries(f.statuses).map(([status, count]) => `${count} × ${status}`).join(', '),
				`${fmt(f.medianS)} / ${fmt(f.p95S)} / ${fmt(f.maxS)}`,
				f.burstMediansS.map((m) => fmt(m)).join(', '),
				`${f.finished} of ${calls * f.bursts}`,
				side.key === 'webhook' ? '' : fmt(f.medianS / r.webhook.medianS, 2),
				String(f.credentialReads),
				r.webhookProcessors === 0 ? 'n/a (SQLite)' : String(f.poolWaits),
				fmt(r.load, 1),
			]);
		}
	}
	return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

module.exports = { runBurstCase, renderBurst, WARM_UP_CALLS };
