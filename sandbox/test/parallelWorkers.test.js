'use strict';

const { startSandbox } = require('..');
const { call, writeLog, logMessages } = require('./helpers');

let portal;
beforeAll(async () => {
	portal = await startSandbox({ rateLimit: false, parallelWorkersMaxDelayMs: 40 });
});
afterAll(() => portal.close());

const sent = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);

describe('parallel workers', () => {
	test('with 0-40 ms per request, 30 concurrent calls for one workflow are written out of order', async () => {
		const orders = [];
		for (let attempt = 0; attempt < 3; attempt += 1) {
			const { eventToken, workflowId } = portal.issueEventToken();
			const answers = await Promise.all(sent.map((message) => writeLog(portal, eventToken, message)));
			expect(answers.map((answer) => answer.status)).toEqual(sent.map(() => 200));
			orders.push(logMessages(portal, workflowId));
		}
		for (const written of orders) expect([...written].sort()).toEqual([...sent].sort());
		expect(orders.some((written) => written.join('|') !== sent.join('|'))).toBe(true);
	});

	test('the commands of one batch still run one after another', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const cmd = Object.fromEntries(sent.map((message, i) => [`c${i}`, `bizproc.activity.log?${new URLSearchParams({ event_token: eventToken, log_message: message })}`]));
		const answer = await call(`${portal.webhookUrl}batch`, { json: { cmd } });
		expect(answer.body.result.result_error).toEqual([]);
		expect(logMessages(portal, workflowId)).toEqual(sent);
	});

	test('turned off (0), calls sent one after another are written in order', async () => {
		portal.setParallelWorkers(0);
		try {
			const { eventToken, workflowId } = portal.issueEventToken();
			for (const message of sent) await writeLog(portal, eventToken, message);
			expect(logMessages(portal, workflowId)).toEqual(sent);
		} finally {
			portal.setParallelWorkers(40);
		}
	});

	test('the delay must be a number of milliseconds >= 0', async () => {
		expect(() => portal.setParallelWorkers(-1)).toThrow(/>= 0/);
		await expect(startSandbox({ parallelWorkersMaxDelayMs: Number.NaN })).rejects.toThrow(/>= 0/);
	});
});
