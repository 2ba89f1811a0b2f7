#!/usr/bin/env node
// @ts-check
'use strict';

/**
 * `npm run sandbox` / `node sandbox/cli.js [--port N] [--no-rate-limit] [--lifetime-minutes N] [--parallel-workers-ms N]`:
 * starts a sandbox portal and prints what you need to talk to it. Prints the secrets it is asked for
 * (webhook URL, OAuth client, the curl's event token), never the log lines' tokens.
 */

const { startSandbox } = require('./index');

const MAX_PRINTED_MESSAGE = 500;
/** The action code the printed "Ask n8n" template calls: register a Bizproc Trigger with this code. */
const DEMO_ACTION_CODE = 'n8n_action';

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
	// Before anything is printed: whoever reads "Stop with Ctrl+C" may send it at once.
	const stop = () => {
		void portal.close().then(() => process.exit(0));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
	const { eventToken } = portal.issueEventToken();
	// Something to start business processes on by hand: a deal and two templates for deals.
	/** @type {import('./documents').DocumentId} */
	const DEAL = ['crm', 'CCrmDocumentDeal', 'DEAL'];
	const deal = portal.addDocument(['crm', 'CCrmDocumentDeal', 'DEAL_1'], { name: 'Sandbox deal' }).documentId;
	const askTemplate = portal.addTemplate({
		documentType: DEAL,
		name: `Ask n8n (action ${DEMO_ACTION_CODE})`,
		parameters: { Title: { Name: 'Title', Type: 'string', Default: 'Sandbox deal' } },
		steps: [{ type: 'action', code: DEMO_ACTION_CODE, properties: { message: 'Deal {=Template:Title}' } }],
	});
	const approveTemplate = portal.addTemplate({ documentType: DEAL, name: 'Approve the deal', steps: [{ type: 'approve', users: [1], name: 'Approve {=Template:Title}' }], parameters: { Title: { Name: 'Title', Type: 'string', Default: 'the deal' } } });
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

Business processes on deal ${JSON.stringify(deal)} (bizproc.workflow.start with TEMPLATE_ID and DOCUMENT_ID):
  template ${askTemplate}  calls the action "${DEMO_ACTION_CODE}" (register it first, e.g. with a Bizproc Trigger over OAuth)
  template ${approveTemplate}  waits for user 1 to approve (bizproc.task.list / bizproc.task.complete)

OAuth application:
  client_id      ${oauth.clientId}
  client_secret  ${oauth.clientSecret}
  authorize URL  ${oauth.authorizeUrl}
  token URL      ${oauth.tokenUrl}
  portal URL     ${oauth.portalUrl}

Written log lines appear below. Stop with Ctrl+C.`);
}

main().catch((error) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
