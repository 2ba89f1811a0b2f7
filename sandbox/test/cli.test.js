'use strict';

const path = require('node:path');
const { spawn } = require('node:child_process');

const CLI = path.join(__dirname, '..', 'cli.js');

/** Starts the CLI and collects its output until `until` appears. */
function startCli(args) {
	const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout.on('data', (chunk) => (output += chunk));
	child.stderr.on('data', (chunk) => (output += chunk));
	const waitFor = (text, timeoutMs = 10_000) =>
		new Promise((resolve, reject) => {
			const started = Date.now();
			const poll = setInterval(() => {
				if (output.includes(text)) {
					clearInterval(poll);
					resolve(output);
				} else if (Date.now() - started > timeoutMs || child.exitCode !== null) {
					clearInterval(poll);
					reject(new Error(`CLI did not print "${text}":\n${output}`));
				}
			}, 20);
		});
	const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
	return { child, waitFor, exited, output: () => output };
}

describe('CLI', () => {
	test('prints base URL, webhook, a working curl, OAuth settings and the log lines; stops on SIGINT', async () => {
		const cli = startCli(['--no-rate-limit']);
		try {
			const banner = await cli.waitFor('Ctrl+C');
			const baseUrl = /sandbox portal on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)[1];
			expect(banner).toMatch(/rate limit off/);
			expect(banner).toContain(`${baseUrl}/rest/1/`);
			expect(banner).toContain(`client_id`);
			expect(banner).toContain(`${baseUrl}/oauth/token/`);
			expect(banner).toContain(`curl ${baseUrl}/sandbox/event-token/`);

			// A deal and two templates are ready for bizproc.workflow.start.
			const templateId = /template (\d+) {2}waits for user 1 to approve/.exec(banner)[1];
			const webhookUrl = new RegExp(`(${baseUrl}/rest/1/[^/\\s]+/)`).exec(banner)[1];
			const started = await fetch(`${webhookUrl}bizproc.workflow.start`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ TEMPLATE_ID: templateId, DOCUMENT_ID: ['crm', 'CCrmDocumentDeal', 'DEAL_1'] }),
			});
			expect((/** @type {any} */ (await started.json())).result).toMatch(/^[0-9a-f]{14}\.\d{8}$/);
			const tasks = /** @type {any} */ (await (await fetch(`${webhookUrl}bizproc.task.list`)).json());
			expect(tasks.result).toEqual([expect.objectContaining({ NAME: 'Approve the deal', DOCUMENT_ID: 'DEAL_1' })]);

			// Run what the printed curl line runs.
			const curl = /curl -X POST -H "Content-Type: application\/json" -d '([^']*)' (\S+bizproc\.activity\.log)/.exec(banner);
			expect(curl).not.toBeNull();
			const [, body, url] = curl;
			expect(JSON.parse(body)).toEqual({ event_token: expect.any(String), log_message: 'Please wait for answer!' });
			const answer = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
			expect(await answer.json()).toMatchObject({ result: true });

			const logged = await cli.waitFor('[log]');
			expect(logged).toMatch(/\[log\] \S+ workflow [0-9a-f]{14}\.\d{8}: "Please wait for answer!"/);
			const eventId = JSON.parse(body).event_token.split('|')[2];
			expect(logged.slice(logged.indexOf('[log]'))).not.toContain(eventId);
		} finally {
			cli.child.kill('SIGINT');
		}
		expect(await cli.exited).toBe(0);
	});

	test('--parallel-workers-ms N turns parallel workers on and says so; a bad N is refused', async () => {
		const cli = startCli(['--no-rate-limit', '--parallel-workers-ms', '25', '--lifetime-minutes', '1']);
		try {
			expect(await cli.waitFor('Ctrl+C')).toMatch(/rate limit off, parallel workers: each request waits 0-25 ms/);
		} finally {
			cli.child.kill('SIGINT');
		}
		expect(await cli.exited).toBe(0);
		const bad = startCli(['--parallel-workers-ms', '-5']);
		expect(await bad.exited).toBe(1);
		expect(bad.output()).toContain('--parallel-workers-ms needs a number of milliseconds >= 0');
	});

	test('a SIGINT sent the moment the banner is out stops it cleanly: the handler is in place before it prints', async () => {
		const cli = startCli(['--no-rate-limit', '--lifetime-minutes', '1']);
		let sent = false;
		cli.child.stdout.on('data', () => {
			if (!sent && cli.output().includes('Ctrl+C')) {
				sent = true;
				cli.child.kill('SIGINT');
			}
		});
		expect(await cli.exited).toBe(0);
	});

	test('refuses unknown arguments', async () => {
		const cli = startCli(['--bogus']);
		expect(await cli.exited).toBe(1);
		expect(cli.output()).toContain('Unknown argument');
	});
});
