#!/usr/bin/env node
// @ts-check
'use strict';

/**
 * `npm run sandbox` / `node test/sandbox/cli.js [--port N] [--no-rate-limit] [--lifetime-minutes N] [--parallel-workers-ms N]`:
 * starts a sandbox portal and prints what you need to talk to it. Prints the secrets it is asked for
 * (webhook URL, OAuth client, the curl's event token), never the log lines' tokens.
 */

const { startSandbox } = require('./index');

const MAX_PRINTED_MESSAGE = 500;

function parseArgs(/** @type {string[]} */ argv) {
	const options = { port: 0, rateLimit: true, lifetimeMinutes: 8 * 60, parallelWorkersMs: 0 };
	for (let i = 0; i < argv.length; i += 1) {
		const arg = argv[i];
		if (arg === '--port') options.port = Number(argv[++i]);
		else if (arg === '--no-rate-limit') options.rateLimit = false;
		else if (arg === '--lifetime-minutes') options.lifetimeMinutes = Number(argv[++i]);
		else if (arg === '--parallel-workers-ms') options.parallelWorkersMs = Number(argv[++i]);
		else throw new Error(`Unknown argument "${arg}". Usage: cli.js [--port N] [--no-rate-limit] [--lifetime-minutes N] [--parallel-workers-ms N]`);
	}
	if (!Number.isInteger(options.port) || options.port < 0) throw new Error('--port needs a port number');
	if (!(options.lifetimeMinutes > 0)) throw new Error('--lifetime-minutes needs a positive number');
	if (!(options.parallelWorkersMs >= 0) || !Number.isFinite(options.parallelWorkersMs)) throw new Error('--parallel-workers-ms needs a number of milliseconds >= 0');
	return options;
}

/** Single quotes for a POSIX shell. */
const shellQuote = (/** @type {string} */ text) => `'${text.replace(/'/g, `'\\''`)}'`;

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const portal = await startSandbox({
		port: args.port,
		...(args.rateLimit ? {} : { rateLimit: false }),
		maxLifetimeMs: args.lifetimeMinutes * 60_000,
		parallelWorkersMaxDelayMs: args.parallelWorkersMs,
		debugEndpoints: true,
		onLogLine: ({ workflowId, time, message }) => {
			const shown = message.length > MAX_PRINTED_MESSAGE ? `${message.slice(0, MAX_PRINTED_MESSAGE)}… (${message.length} chars)` : message;
			console.log(`[log] ${time} workflow ${workflowId}: ${JSON.stringify(shown)}`);
		},
	});
	const { eventToken } = portal.issueEventToken();
	const body = JSON.stringify({ event_token: eventToken, log_message: 'Please wait for answer!' });
	const { oauth } = portal;

	const workers = args.parallelWorkersMs > 0 ? `, parallel workers: each request waits 0-${args.parallelWorkersMs} ms` : '';
	console.log(`Bitrix24 sandbox portal on ${portal.baseUrl}  (rate limit ${args.rateLimit ? '50 burst / 2 per s' : 'off'}${workers})

Incoming webhook (scope bizproc, user 1):
  ${portal.webhookUrl}

Write a log line into a waiting workflow:
  curl -X POST -H "Content-Type: application/json" -d ${shellQuote(body)} ${portal.webhookUrl}bizproc.activity.log

More event tokens (each one a new waiting workflow):
  curl ${portal.baseUrl}/sandbox/event-token/

OAuth application:
  client_id      ${oauth.clientId}
  client_secret  ${oauth.clientSecret}
  authorize URL  ${oauth.authorizeUrl}
  token URL      ${oauth.tokenUrl}
  portal URL     ${oauth.portalUrl}

Written log lines appear below. Stop with Ctrl+C.`);

	const stop = () => {
		void portal.close().then(() => process.exit(0));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((error) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
