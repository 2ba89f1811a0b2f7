// @ts-check
'use strict';

const { RestError, errors } = require('./errors');
const { timeBlock, OPERATING_WINDOW_SECONDS } = require('./timing');
const { createBatchMethod, countBatchCommands } = require('./batch');
const { PhpFatalError } = require('./phpValues');
const { ListPage } = require('./listQuery');

/**
 * @typedef {{ kind: 'webhook'|'oauth', userId: number, scopes: string[] }} Auth
 * @typedef {{ scope: string | null, run: (context: { params: Record<string, any>, auth: Auth }) => unknown }} MethodDefinition
 * @typedef {{ status: number, json: object } | { status: number, html: string } | { drop: true }} Answer
 */

/** Fault kinds that can also hit one command inside a batch (the others are about the HTTP answer). */
const COMMAND_FAULT_KINDS = ['internalError', 'operationTimeLimit', 'methodNotFound', 'error'];

/** What Bitrix's exception handler prints for an uncaught PHP error (debug off), with status 500. */
const FATAL_ERROR_PAGE = 'A error occurred during execution of this script. You can turn on extended error reporting in .settings.php file.';

/** What a proxy in front of a portal answers when the portal is down. */
const PROXY_ERROR_PAGE =
	'<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/** `/rest/{method}` (OAuth) or `/rest/{userId}/{code}/{method}` (webhook); `.json` is optional. */
function parseRestPath(/** @type {string} */ path) {
	const match = /^\/rest\/(?:(\d+)\/([^/]+)\/)?([^/]*)$/.exec(path);
	if (!match) return undefined;
	const [, userId, code, rawMethod] = match;
	const method = rawMethod.replace(/\.json$/i, '').toLowerCase();
	return userId ? { method, webhook: { userId: Number(userId), code } } : { method, webhook: undefined };
}

/**
 * The error a fault of a kind in COMMAND_FAULT_KINDS stands for.
 * @param {import('./limits').Fault} fault
 */
function faultError(fault) {
	switch (fault.kind) {
		case 'internalError':
			return errors.internal();
		case 'methodNotFound':
			return errors.methodNotFound();
		case 'operationTimeLimit':
			return errors.operationTimeLimit();
		case 'error':
			return new RestError(fault.status ?? 400, fault.error ?? '', fault.errorDescription ?? '');
		default:
			return undefined;
	}
}

/**
 * The REST part of the portal: faults, rate limit, parallel workers, authorization, scopes, methods.
 * @param {{
 *   methods: Record<string, MethodDefinition>,
 *   webhooks: ReturnType<typeof import('./webhooks').createWebhookStore>,
 *   oauth: ReturnType<typeof import('./oauth').createOAuthServer>,
 *   bucket: ReturnType<typeof import('./limits').createLeakyBucket>,
 *   faults: ReturnType<typeof import('./limits').createFaultQueue>,
 *   sleep: (ms: number) => Promise<void>,
 *   parallelWorkersMaxDelayMs: number,
 * }} deps
 */
function createRestApi({ methods, webhooks, oauth, bucket, faults, sleep, parallelWorkersMaxDelayMs }) {
	let workersMaxDelayMs = parallelWorkersMaxDelayMs;

	/**
	 * Runs one method for an authorized caller (also used by batch); throws RestError. `takeFault`
	 * lets a batch command meet an injected fault where the core checks the operating-time limit.
	 * @param {string} name
	 * @param {Record<string, any>} params
	 * @param {Auth} auth
	 * @param {(method: string) => RestError | undefined} [takeFault]
	 */
	async function callMethod(name, params, auth, takeFault) {
		const method = name.toLowerCase();
		const definition = Object.hasOwn(allMethods, method) ? allMethods[method] : undefined;
		if (!definition) throw errors.methodNotFound();
		if (definition.scope && !auth.scopes.includes(definition.scope)) {
			throw auth.kind === 'webhook' ? errors.webhookScope() : errors.tokenScope();
		}
		const fault = takeFault?.(method);
		if (fault) throw fault;
		return definition.run({ params, auth });
	}
	/** A fault queued for this method that a command inside a batch meets (the batch still answers 200). */
	const takeCommandFault = (/** @type {string} */ method) => {
		const fault = faults.take(method, COMMAND_FAULT_KINDS);
		return fault && faultError(fault);
	};
	/** @type {Record<string, MethodDefinition>} */
	const allMethods = { ...methods, ...createBatchMethod({ callMethod, takeCommandFault }) };

	/** @param {NonNullable<ReturnType<typeof parseRestPath>>} route @param {string | undefined} accessToken @returns {Auth} */
	function authenticate(route, accessToken) {
		if (route.webhook) {
			const hook = webhooks.find(route.webhook.userId, route.webhook.code);
			if (!hook) throw errors.noAuth();
			return { kind: 'webhook', userId: hook.userId, scopes: hook.scopes };
		}
		if (!accessToken) throw errors.noAuth();
		return { kind: 'oauth', ...oauth.authenticate(accessToken) };
	}

	/** @param {import('./limits').Fault} fault @returns {Answer | undefined} an answer instead of running the call */
	function faultAnswer(fault) {
		const now = Date.now();
		if (fault.kind === 'operationTimeLimit') {
			const resetAt = fault.operatingResetAt ?? Math.floor(now / 1000) + OPERATING_WINDOW_SECONDS;
			const time = { ...timeBlock(now), operating_reset_at: resetAt, operating: 480 };
			return { status: 429, json: { ...errors.operationTimeLimit().toBody(), time } };
		}
		if (fault.kind === 'htmlPage') return { status: 502, html: PROXY_ERROR_PAGE };
		if (fault.kind === 'drop') return fault.afterRun ? undefined : { drop: true };
		const error = faultError(fault);
		return error && { status: error.status, json: error.toBody() };
	}

	/** Parallel PHP workers: a request that got in waits a random 0..N ms before it runs. */
	async function waitForWorker() {
		if (workersMaxDelayMs > 0) await sleep(Math.random() * workersMaxDelayMs);
	}

	/**
	 * @param {{ path: string, params: Record<string, any>, authorization: string | undefined }} request
	 * @returns {Promise<{ answer: Answer, restMethod: string | null, authKind: 'webhook'|'oauth'|'none', batchCommands?: number }>}
	 */
	async function handle({ path, params, authorization }) {
		const startedAt = Date.now();
		const route = parseRestPath(path);
		const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
		// The header wins over `auth=` in query or body, as in the core.
		const accessToken = bearer ?? (typeof params.auth === 'string' && params.auth ? params.auth : undefined);
		/** @type {'webhook'|'oauth'|'none'} */
		const authKind = route?.webhook ? 'webhook' : accessToken ? 'oauth' : 'none';
		if (!route) return { answer: { status: 404, json: errors.methodNotFound().toBody() }, restMethod: null, authKind };
		const batchCommands = route.method === 'batch' ? countBatchCommands(params) : undefined;
		const reply = (/** @type {Answer} */ answer) => ({ answer, restMethod: route.method, authKind, ...(batchCommands === undefined ? {} : { batchCommands }) });

		const fault = faults.take(route.method);
		const faulted = fault && faultAnswer(fault);
		if (faulted) return reply(faulted);
		if (fault?.kind === 'slow') await sleep(fault.delayMs ?? 1000);

		if (!bucket.tryTake()) return reply({ status: 503, json: errors.queryLimit().toBody() });
		await waitForWorker();
		/** @type {Answer} */
		let answer;
		try {
			const auth = authenticate(route, accessToken);
			// The credential itself is not a method parameter.
			const methodParams = Object.fromEntries(Object.entries(params).filter(([key]) => key !== 'auth'));
			const result = await callMethod(route.method, methodParams, auth);
			const body = result instanceof ListPage ? result.toAnswer() : { result };
			answer = { status: 200, json: { ...body, time: timeBlock(startedAt) } };
		} catch (error) {
			if (error instanceof PhpFatalError) answer = { status: 500, html: FATAL_ERROR_PAGE };
			else if (error instanceof RestError) answer = { status: error.status, json: error.toBody() };
			else throw error;
		}
		// A "drop after run": the portal did the work but the caller never hears about it.
		return reply(fault?.kind === 'drop' ? { drop: true } : answer);
	}

	return {
		handle,
		/** @param {number} maxDelayMs 0: off */
		setParallelWorkers(maxDelayMs) {
			workersMaxDelayMs = maxDelayMs;
		},
	};
}

module.exports = { createRestApi };
