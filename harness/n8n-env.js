// @ts-check
'use strict';
/**
 * The environment of every n8n process the harness starts: on 127.0.0.1, with every outbound feature
 * n8n has switched off, and a preloaded guard (network-guard.js) that refuses and records any
 * connection off this machine.
 */
const fs = require('node:fs');
const path = require('node:path');

const ENCRYPTION_KEY = 'e2e-only-encryption-key-0123456789';

/**
 * Env that keeps n8n on this machine. Checked against @n8n/config of 2.41.1 and 1.123.81; names a
 * line does not know are ignored by it.
 */
function isolatedEnv({ line, userFolder, port, brokerPort }) {
	const { NODE_ENV, JEST_WORKER_ID, NODE_OPTIONS, ...inherited } = process.env; // n8n behaves differently under NODE_ENV=test
	return {
		...inherited,
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		DB_TYPE: 'sqlite', // <user folder>/.n8n/database.sqlite
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PORT: String(port),
		N8N_PROTOCOL: 'http',
		N8N_EDITOR_BASE_URL: `http://127.0.0.1:${port}/`,
		WEBHOOK_URL: `http://127.0.0.1:${port}/`, // 1.x
		N8N_WEBHOOK_URL: `http://127.0.0.1:${port}/`, // 2.x
		N8N_SECURE_COOKIE: 'false', // plain http on loopback: the login cookie must still be sent
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_LOG_LEVEL: process.env.N8N_E2E_LOG_LEVEL || 'warn',
		// Task runners (2.x always; 1.x only when enabled): the broker on loopback, on a free port.
		N8N_RUNNERS_MODE: 'internal',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_PYTHON_ENABLED: 'false',
		// Everything that would call n8n's (or anyone's) servers.
		N8N_DIAGNOSTICS_ENABLED: 'false', // telemetry (RudderStack, PostHog)
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_AI_ENABLED: 'false',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		N8N_LICENSE_SERVER_URL: 'http://127.0.0.1:9/',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true', // load .n8n/nodes
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		N8N_VERIFIED_PACKAGES_ENABLED: 'false', // no lookups of n8n's verified-nodes list
		N8N_COMMUNITY_PACKAGES_REGISTRY: 'http://127.0.0.1:9/', // update checks fail here, not on the internet
		...(line === '2' ? { N8N_DISABLED_MODULES: 'mcp-registry' } : {}), // fetches the MCP registry on start
		// The guard: refuses and records any connection off this machine, in every n8n process.
		NODE_OPTIONS: `--require=${path.join(__dirname, 'network-guard.js')}`,
		N8N_E2E_OUTBOUND_LOG: path.join(userFolder, 'outbound.jsonl'),
	};
}

/**
 * A `node` for PATH that is Node 24 with the guard preloaded. n8n starts its JS task runner as
 * `node` from PATH with an env of its own choosing (no NODE_OPTIONS), so the guard reaches the
 * runner only this way.
 */
function guardedNodeDir(n8n, userFolder) {
	const dir = path.join(userFolder, '.e2e-bin');
	const quote = (text) => `'${String(text).replace(/'/g, `'\\''`)}'`;
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(
		path.join(dir, 'node'),
		`#!/bin/sh\nN8N_E2E_OUTBOUND_LOG=${quote(path.join(userFolder, 'outbound.jsonl'))} exec ${quote(n8n.nodeBin)} --require=${quote(path.join(__dirname, 'network-guard.js'))} "$@"\n`,
		{ mode: 0o755 },
	);
	return dir;
}

module.exports = { ENCRYPTION_KEY, isolatedEnv, guardedNodeDir };
