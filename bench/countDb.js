// @ts-check
'use strict';
/**
 * Preloaded into every n8n process of B6 (NODE_OPTIONS=--require): counts, per process, the database
 * queries that read credentials (`credentials_entity`) and, with Postgres, how often a query had to
 * wait for a free connection of the pool (pg-pool's connect() with every connection busy). Writes
 * the counts to $B6_COUNTS_DIR/<pid>.json every second. Reads nothing of the data, changes nothing.
 */
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const { isMainThread } = require('node:worker_threads');

const dir = process.env.B6_COUNTS_DIR;
// n8n starts worker threads that load this file too: they would overwrite the process's file.
if (dir && isMainThread) {
	const role = process.argv.includes('webhook') ? 'webhook' : process.argv.includes('worker') ? 'worker' : 'main';
	const counts = { pid: process.pid, role, credentialReads: 0, poolWaits: 0, queries: 0, credentialQueries: /** @type {Record<string, number>} */ ({}) };
	const isCredentialRead = (text) => {
		if (typeof text !== 'string' || !/credentials_entity/i.test(text) || !/^\s*select/i.test(text)) return false;
		// Which queries read credentials (a node's getCredentials, n8n's permission checks): the first 120 characters after FROM.
		const shape = text.replace(/\s+/g, ' ').replace(/^.*? FROM /i, 'FROM ').slice(0, 160);
		if (Object.keys(counts.credentialQueries).length < 20 || shape in counts.credentialQueries) counts.credentialQueries[shape] = (counts.credentialQueries[shape] ?? 0) + 1;
		return true;
	};
	const patched = new WeakSet();
	// @ts-expect-error Module._load is internal, and the only way to see n8n's own copy of pg
	const load = Module._load;
	// @ts-expect-error see above
	Module._load = function (request, ...rest) {
		const exported = load.call(this, request, ...rest);
		try {
			if (request === 'pg-pool' && typeof exported === 'function' && !patched.has(exported)) {
				patched.add(exported);
				const connect = exported.prototype.connect;
				exported.prototype.connect = function (...args) {
					if (this._idle.length === 0 && this._clients.length >= this.options.max) counts.poolWaits += 1;
					return connect.apply(this, args);
				};
			}
			if (request === 'pg' && exported?.Client && !patched.has(exported.Client)) {
				patched.add(exported.Client);
				const query = exported.Client.prototype.query;
				exported.Client.prototype.query = function (config, ...args) {
					counts.queries += 1;
					if (isCredentialRead(typeof config === 'string' ? config : config?.text)) counts.credentialReads += 1;
					return query.call(this, config, ...args);
				};
			}
			if (request === 'sqlite3' && exported?.Database && !patched.has(exported.Database)) {
				patched.add(exported.Database);
				for (const method of ['all', 'get', 'run', 'each']) {
					const original = exported.Database.prototype[method];
					exported.Database.prototype[method] = function (sql, ...args) {
						counts.queries += 1;
						if (isCredentialRead(sql)) counts.credentialReads += 1;
						return original.call(this, sql, ...args);
					};
				}
			}
		} catch {
			// counting is best effort; never break n8n
		}
		return exported;
	};
	const file = path.join(dir, `${process.pid}.json`);
	const write = () => {
		try {
			fs.writeFileSync(file, JSON.stringify(counts));
		} catch {
			// the folder may be gone at the end of a run
		}
	};
	setInterval(write, 1000).unref();
	process.on('exit', write);
}
