// @ts-check
'use strict';

/**
 * A local Bitrix24 REST server ("sandbox portal") for tests, the demo and benchmarks.
 * Standard library only; listens on 127.0.0.1. See README.md.
 */

const { listenLocally, createRequestListener } = require('./server');
const { createRestApi } = require('./rest');
const { createOAuthServer } = require('./oauth');
const { createWebhookStore } = require('./webhooks');
const { createLeakyBucket, createFaultQueue, STANDARD_RATE_LIMIT } = require('./limits');
const { createEventTokenSigner } = require('./eventTokens');
const { createWorkflowStore } = require('./workflows');
const { createBizprocMethods } = require('./bizproc');
const { createRegistry } = require('./registry');
const { createBasicMethods } = require('./basics');
const { buildHandlerForm, postToHandler } = require('./handlerCall');
const { randomHex } = require('./ids');

/**
 * @typedef {object} SandboxOptions
 * @property {number} [port] 0 (default) picks a free port
 * @property {import('./limits').RateLimit | false} [rateLimit] leaky bucket; default 50 / 2 per s; false: off
 * @property {number} [accessTokenLifetimeSeconds] default 3600
 * @property {boolean} [invalidateUsedRefreshTokens] default true
 * @property {string} [domain] what the portal calls itself in auth payloads
 * @property {number} [maxRequests] past it every request gets 503 (default 100000)
 * @property {number} [maxLifetimeMs] the sandbox closes itself after this (default 30 min)
 * @property {number[]} [adminUserIds] portal administrators (default [1])
 * @property {boolean} [debugEndpoints] serve GET /sandbox/event-token/ (default false; the CLI turns it on)
 * @property {number} [parallelWorkersMaxDelayMs] parallel PHP workers: every REST request that passes the
 *   rate limit waits a random 0..N ms before it runs, so requests in flight together finish (and write)
 *   in any order, as on a real portal. Default 0: off, requests run in arrival order.
 * @property {(line: { workflowId: string, time: string, message: string }) => void} [onLogLine] called for every written log line
 */

/** @param {SandboxOptions} [options] */
async function startSandbox(options = {}) {
	const {
		port = 0,
		rateLimit = STANDARD_RATE_LIMIT,
		accessTokenLifetimeSeconds = 3600,
		invalidateUsedRefreshTokens = true,
		domain = 'sandbox.bitrix24.test',
		maxRequests = 100_000,
		maxLifetimeMs = 30 * 60 * 1000,
		adminUserIds = [1],
		debugEndpoints = false,
		parallelWorkersMaxDelayMs = 0,
		onLogLine,
	} = options;
	checkDelay(parallelWorkersMaxDelayMs);

	const listening = await listenLocally(port);
	const baseUrl = `http://127.0.0.1:${listening.port}`;

	/** @type {Set<NodeJS.Timeout>} */
	const pendingDelays = new Set();
	const sleep = (/** @type {number} */ ms) =>
		new Promise((resolve) => {
			const timer = setTimeout(() => {
				pendingDelays.delete(timer);
				resolve(undefined);
			}, ms);
			pendingDelays.add(timer);
		});

	const signer = createEventTokenSigner(randomHex(32));
	const workflows = createWorkflowStore({ onLogLine });
	const registry = createRegistry({ adminUserIds });
	const oauth = createOAuthServer({ baseUrl, domain, accessTokenLifetimeSeconds, invalidateUsedRefreshTokens });
	const webhooks = createWebhookStore();
	const bucket = createLeakyBucket(rateLimit);
	const faults = createFaultQueue();
	/** @type {import('./server').JournalEntry[]} */
	const journal = [];

	const returnPropertyNames = (/** @type {string} */ code) => {
		const declared = registry.find(code)?.RETURN_PROPERTIES;
		return declared ? Object.keys(declared) : undefined;
	};
	const methods = {
		...createBasicMethods({ adminUserIds, applications: oauth.applications }),
		...createBizprocMethods({ signer, workflows, returnPropertyNames }),
		...registry.methods,
	};
	const rest = createRestApi({ methods, webhooks, oauth, bucket, faults, sleep, parallelWorkersMaxDelayMs });

	const tokenFor = (/** @type {import('./workflows').Workflow} */ workflow) =>
		signer.issue({ workflowId: workflow.id, activityName: workflow.activityName, eventId: workflow.eventId });

	/** @param {{ useSubscription?: boolean, workflowId?: string, activityName?: string, code?: string, timeoutDuration?: number }} [run] */
	function issueEventToken(run = {}) {
		const workflow = workflows.runAction(run);
		return { eventToken: tokenFor(workflow), workflowId: workflow.id };
	}

	/** @type {Record<string, () => object>} */
	const debugRoutes = debugEndpoints ? { '/sandbox/event-token/': () => issueEventToken() } : {};
	listening.server.on('request', createRequestListener({ rest, oauth, journal, maxRequests, debugRoutes }));

	const defaultWebhook = webhooks.create({ userId: 1, scopes: ['bizproc'] });
	const webhookUrlFor = (/** @type {{ userId: number, code: string }} */ hook) => `${baseUrl}/rest/${hook.userId}/${hook.code}/`;

	/** @type {Promise<void> | undefined} */
	let closing;
	const lifetimeTimer = setTimeout(() => {
		console.warn(`[sandbox] ${baseUrl} reached its lifetime of ${maxLifetimeMs} ms and closes`);
		void portal.close();
	}, maxLifetimeMs);
	lifetimeTimer.unref();

	const portal = {
		baseUrl,
		webhookUrl: webhookUrlFor(defaultWebhook),
		webhookCode: defaultWebhook.code,
		oauth: oauth.client,

		/** @param {{ userId?: number, scopes?: string[] }} [hook] */
		createWebhook(hook = {}) {
			const created = webhooks.create(hook);
			return { url: webhookUrlFor(created), userId: created.userId, code: created.code };
		},
		revokeWebhook: (/** @type {string} */ code) => webhooks.revoke(code),

		/**
		 * A token response as /oauth/token/ gives it; `application: 'other'` gives the token of another
		 * application installed on the same portal. @param {{ userId?: number, scopes?: string[], application?: 'this' | 'other' }} [grant]
		 */
		issueOAuthTokens: (grant = {}) => oauth.issueTokens(grant),
		expireAccessTokens: () => oauth.expireAccessTokens(),

		issueEventToken,

		/**
		 * Runs an application action: POSTs to its handler exactly what a portal sends.
		 * @param {{
		 *   handlerUrl?: string, code?: string, properties?: Record<string, any>, useSubscription?: boolean,
		 *   applicationToken?: string, documentId?: string[], documentType?: string[], timeoutDuration?: number,
		 *   userId?: number, workflowId?: string, activityName?: string, tokens?: Record<string, any>,
		 * }} run `tokens`: the auth block to send (default: fresh tokens of this application for `userId`)
		 */
		async startWorkflow(run) {
			const {
				code = 'n8n_action',
				properties = {},
				useSubscription = true,
				applicationToken = oauth.client.applicationToken,
				documentId = ['crm', 'CCrmDocumentDeal', 'DEAL_1'],
				timeoutDuration = 7200,
				userId = 1,
			} = run;
			const handlerUrl = run.handlerUrl ?? registry.find(code)?.HANDLER;
			if (!handlerUrl) throw new Error(`startWorkflow: no handlerUrl given and no action "${code}" installed`);
			const documentType = run.documentType ?? [documentId[0], documentId[1], documentId[2].replace(/_\d+$/, '')];
			const workflow = workflows.runAction({ workflowId: run.workflowId, activityName: run.activityName, code, useSubscription, timeoutDuration });
			const eventToken = tokenFor(workflow);
			const form = buildHandlerForm({
				workflowId: workflow.id,
				code,
				documentId,
				documentType,
				eventToken,
				properties,
				useSubscription,
				timeoutDuration,
				tokens: run.tokens ?? oauth.issueTokens({ userId, scopes: ['bizproc'] }),
				applicationToken,
			});
			const answer = await postToHandler(handlerUrl, form);
			// A portal may deliver the same call again (a retry after a slow answer): redeliver() does that.
			return { eventToken, workflowId: workflow.id, ...answer, redeliver: () => postToHandler(handlerUrl, form) };
		},

		workflow: (/** @type {string} */ workflowId) => workflows.snapshot(workflowId),
		logLines: () => workflows.allLines(),
		journal: () => structuredClone(journal),
		clearJournal() {
			journal.length = 0;
		},

		/** @param {import('./limits').RateLimit | false} limit */
		setRateLimit: (limit) => bucket.set(limit),
		/**
		 * Parallel PHP workers (see SandboxOptions.parallelWorkersMaxDelayMs); 0 turns them off.
		 * @param {number} maxDelayMs
		 */
		setParallelWorkers(maxDelayMs) {
			checkDelay(maxDelayMs);
			rest.setParallelWorkers(maxDelayMs);
		},
		/**
		 * Makes the next matching call(s) fail. A fault with `method` also hits a command of that method
		 * inside a batch when its kind is internalError, operationTimeLimit, methodNotFound or error:
		 * that command gets the error as its result_error entry (without running) and the batch still
		 * answers 200. Other kinds, and faults without `method`, hit top-level requests only.
		 * @param {import('./limits').Fault} fault
		 */
		injectFault: (fault) => faults.add(fault),
		clearFaults: () => faults.clear(),

		registeredActivities: () => registry.activities(),
		registeredRobots: () => registry.robots(),

		/** Stops the server, destroying open connections (idempotent). */
		close() {
			closing ??= (async () => {
				clearTimeout(lifetimeTimer);
				for (const timer of pendingDelays) clearTimeout(timer);
				await listening.close();
			})();
			return closing;
		},
	};
	return portal;
}

function checkDelay(/** @type {unknown} */ ms) {
	if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) throw new Error(`parallel workers: the delay must be a number of milliseconds >= 0, got ${String(ms)}`);
}

module.exports = { startSandbox };
