// @ts-check
'use strict';
/**
 * Preloaded into every n8n process the harness starts (NODE_OPTIONS=--require, so the task
 * runners n8n spawns get it too). Any TCP connection to a host that is not this machine's loopback
 * is refused (the socket fails with ECONNREFUSED, as on a machine without network) and written, one
 * JSON line, to $N8N_E2E_OUTBOUND_LOG. The env settings in n8n-harness.js should already keep n8n
 * quiet; this proves it, and catches whatever a new n8n version starts to call.
 */
const fs = require('node:fs');
const net = require('node:net');

const logFile = process.env.N8N_E2E_OUTBOUND_LOG;
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|0\.0\.0\.0|::)$/i;

function record(host, port) {
	if (!logFile) return;
	try {
		fs.appendFileSync(logFile, `${JSON.stringify({ host, port: Number(port), pid: process.pid, at: new Date().toISOString() })}\n`);
	} catch {
		// the user folder may be gone while n8n shuts down
	}
}

/** The host and port out of any of net.Socket#connect's argument forms. */
function target(args) {
	let first = args[0];
	if (Array.isArray(first)) first = first[0]; // internal normalized form [options, callback]
	if (first && typeof first === 'object') {
		if (first.path) return undefined; // unix socket / pipe
		return { host: first.host === undefined ? 'localhost' : String(first.host), port: first.port };
	}
	if (typeof first === 'string' && Number.isNaN(Number(first))) return undefined; // a path
	return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: first };
}

// Which processes carry the guard (the harness lists them: proof that n8n's processes were covered).
if (logFile) {
	try {
		fs.appendFileSync(`${logFile}.guarded`, `${JSON.stringify({ pid: process.pid, argv: process.argv.slice(1) })}\n`);
	} catch {
		// the user folder may be gone
	}
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = /** @type {any} */ (
	function guardedConnect(/** @type {any[]} */ ...args) {
		const to = target(args);
		if (to && !LOOPBACK.test(to.host.replace(/^\[|\]$/g, ''))) {
			record(to.host, to.port);
			const error = Object.assign(new Error(`connect ECONNREFUSED ${to.host}:${to.port} (refused by the e2e network guard)`), {
				code: 'ECONNREFUSED',
				errno: -111,
				syscall: 'connect',
				address: to.host,
				port: to.port,
			});
			process.nextTick(() => this.destroy(error));
			return this;
		}
		return originalConnect.apply(this, /** @type {any} */ (args));
	}
);
