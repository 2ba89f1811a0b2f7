// @ts-check
'use strict';

const { RestError, errors } = require('./errors');
const { timeBlock, OPERATING_WINDOW_SECONDS } = require('./timing');
const { createBatchMethod } = require('./batch');

/**
 * @typedef {{ kind: 'webhook'|'oauth', userId: number, scopes: string[] }} Auth
 * @typedef {{ scope: string | null, run: (context: { params: Record<string, any>, auth: Auth }) => unknown }} MethodDefinition
 * @typedef {{ status: number, json: object } | { status: number, html: string } | { drop: true }} Answer
 */

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
 * The REST part of the portal: faults, rate limit, authorization, scopes, methods.
 * @param {{
 *   methods: Record<string, MethodDefinition>,
 *   webhooks: ReturnType<typeof import('./webhooks').createWebhookStore>,
 *   oauth: ReturnType<typeof import('./oauth').createOAuthServer>,
 *   bucket: ReturnType<typeof import('./limits').createLeakyBucket>,
 *   faults: ReturnType<typeof import('./limits').createFaultQueue>,
 *   sleep: (ms: number) => Promise<void>,
 * }} deps
 */
function createRestApi({ methods, webhooks, oauth, bucket, faults, sleep }) {
	/** Runs one method for an authorized caller (also used by batch); throws RestError. */
	async function callMethod(/** @type {string} */ name, /** @type {Record<string, any>} */ params, /** @type {Auth} */ auth) {
		const definition = allMethods[name.replace(/\.json$/i, '').toLowerCase()];
		if (!definition) throw errors.methodNotFound();
		if (definition.scope && !auth.scopes.includes(definition.scope)) {
			throw auth.kind === 'webhook' ? errors.webhookScope() : errors.tokenScope();
		}
		return definition.run({ params, auth });
	}
	/** @type {Record<string, MethodDefinition>} */
	const allMethods = { ...methods, ...createBatchMethod(callMethod) };

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
		switch (fault.kind) {
			case 'internalError':
				return { status: 500, json: errors.internal().toBody() };
			case 'methodNotFound':
				return { status: 404, json: errors.methodNotFound().toBody() };
			case 'operationTimeLimit': {
				const resetAt = fault.operatingResetAt ?? Math.floor(now / 1000) + OPERATING_WINDOW_SECONDS;
				const time = { ...timeBlock(now), operating_reset_at: resetAt, operating: 480 };
				return { status: 429, json: { error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.', time } };
			}
			case 'htmlPage':
				return { status: 502, html: PROXY_ERROR_PAGE };
			case 'error':
				return { status: fault.status ?? 400, json: { error: fault.error ?? '', error_description: fault.errorDescription ?? '' } };
			case 'drop':
				return fault.afterRun ? undefined : { drop: true };
			default:
				return undefined;
		}
	}

	/**
	 * @param {{ path: string, params: Record<string, any>, authorization: string | undefined }} request
	 * @returns {Promise<{ answer: Answer, restMethod: string | null, authKind: 'webhook'|'oauth'|'none' }>}
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
		const reply = (/** @type {Answer} */ answer) => ({ answer, restMethod: route.method, authKind });

		const fault = faults.take(route.method);
		const faulted = fault && faultAnswer(fault);
		if (faulted) return reply(faulted);
		if (fault?.kind === 'slow') await sleep(fault.delayMs ?? 1000);

		if (!bucket.tryTake()) return reply({ status: 503, json: errors.queryLimit().toBody() });
		let answer;
		try {
			const auth = authenticate(route, accessToken);
			// The credential itself is not a method parameter.
			const methodParams = Object.fromEntries(Object.entries(params).filter(([key]) => key !== 'auth'));
			const result = await callMethod(route.method, methodParams, auth);
			answer = { status: 200, json: { result, time: timeBlock(startedAt) } };
		} catch (error) {
			if (!(error instanceof RestError)) throw error;
			answer = { status: error.status, json: error.toBody() };
		}
		// A "drop after run": the portal did the work but the caller never hears about it.
		return reply(fault?.kind === 'drop' ? { drop: true } : answer);
	}

	return { handle };
}

module.exports = { createRestApi };
