// @ts-check
'use strict';

const http = require('node:http');

/** @typedef {Awaited<ReturnType<typeof import('..').startSandbox>>} Sandbox */

/**
 * Small HTTP helpers for the sandbox tests: every test talks to the running sandbox over real HTTP.
 * @param {string} url
 * @param {{ json?: unknown, form?: string, method?: string, headers?: Record<string, string> }} [request]
 */
async function call(url, { json, form, method, headers = {} } = {}) {
	/** @type {RequestInit} */
	const init = { method: method ?? (json !== undefined || form !== undefined ? 'POST' : 'GET'), headers: { ...headers } };
	if (json !== undefined) {
		init.headers = { 'Content-Type': 'application/json', ...headers };
		init.body = JSON.stringify(json);
	} else if (form !== undefined) {
		init.headers = { 'Content-Type': 'application/x-www-form-urlencoded', ...headers };
		init.body = form;
	}
	const response = await fetch(url, { ...init, redirect: 'manual' });
	const text = await response.text();
	const contentType = response.headers.get('content-type') ?? '';
	return {
		status: response.status,
		contentType,
		headers: response.headers,
		text,
		body: contentType.startsWith('application/json') ? JSON.parse(text) : undefined,
	};
}

/** The `time` block every answer must carry, with all its fields. */
const TIME_FIELDS = ['start', 'finish', 'duration', 'processing', 'date_start', 'date_finish', 'operating_reset_at', 'operating'];

/** bizproc.activity.log on the portal's webhook. @param {Sandbox} portal */
const activityLogUrl = (portal) => `${portal.webhookUrl}bizproc.activity.log`;

/**
 * Writes `message` into the log of the action `eventToken` belongs to (bizproc.activity.log).
 * @param {Sandbox} portal @param {string} eventToken @param {string} message
 */
const writeLog = (portal, eventToken, message) => call(activityLogUrl(portal), { json: { event_token: eventToken, log_message: message } });

/** The messages of a workflow's log lines, in the order written. @param {Sandbox} portal @param {string} workflowId */
const logMessages = (portal, workflowId) => portal.workflow(workflowId).logLines.map((line) => line.message);

/**
 * An application's action handler on 127.0.0.1 for the portal to call: keeps every request's content
 * type and body (`received`), answers `status` with the text `answer`. The test that starts it closes it.
 */
async function startActionHandler({ status = 200, answer = 'handled' } = {}) {
	/** @type {Array<{ contentType: string | undefined, body: string }>} */
	const received = [];
	const server = http.createServer((req, res) => {
		let body = '';
		req.setEncoding('utf8');
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			received.push({ contentType: req.headers['content-type'], body });
			res.writeHead(status, { 'Content-Type': 'text/plain' });
			res.end(answer);
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
	const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
	return {
		received,
		/** The handler's URL; another `path` tells a second action's calls apart. */
		url: (path = '/bitrix/action') => `http://127.0.0.1:${port}${path}`,
		async close() {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(() => resolve(undefined)));
		},
	};
}

module.exports = { call, TIME_FIELDS, activityLogUrl, writeLog, logMessages, startActionHandler };
