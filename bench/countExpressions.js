// @ts-check
'use strict';
/**
 * Preloaded into `n8n execute` by bench/run.js (NODE_OPTIONS=--require): counts how often each
 * expression is evaluated and the time spent evaluating, to show where a node's time goes. Writes `<pid>.json` into
 * BENCH_EXPRESSION_COUNT_DIR when the process exits. Does nothing in any other process.
 */
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.BENCH_EXPRESSION_COUNT_DIR;
const n8nDir = process.env.BENCH_N8N_DIR;

if (dir && n8nDir && process.argv.includes('execute')) {
	try {
		const { Expression } = require(require.resolve('n8n-workflow', { paths: [n8nDir] }));
		/** @type {Map<string, number>} */
		const counts = new Map();
		let nanoseconds = 0n;
		let depth = 0;
		const original = Expression.prototype.resolveSimpleParameterValue;
		Expression.prototype.resolveSimpleParameterValue = function (value, ...rest) {
			if (typeof value !== 'string' || !value.startsWith('=')) return original.call(this, value, ...rest);
			counts.set(value, (counts.get(value) ?? 0) + 1);
			const started = process.hrtime.bigint();
			depth += 1;
			try {
				return original.call(this, value, ...rest);
			} finally {
				depth -= 1;
				if (depth === 0) nanoseconds += process.hrtime.bigint() - started;
			}
		};
		// Credential reads (database + decryption): patched when n8n loads its CredentialsHelper.
		let credentialReads = 0;
		const Module = require('node:module');
		// @ts-ignore internal, stable since Node 0.x
		const load = Module._load;
		// @ts-ignore
		Module._load = function (request, parent, isMain) {
			const exported = load.call(this, request, parent, isMain);
			const helper = exported?.CredentialsHelper;
			if (request.endsWith('credentials-helper') && helper?.prototype?.getDecrypted && !helper.prototype.getDecrypted.benchCounted) {
				const getDecrypted = helper.prototype.getDecrypted;
				helper.prototype.getDecrypted = function (...args) {
					credentialReads += 1;
					return getDecrypted.apply(this, args);
				};
				helper.prototype.getDecrypted.benchCounted = true;
			}
			return exported;
		};
		process.on('exit', () => {
			const report = { counts: Object.fromEntries(counts), ms: Number(nanoseconds) / 1e6, credentialReads };
			fs.writeFileSync(path.join(dir, `${process.pid}.json`), JSON.stringify(report));
		});
	} catch {
		// n8n-workflow not where expected: no counts, nothing else changes
	}
}
