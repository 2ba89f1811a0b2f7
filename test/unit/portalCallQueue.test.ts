/**
 * The portal call queue on a fake clock and a scripted portal: what leaves together, in which order,
 * and what happens to a batch the portal refuses or does not answer.
 */
import { PortalCallQueue, type CallOutcome, type PortalReply } from '../../nodes/shared/portalCallQueue';
import { FakeClock, TOKENS, logCall, scriptedPortal, sizes } from './portalCallQueueHarness';

describe('what leaves together', () => {
	test.each([
		[1, [1]],
		[49, [49]],
		[50, [50]],
		[51, [50, 1]],
		[120, [50, 50, 20]],
	])('%i calls of different processes joining in one tick: requests of %j', async (count, expected) => {
		const clock = new FakeClock();
		const portal = scriptedPortal();
		const queue = new PortalCallQueue(undefined, clock);
		const outcomes = Array.from({ length: count }, (_, n) => queue.submit(logCall(`wf${n}|A1|e1.${'f'.repeat(64)}`, `line ${n}`, portal.send)));
		await clock.advance(10);
		expect(sizes(portal.requests)).toEqual(expected);
		expect(portal.requests[0].method).toBe(count === 1 ? 'bizproc.activity.log' : 'batch');
		// Each item gets its own command's result and time (a lone call's from the plain answer).
		const settled = await Promise.all(outcomes);
		expect(settled.map((o) => ('result' in o ? o.result : o.failure))).toEqual(Array(count).fill(true));
		expect(settled.map((o) => ('time' in o ? o.time : undefined))).toEqual(expected.flatMap((size) => Array(size).fill({ duration: size === 1 ? 0.01 : 0.02 })));
	});

	test('one process: its next request leaves only when the one before was answered', async () => {
		const clock = new FakeClock();
		let release: (() => void) | undefined;
		const portal = scriptedPortal(async () => {
			await new Promise<void>((resolve) => (release = resolve));
			return undefined as unknown as PortalReply;
		});
		const queue = new PortalCallQueue(undefined, clock);
		const outcomes = Array.from({ length: 120 }, (_, n) => queue.submit(logCall(TOKENS[0], `line ${n}`, portal.send)));
		await clock.advance(10);
		expect(sizes(portal.requests)).toEqual([50]);
		release!();
		await clock.advance(10);
		expect(sizes(portal.requests)).toEqual([50, 50]);
		release!();
		await clock.advance(10);
		release!();
		await Promise.all(outcomes);
		expect(sizes(portal.requests)).toEqual([50, 50, 20]);
		expect(portal.written.map((w) => w.text)).toEqual(Array.from({ length: 120 }, (_, n) => `line ${n}`));
	});

	test('a call that cannot travel in a batch goes alone, in its turn; the others do not wait for it', async () => {
		const clock = new FakeClock();
		const portal = scriptedPortal();
		const queue = new PortalCallQueue(undefined, clock);
		const outcomes = [
			queue.submit(logCall(TOKENS[0], 'a1', portal.send)),
			queue.submit(logCall(TOKENS[0], 'a2 costs $result[x]', portal.send)),
			queue.submit(logCall(TOKENS[0], 'a3', portal.send)),
			queue.submit(logCall(TOKENS[1], 'b1', portal.send)),
			queue.submit(logCall(TOKENS[1], 'b2', portal.send)),
		];
		await clock.advance(10);
		// a1 and b1, b2 go in the first batch; a2 waits for a1's answer, then goes plain; a3 after it.
		expect(portal.requests[0].body.cmd).toEqual({ c0: expect.stringContaining('a1'), c1: expect.stringContaining('b1'), c2: expect.stringContaining('b2') });
		expect(portal.requests.slice(1).map((r) => r.body.log_message)).toEqual(['a2 costs $result[x]', 'a3']);
		await Promise.all(outcomes);
		expect(portal.written.filter((w) => w.token === TOKENS[0]).map((w) => w.text)).toEqual(['a1', 'a2 costs $result[x]', 'a3']);
	});

	test('with batches off every call goes alone, each process in order', async () => {
		const clock = new FakeClock();
		const portal = scriptedPortal();
		const queue = new PortalCallQueue(undefined, clock);
		const outcomes = [0, 1, 2].flatMap((n) => TOKENS.slice(0, 2).map((token) => queue.submit(logCall(token, `line ${n}`, portal.send, { batch: false }))));
		await clock.advance(10);
		await Promise.all(outcomes);
		expect(portal.requests.map((r) => r.method)).toEqual(Array(6).fill('bizproc.activity.log'));
		for (const token of TOKENS.slice(0, 2)) expect(portal.written.filter((w) => w.token === token).map((w) => w.text)).toEqual(['line 0', 'line 1', 'line 2']);
	});
});

describe('failures', () => {
	const refusal: PortalReply = { status: 503, body: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' } };

	test('a batch refused by the rate limit waits its turn and goes again: every command once', async () => {
		const clock = new FakeClock();
		let refusals = 1;
		const portal = scriptedPortal(() => (refusals-- > 0 ? refusal : (undefined as unknown as PortalReply)));
		const queue = new PortalCallQueue({ burst: 5, drainPerSecond: 2 }, clock);
		const outcomes = TOKENS.map((token) => queue.submit(logCall(token, 'x', portal.send)));
		await clock.advance(10);
		expect(portal.requests).toHaveLength(1);
		await clock.advance(3000);
		expect(sizes(portal.requests)).toEqual([4, 4]);
		expect((await Promise.all(outcomes)).every((o) => 'result' in o)).toBe(true);
		expect(portal.written).toHaveLength(4);
	});

	test("one command's OPERATION_TIME_LIMIT: that command alone goes again after operating_reset_at, its process's later lines after it", async () => {
		const clock = new FakeClock();
		clock.time = 1_000_000;
		let first = true;
		const portal = scriptedPortal((request) => {
			if (!first) return undefined as unknown as PortalReply;
			first = false;
			const cmd = request.body.cmd as Record<string, string>;
			const params = (key: string) => Object.fromEntries(new URLSearchParams(cmd[key].split('?')[1]));
			portal.written.push({ token: params('c0').event_token, text: params('c0').log_message });
			return {
				status: 200,
				body: {
					result: {
						result: { c0: true },
						result_error: { c1: { error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.', operating_reset_at: 1_005 } },
						result_time: { c0: { duration: 0.1 } },
					},
				},
			};
		});
		const queue = new PortalCallQueue(undefined, clock);
		const a = queue.submit(logCall(TOKENS[0], 'a1', portal.send));
		const b = queue.submit(logCall(TOKENS[1], 'b1', portal.send));
		await clock.advance(10);
		const b2 = queue.submit(logCall(TOKENS[1], 'b2', portal.send));
		await clock.advance(1000);
		expect(portal.requests).toHaveLength(1); // b1 waits for 1005 s, and b2 behind it
		expect(await a).toEqual({ result: true, time: { duration: 0.1 } });
		await clock.advance(5000);
		expect(await b).toMatchObject({ result: true });
		await b2;
		expect(portal.written.map((w) => w.text)).toEqual(['a1', 'b1', 'b2']);
	});

	test.each([
		['a timeout', { failure: { code: 'ETIMEDOUT', message: 'The Bitrix24 portal did not answer in time', description: 'may have been written' } }],
		['HTTP 500', { status: 500, body: { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' } }],
		['a web page', { status: 502, body: '<html>502 Bad Gateway</html>' }],
		['an answer without the commands', { status: 200, body: { result: { result: { c0: true } } } }],
	])('%s: every item of the batch fails, none is sent again', async (_label, reply) => {
		const clock = new FakeClock();
		const portal = scriptedPortal(() => reply as PortalReply);
		const queue = new PortalCallQueue(undefined, clock);
		const outcomes = TOKENS.map((token) => queue.submit(logCall(token, 'x', portal.send)));
		await clock.advance(60_000);
		expect(portal.requests).toHaveLength(1);
		const settled = await Promise.all(outcomes);
		const failed = settled.filter((o): o is Extract<CallOutcome, { failure: unknown }> => 'failure' in o);
		expect(failed.length).toBe(_label === 'an answer without the commands' ? 3 : 4);
	});

	test('a call that gives up gives its place back: after a burst the next call waits no longer than the plan requires', async () => {
		const clock = new FakeClock();
		const portal = scriptedPortal();
		const queue = new PortalCallQueue({ burst: 50, drainPerSecond: 2 }, clock);
		const burst = Array.from({ length: 2000 }, (_, n) => queue.submit(logCall(`wf${n}|A1|e1.${'f'.repeat(64)}`, 'x', portal.send, { batch: false, maxWaitMs: 10_000 })));
		await clock.advance(12_000);
		const settled = await Promise.all(burst);
		const sent = portal.requests.length;
		expect(settled.filter((o) => 'result' in o)).toHaveLength(sent);
		expect(sent).toBeLessThan(80); // 49 at once, then 2 per second
		const later = queue.submit(logCall(TOKENS[0], 'after the burst', portal.send));
		await clock.advance(1000);
		expect(portal.requests).toHaveLength(sent + 1);
		expect(await later).toMatchObject({ result: true });
	});
});
