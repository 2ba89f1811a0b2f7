'use strict';

const net = require('node:net');
const { startSandbox } = require('..');
const { call } = require('./helpers');

const freePort = () =>
	new Promise((resolve) => {
		const probe = net.createServer().listen(0, '127.0.0.1', () => {
			const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
			probe.close(() => resolve(port));
		});
	});

const connects = (host, port) =>
	new Promise((resolve) => {
		const socket = net.connect({ host, port }, () => {
			socket.destroy();
			resolve(true);
		});
		socket.on('error', () => resolve(false));
	});

describe('sandbox lifecycle', () => {
	test('listens on 127.0.0.1 only, on the requested port', async () => {
		const port = await freePort();
		const portal = await startSandbox({ port });
		try {
			expect(portal.baseUrl).toBe(`http://127.0.0.1:${port}`);
			expect(await connects('127.0.0.1', port)).toBe(true);
			expect(await connects('127.0.0.2', port)).toBe(false); // another loopback address: not bound
		} finally {
			await portal.close();
		}
	});

	test('close() ends pending requests and keep-alive connections at once', async () => {
		const portal = await startSandbox();
		await call(`${portal.webhookUrl}profile`); // leaves a keep-alive connection open
		portal.injectFault({ kind: 'slow', delayMs: 20_000 });
		const pending = call(`${portal.webhookUrl}profile`);
		await new Promise((resolve) => setTimeout(resolve, 100));
		const started = Date.now();
		await portal.close();
		await expect(pending).rejects.toThrow();
		expect(Date.now() - started).toBeLessThan(2000);
		await expect(call(`${portal.webhookUrl}profile`)).rejects.toThrow();
		await portal.close(); // a second close is harmless
	});

	test('maxRequests: past it every request gets 503, logged without secrets', async () => {
		const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
		const portal = await startSandbox({ maxRequests: 3 });
		try {
			for (let i = 0; i < 3; i += 1) expect((await call(`${portal.webhookUrl}profile`)).status).toBe(200);
			const refused = await call(`${portal.webhookUrl}profile`);
			expect(refused.status).toBe(503);
			expect(refused.body.error).toBe('SANDBOX_REQUEST_LIMIT');
			expect(warn).toHaveBeenCalledTimes(1);
			expect(JSON.stringify(warn.mock.calls)).not.toContain(portal.webhookCode);
		} finally {
			warn.mockRestore();
			await portal.close();
		}
	});

	test('maxLifetimeMs: the sandbox closes itself', async () => {
		const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
		const portal = await startSandbox({ maxLifetimeMs: 200 });
		try {
			expect((await call(`${portal.webhookUrl}profile`)).status).toBe(200);
			await new Promise((resolve) => setTimeout(resolve, 400));
			await expect(call(`${portal.webhookUrl}profile`)).rejects.toThrow();
			expect(warn).toHaveBeenCalledWith(expect.stringContaining('lifetime'));
		} finally {
			warn.mockRestore();
			await portal.close();
		}
	});

	test('onLogLine hears every written line', async () => {
		const heard = [];
		const portal = await startSandbox({ onLogLine: (line) => heard.push(line) });
		try {
			const { eventToken, workflowId } = portal.issueEventToken();
			await call(`${portal.webhookUrl}bizproc.activity.log`, { json: { event_token: eventToken, log_message: 'heard' } });
			expect(heard).toEqual([{ workflowId, time: expect.any(String), message: 'heard' }]);
		} finally {
			await portal.close();
		}
	});

	test('GET /sandbox/event-token/ issues a working token when debugEndpoints is on, and is 404 otherwise', async () => {
		const withDebug = await startSandbox({ debugEndpoints: true });
		const without = await startSandbox();
		try {
			const issued = await call(`${withDebug.baseUrl}/sandbox/event-token`);
			expect(issued.body).toEqual({ eventToken: expect.stringMatching(/\|/), workflowId: expect.any(String) });
			await call(`${withDebug.webhookUrl}bizproc.activity.log`, { json: { event_token: issued.body.eventToken, log_message: 'debug' } });
			expect(withDebug.workflow(issued.body.workflowId).logLines).toHaveLength(1);
			expect((await call(`${without.baseUrl}/sandbox/event-token/`)).status).toBe(404);
		} finally {
			await withDebug.close();
			await without.close();
		}
	});

	test('unknown paths are 404 JSON; every request is journaled', async () => {
		const portal = await startSandbox();
		try {
			const answer = await call(`${portal.baseUrl}/nothing/here`);
			expect(answer.status).toBe(404);
			expect(answer.contentType).toBe('application/json; charset=utf-8');
			expect(portal.journal()).toEqual([
				{ at: expect.any(String), httpMethod: 'GET', path: '/nothing/here', restMethod: null, authKind: 'none', contentType: null, params: {}, status: 404, error: 'NOT_FOUND' },
			]);
			portal.clearJournal();
			expect(portal.journal()).toEqual([]);
		} finally {
			await portal.close();
		}
	});
});
