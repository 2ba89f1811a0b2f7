'use strict';

const { startSandbox } = require('..');
const { call, writeLog } = require('./helpers');

describe('leaky bucket rate limit', () => {
	let portal;
	afterEach(() => portal?.close());

	test('default is the standard plan: 50 at once, then 503 QUERY_LIMIT_EXCEEDED and the call does not run', async () => {
		portal = await startSandbox();
		const { eventToken, workflowId } = portal.issueEventToken();
		const started = Date.now();
		const answers = await Promise.all(Array.from({ length: 55 }, (_, i) => writeLog(portal, eventToken, `m${i}`)));
		const drainedMeanwhile = Math.ceil(((Date.now() - started) / 1000) * 2);
		const accepted = answers.filter((a) => a.status === 200).length;
		const refused = answers.filter((a) => a.status === 503);
		expect(accepted).toBeGreaterThanOrEqual(50);
		expect(accepted).toBeLessThanOrEqual(50 + drainedMeanwhile);
		expect(accepted + refused.length).toBe(55);
		expect(refused[0].body).toEqual({ error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' });
		expect(refused[0].contentType).toBe('application/json; charset=utf-8');
		expect(portal.workflow(workflowId).logLines).toHaveLength(accepted);
	});

	test('a refused call writes no log line', async () => {
		portal = await startSandbox({ rateLimit: { burst: 1, drainPerSecond: 0.001 } });
		const { eventToken, workflowId } = portal.issueEventToken();
		expect((await writeLog(portal, eventToken, 'first')).status).toBe(200);
		expect((await writeLog(portal, eventToken, 'second')).status).toBe(503);
		expect(portal.workflow(workflowId).logLines.map((l) => l.message)).toEqual(['first']);
		expect(portal.journal().at(-1)).toMatchObject({ status: 503, error: 'QUERY_LIMIT_EXCEEDED' });
	});

	test('the bucket drains at drainPerSecond', async () => {
		portal = await startSandbox({ rateLimit: { burst: 2, drainPerSecond: 2 } });
		expect((await call(`${portal.webhookUrl}profile`)).status).toBe(200);
		expect((await call(`${portal.webhookUrl}profile`)).status).toBe(200);
		expect((await call(`${portal.webhookUrl}profile`)).status).toBe(503);
		await new Promise((resolve) => setTimeout(resolve, 550));
		expect((await call(`${portal.webhookUrl}profile`)).status).toBe(200);
	});

	test('rateLimit: false turns it off; setRateLimit changes it at run time', async () => {
		portal = await startSandbox({ rateLimit: false });
		const answers = await Promise.all(Array.from({ length: 80 }, () => call(`${portal.webhookUrl}profile`)));
		expect(answers.every((a) => a.status === 200)).toBe(true);
		portal.setRateLimit({ burst: 1, drainPerSecond: 0.001 });
		expect((await call(`${portal.webhookUrl}profile`)).status).toBe(200);
		expect((await call(`${portal.webhookUrl}profile`)).status).toBe(503);
		portal.setRateLimit(false);
		expect((await call(`${portal.webhookUrl}profile`)).status).toBe(200);
	});

	test('OAuth token requests are not rate limited', async () => {
		portal = await startSandbox({ rateLimit: { burst: 1, drainPerSecond: 0.001 } });
		await call(`${portal.webhookUrl}profile`);
		const { refresh_token } = portal.issueOAuthTokens();
		const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: portal.oauth.clientId, client_secret: portal.oauth.clientSecret, refresh_token }).toString();
		expect((await call(portal.oauth.tokenUrl, { form })).status).toBe(200);
	});
});
