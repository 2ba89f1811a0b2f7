// @ts-check
'use strict';

const http = require('node:http');
const { parseRequestParams } = require('./bodies');

const JSON_TYPE = 'application/json; charset=utf-8';
const MAX_BODY_BYTES = 20 * 1024 * 1024;

/**
 * @typedef {object} JournalEntry
 * @property {string} at ISO time the request arrived
 * @property {string} httpMethod
 * @property {string} path URL path without the query string
 * @property {string | null} restMethod lower-case REST method for /rest/ calls, else null
 * @property {'webhook'|'oauth'|'none'} authKind what the caller presented (not whether it was valid)
 * @property {string | null} contentType the request's Content-Type header
 * @property {Record<string, any>} params parsed query + body, keys as sent
 * @property {number} status HTTP status; 0 when the connection was dropped
 * @property {string | null} error the `error` code of the answer, if any
 * @property {number} [batchCommands] for `batch`: how many commands `cmd` held (run or not)
 */

/** @param {http.IncomingMessage} req @returns {Promise<Buffer | null>} null when the body is too large */
function readBody(req) {
	return new Promise((resolve, reject) => {
		/** @type {Buffer[]} */
		const chunks = [];
		let size = 0;
		req.on('data', (chunk) => {
			size += chunk.length;
			if (size <= MAX_BODY_BYTES) chunks.push(chunk);
		});
		req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks)));
		req.on('error', reject);
	});
}

/**
 * The HTTP front: reads the request, routes it, writes the answer, keeps the journal.
 * @param {{
 *   rest: ReturnType<typeof import('./rest').createRestApi>,
 *   oauth: ReturnType<typeof import('./oauth').createOAuthServer>,
 *   journal: JournalEntry[],
 *   maxRequests: number,
 *   debugRoutes: Record<string, () => object>,
 * }} deps
 */
function createRequestListener({ rest, oauth, journal, maxRequests, debugRoutes }) {
	let requestCount = 0;

	/** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
	async function listener(req, res) {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		/** @type {JournalEntry} */
		const entry = { at: new Date().toISOString(), httpMethod: req.method ?? 'GET', path: url.pathname, restMethod: null, authKind: 'none', contentType: req.headers['content-type'] ?? null, params: {}, status: 0, error: null };
		journal.push(entry);

		/** @param {number} status @param {Record<string, any>} body @param {Record<string, string>} [headers] */
		const sendJson = (status, body, headers = {}) => {
			entry.status = status;
			entry.error = typeof body.error === 'string' ? body.error : null;
			res.writeHead(status, { 'Content-Type': JSON_TYPE, ...headers });
			res.end(JSON.stringify(body));
		};

		requestCount += 1;
		if (requestCount > maxRequests) {
			if (requestCount === maxRequests + 1) console.warn(`[sandbox] more than ${maxRequests} requests: answering 503 from now on`);
			return sendJson(503, { error: 'SANDBOX_REQUEST_LIMIT', error_description: `The sandbox answers at most ${maxRequests} requests` });
		}
		const body = await readBody(req);
		if (!body) return sendJson(413, { error: 'REQUEST_TOO_LARGE', error_description: 'Request body too large' });
		const params = parseRequestParams({ contentType: req.headers['content-type'], body, query: url.search.slice(1) });
		entry.params = params;

		if (url.pathname.startsWith('/rest/')) {
			const { answer, ...about } = await rest.handle({ path: url.pathname, params, authorization: req.headers.authorization });
			Object.assign(entry, about);
			if ('drop' in answer) {
				entry.error = 'CONNECTION_DROPPED';
				req.socket.destroy();
			} else if ('html' in answer) {
				entry.status = answer.status;
				res.writeHead(answer.status, { 'Content-Type': 'text/html; charset=utf-8' });
				res.end(answer.html);
			} else sendJson(answer.status, answer.json);
			return;
		}
		const route = url.pathname.replace(/\/?$/, '/');
		if (route === '/oauth/authorize/') {
			const answer = oauth.authorize(params);
			if (answer.location) {
				entry.status = 302;
				res.writeHead(302, { Location: answer.location });
				return res.end();
			}
			return sendJson(answer.status, answer.body ?? {});
		}
		if (route === '/oauth/token/') {
			const answer = oauth.token(params);
			return sendJson(answer.status, answer.body);
		}
		const debugRoute = debugRoutes[route];
		if (debugRoute) return sendJson(200, debugRoute());
		return sendJson(404, { error: 'NOT_FOUND', error_description: 'Not found' });
	}

	return (/** @type {http.IncomingMessage} */ req, /** @type {http.ServerResponse} */ res) => {
		listener(req, res).catch((error) => {
			console.error('[sandbox] internal failure:', error);
			if (!res.headersSent) {
				res.writeHead(500, { 'Content-Type': JSON_TYPE });
				res.end(JSON.stringify({ error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' }));
			}
		});
	};
}

/**
 * Listens on 127.0.0.1 only and keeps track of sockets so that closing never hangs.
 * @param {number} port
 */
async function listenLocally(port) {
	const server = http.createServer();
	/** @type {Set<import('node:net').Socket>} */
	const sockets = new Set();
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => resolve(undefined));
	});
	const address = /** @type {import('node:net').AddressInfo} */ (server.address());
	return {
		server,
		port: address.port,
		/** Stops listening and destroys open connections. */
		close() {
			const closed = new Promise((resolve) => server.close(() => resolve(undefined)));
			for (const socket of sockets) socket.destroy();
			return closed;
		},
	};
}

module.exports = { createRequestListener, listenLocally };
