// @ts-check
'use strict';
/**
 * What every real-n8n test, and the demo, starts with: the sandbox portal and a fresh n8n with this
 * package installed and the portal's credentials imported.
 *
 *   describe.each(N8N_LINES)('n8n %s.x', (line) => {
 *     let n8n, portal, stopAll;
 *     beforeAll(async () => ({ n8n, portal, stop: stopAll } = await startN8nAndSandbox({ line, credentials: (portal) => [...] })));
 *     afterAll(async () => await stopAll?.());
 */
const { startSandbox } = require('../sandbox');
const { createN8nInstance, packedPackage } = require('./n8n-harness');

/** The n8n lines the real-n8n tests run on: N8N_E2E_LINES (`2`, `1` or `2,1`), both by default. */
const N8N_LINES = (process.env.N8N_E2E_LINES || '2,1').split(',');

/**
 * Starts the sandbox portal (`sandbox`: its options, rate limit off unless given), then an n8n of
 * `line` with this package (packed once per process) and `credentials(portal)` imported. Both live at
 * most `maxLifetimeMs`; `stop()` stops both. When a step fails, what was started is stopped.
 * @param {{ line?: string, sandbox?: import('../sandbox').SandboxOptions, env?: Record<string, string>, maxLifetimeMs?: number, credentials?: (portal: any) => Array<{ id: string, name: string, type: string, data: object }> }} [options]
 */
async function startN8nAndSandbox({ line = '2', sandbox = { rateLimit: false }, env = {}, maxLifetimeMs = 30 * 60 * 1000, credentials = () => [] } = {}) {
	const portal = await startSandbox({ ...sandbox, maxLifetimeMs });
	/** @type {import('./n8n-harness').N8nInstance | undefined} */
	let n8n;
	const stop = async () => {
		await n8n?.dispose();
		await portal.close();
	};
	try {
		n8n = await createN8nInstance({ line, tarball: packedPackage(), env, maxLifetimeMs });
		const imported = credentials(portal);
		if (imported.length > 0) await n8n.importCredentials(imported);
		return { portal, n8n, stop };
	} catch (error) {
		await stop();
		throw error;
	}
}

module.exports = { N8N_LINES, startN8nAndSandbox };
