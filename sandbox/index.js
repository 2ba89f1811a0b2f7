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
const { createDocumentStore } = require('./documents');
const { createProcessEngine, processSnapshot } = require('./processes');
const { createProcessMethods } = require('./processMethods');
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
 * @property {Record<number, number[]>} [subordinates] manager user ID → the users under them (task.list of
 *   another user, delegation to subordinates); default: nobody is anybody's manager
 * @property {number[]} [extranetUserIds] users who are not intranet users (tasks cannot be delegated to them)
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
		subordinates = {},
		extranetUserIds = [],
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

	/** Runs `run` after `ms` unless the sandbox closes first. @param {() => unknown} run @param {number} ms */
	const later = (run, ms) => {
		const timer = setTimeout(() => {
			pendingDelays.delete(timer);
			void run();
		}, ms);
		timer.unref();
		pendingDelays.add(timer);
	};

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
	const tokenFor = (/** @type {import('./workflows').Workflow} */ workflow) =>
		signer.issue({ workflowId: workflow.id, activityName: workflow.activityName, eventId: workflow.eventId });

	/**
	 * An action of a business process is reached: the event token is valid from now on; `send` POSTs
	 * the portal's form to the handler.
	 * @param {{
	 *   workflowId?: string, activityName?: string, code: string, documentId: string[], documentType: string[], properties: Record<string, any>,
	 *   useSubscription: boolean, timeoutDuration: number, handlerUrl: string, tokens: Record<string, any>, applicationToken: string,
	 * }} run
	 */
	function prepareActionCall(run) {
		const workflow = workflows.runAction({ workflowId: run.workflowId, activityName: run.activityName, code: run.code, useSubscription: run.useSubscription, timeoutDuration: run.timeoutDuration });
		const eventToken = tokenFor(workflow);
		const form = buildHandlerForm({ ...run, workflowId: workflow.id, eventToken });
		return { workflow, eventToken, activityName: workflow.activityName, send: () => postToHandler(run.handlerUrl, form) };
	}

	const documents = createDocumentStore();
	const engine = createProcessEngine({
		workflows,
		findActivity: (code) => registry.find(code),
		prepareActionCall: (run) =>
			prepareActionCall({ ...run, tokens: oauth.issueTokens({ userId: run.userId, scopes: ['bizproc'] }), applicationToken: oauth.client.applicationToken }),
		later,
	});

	const methods = {
		...createBasicMethods({ adminUserIds, applications: oauth.applications }),
		...createBizprocMethods({ signer, workflows, returnPropertyNames }),
		...registry.methods,
		...createProcessMethods({ engine, documents, adminUserIds, subordinates, extranetUserIds }),
	};
	const rest = createRestApi({ methods, webhooks, oauth, bucket, faults, sleep, parallelWorkersMaxDelayMs });

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
			const call = prepareActionCall({
				workflowId: run.workflowId,
				activityName: run.activityName,
				code,
				documentId,
				documentType,
				properties,
				useSubscription,
				timeoutDuration,
				handlerUrl,
				tokens: run.tokens ?? oauth.issueTokens({ userId, scopes: ['bizproc'] }),
				applicationToken,
			});
			const answer = await call.send();
			// A portal may deliver the same call again (a retry after a slow answer): redeliver() does that.
			return { eventToken: call.eventToken, workflowId: call.workflow.id, ...answer, redeliver: call.send };
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

		/**
		 * Adds a document processes can run on; returns its ID and type. CRM IDs carry their type
		 * (`['crm', 'CCrmDocumentDeal', 'DEAL_5']`, smart process `['crm', 'Bitrix\\Crm\\Integration\\BizProc\\Document\\Dynamic', 'DYNAMIC_147_5']`);
		 * a list element or a Drive file needs `documentType` (`[…, 'iblock_12']`, `[…, 'STORAGE_3']`).
		 * `startableBy`: users besides administrators who may start processes on it.
		 * @param {import('./documents').DocumentId} documentId
		 * @param {{ documentType?: import('./documents').DocumentId, name?: string, startableBy?: number[] }} [about]
		 */
		addDocument: (documentId, about) => documents.add(documentId, about),
		/**
		 * Adds a business process template; returns its ID. Steps run in order: `{ type: 'action', code,
		 * properties }` calls an installed action's (or robot's) HANDLER and waits for bizproc.event.send
		 * (unless it does not subscribe); `{ type: 'approve' | 'review' | 'request' | 'requestOptional',
		 * users, name, … }` creates a task and waits for it. `{=Template:NAME}` in properties and task names
		 * takes the parameter's value. See processTemplates.js for every option.
		 * @param {import('./processTemplates').TemplateDefinition} definition
		 */
		addTemplate: (definition) => engine.addTemplate(definition),
		/**
		 * Starts a process without a REST call (to set up many tasks or processes quickly, e.g. for a
		 * benchmark); the same as bizproc.workflow.start by `startedBy` minus its checks of the caller.
		 * Returns the workflow ID.
		 * @param {{ templateId: number, documentId: import('./documents').DocumentId, parameters?: Record<string, any>, startedBy?: number }} start
		 */
		startProcess({ templateId, documentId, parameters = {}, startedBy = 1 }) {
			const template = engine.template(templateId);
			const document = documents.find(documentId);
			if (!template || !document) throw new Error(`startProcess: ${template ? `no document ${JSON.stringify(documentId)}: addDocument it first` : `no template ${templateId}`}`);
			return engine.start({ template, documentId: document.documentId, documentName: document.name, parameters, startedBy });
		},
		/** A process (started by bizproc.workflow.start) as it is now; undefined once killed. @param {string} workflowId */
		process(workflowId) {
			const instance = engine.instance(workflowId);
			return instance && processSnapshot(instance, engine.tasks());
		},
		/**
		 * Resolves with the process once `until(process)` holds (checked now and after every change:
		 * a handler answered, a step ran, a task was answered). Rejects after `timeoutMs`.
		 * @param {string} workflowId
		 * @param {(process: ReturnType<typeof processSnapshot>) => boolean} until
		 * @param {number} [timeoutMs]
		 */
		waitForProcess(workflowId, until, timeoutMs = 10_000) {
			return new Promise((resolve, reject) => {
				const check = () => {
					const instance = engine.instance(workflowId);
					const snapshot = instance && processSnapshot(instance, engine.tasks());
					if (!snapshot || !until(snapshot)) return false;
					stop();
					resolve(snapshot);
					return true;
				};
				const unsubscribe = engine.subscribe(check);
				const timer = setTimeout(() => {
					stop();
					reject(new Error(`waitForProcess: process ${workflowId} did not get there within ${timeoutMs} ms: ${JSON.stringify(portal.process(workflowId))}`));
				}, timeoutMs);
				const stop = () => {
					clearTimeout(timer);
					unsubscribe();
				};
				check();
			});
		},

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
