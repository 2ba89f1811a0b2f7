/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test code: it runs in Jest, not inside n8n, and needs timers and __dirname */
/**
 * The portal call queue after a request whose outcome is unknown (what is never sent again), Max Wait,
 * clocks stepped back, and calls with different request settings, on a fake clock and a scripted portal.
 */
import { PortalCallQueue, type PortalReply, type PortalRequest } from '../../nodes/shared/portalCallQueue';
import { FakeClock, TOKENS, logCall, scriptedPortal, sizes } from './portalCallQueueHarness';

describe('after a request whose outcome is unknown (timeout, cut connection)', () => {
	const timedOut: PortalReply = { failure: { code: 'ETIMEDOUT', message: 'The Bitrix24 portal did not answer in time', description: 'may have been written' } };

	/** The first request gets no answer in 2 s (`reply`), but the portal goes on and writes it at 5 s; later requests are answered at once. */
	function slowFirstRequest(clock: FakeClock, reply: PortalReply = timedOut) {
		let first = true;
		const portal = scriptedPortal(async (request) => {
			if (!first) return undefined as unknown as PortalReply;
			first = false;
			void clock.sleep(5000).then(() => portal.answer(request));
			await clock.sleep(2000);
			return reply;
		});
		return portal;
	}

	test("60 lines, the first batch times out at 2 s and is written at 5 s: the process's next batch leaves only once the portal can no longer be running it (70 s), and lands after it", async () => {
		const clock = new FakeClock();
		const portal = slowFirstRequest(clock);
		const queue = new PortalCallQueue(undefined, clock);
		const outcomes = Array.from({ length: 60 }, (_, n) => queue.submit(logCall(TOKENS[0], `line ${n}`, portal.send)));
		await clock.advance(3000);
		// Another process is not held.
		const other = queue.submit(logCall(TOKENS[1], 'other', portal.send));
		await clock.advance(10);
		expect(await other).toMatchObject({ result: true });
		await clock.advance(60_000);
		expect(sizes(portal.requests)).toEqual([50, 1]);
		await clock.advance(10_000);
		expect(sizes(portal.requests)).toEqual([50, 1, 10]);
		const settled = await Promise.all(outcomes);
		expect(settled.map((o) => ('failure' in o ? o.failure.code : o.result))).toEqual([...Array(50).fill('ETIMEDOUT'), ...Array(10).fill(true)]);
		expect(portal.written.filter((w) => w.token === TOKENS[0]).map((w) => w.text)).toEqual(Array.from({ length: 60 }, (_, n) => `line ${n}`));
	});

	test.each([
		['a timeout', timedOut],
		['a cut connection', { failure: { code: 'ECONNRESET', message: 'The connection to Bitrix24 was cut before it answered', description: '' } }],
		['a proxy page (504)', { status: 504, body: '<html>504 Gateway Time-out</html>' }],
	])('%s, Max Wait 10 s: the next lines fail at once saying why, and are never sent', async (_label, reply) => {
		const clock = new FakeClock();
		const portal = slowFirstRequest(clock, reply as PortalReply);
		const queue = new PortalCallQueue(undefined, clock);
		const outcomes = Array.from({ length: 60 }, (_, n) => queue.submit(logCall(TOKENS[0], `line ${n}`, portal.send, { maxWaitMs: 10_000 })));
		await clock.advance(2010);
		const late = (await Promise.all(outcomes)).slice(50);
		expect(late.map((o) => ('failure' in o ? o.failure.code : o))).toEqual(Array(10).fill('EARLIER_CALL_UNANSWERED'));
		const { failure } = late[0] as { failure: { message: string; description: string } };
		expect(failure.message).toMatch(/earlier line of this business process got no answer/);
		expect(failure.description).toMatch(/not sent.*up to 68 s.*Max Wait.*10 s/s);
		await clock.advance(100_000);
		expect(sizes(portal.requests)).toEqual([50]);
		expect(portal.written).toHaveLength(50);
	});

	test("the portal's own answer, even an error (500), ends the request: the next lines go at once", async () => {
		const clock = new FakeClock();
		const portal = slowFirstRequest(clock, { status: 500, body: { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' } });
		const queue = new PortalCallQueue(undefined, clock);
		const outcomes = Array.from({ length: 60 }, (_, n) => queue.submit(logCall(TOKENS[0], `line ${n}`, portal.send, { maxWaitMs: 0 })));
		await clock.advance(2010);
		expect(sizes(portal.requests)).toEqual([50, 10]);
		expect((await Promise.all(outcomes)).slice(50).every((o) => 'result' in o)).toBe(true);
	});
});

describe('Max Wait', () => {
	test("counts only the wait for the portal's plan: Max Wait 0, no limit, a process's second line waits for its first's answer and goes", async () => {
		const clock = new FakeClock();
		const portal = scriptedPortal(async () => {
			await clock.sleep(300);
			return undefined as unknown as PortalReply;
		});
		const queue = new PortalCallQueue(undefined, clock);
		const outcomes = ['a1', 'a2', 'a3'].map((text) => queue.submit(logCall(TOKENS[0], text, portal.send, { batch: false, maxWaitMs: 0 })));
		await clock.advance(2000);
		expect((await Promise.all(outcomes)).map((o) => ('failure' in o ? o.failure.code : o.result))).toEqual([true, true, true]);
		expect(portal.written.map((w) => w.text)).toEqual(['a1', 'a2', 'a3']);
	});

	test("under a plan, a line's wait for its turn counts from when its process's earlier request was answered", async () => {
		const clock = new FakeClock();
		const portal = scriptedPortal(async () => {
			await clock.sleep(5000);
			return undefined as unknown as PortalReply;
		});
		const queue = new PortalCallQueue({ burst: 2, drainPerSecond: 1 }, clock);
		// a1 takes the only place the plan leaves; a2 waits 5 s for a1's answer, then ~1 s for its turn.
		const outcomes = ['a1', 'a2'].map((text) => queue.submit(logCall(TOKENS[0], text, portal.send, { batch: false, maxWaitMs: 2000 })));
		await clock.advance(20_000);
		expect((await Promise.all(outcomes)).map((o) => ('failure' in o ? o.failure.code : o.result))).toEqual([true, true]);
	});
});

describe('time', () => {
	test('the system clock stepped back an hour (NTP) does not make calls wait: waiting follows a clock that never goes back', async () => {
		const realNow = Date.now.bind(Date);
		const portal = scriptedPortal();
		const queue = new PortalCallQueue({ burst: 50, drainPerSecond: 2 });
		expect(await queue.submit(logCall(TOKENS[0], 'before', portal.send))).toMatchObject({ result: true });
		const stepped = jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 3_600_000);
		try {
			const started = process.hrtime.bigint();
			expect(await queue.submit(logCall(TOKENS[0], 'after', portal.send, { maxWaitMs: 2000 }))).toMatchObject({ result: true });
			expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
		} finally {
			stepped.mockRestore();
		}
	});

	test('the fake wall clock stepped back an hour changes nothing either', async () => {
		const clock = new FakeClock();
		const portal = scriptedPortal();
		const queue = new PortalCallQueue({ burst: 4, drainPerSecond: 2 }, clock);
		const first = [0, 1, 2].map((n) => queue.submit(logCall(`wf${n}|A1|e1.${'f'.repeat(64)}`, 'x', portal.send, { batch: false })));
		await clock.advance(10);
		await Promise.all(first);
		clock.wallOffset = -3_600_000;
		const later = queue.submit(logCall(TOKENS[0], 'after the step', portal.send, { batch: false, maxWaitMs: 1000 }));
		await clock.advance(600);
		expect(await later).toMatchObject({ result: true });
	});
});

describe('calls with different request settings (Timeout, n8n request options)', () => {
	test('do not share a request: each goes with its own settings, each process in order', async () => {
		const clock = new FakeClock();
		const portal = scriptedPortal();
		const carriedBy: string[] = [];
		const via = (tag: string) => async (request: PortalRequest) => {
			carriedBy.push(tag);
			return await portal.send(request);
		};
		const queue = new PortalCallQueue(undefined, clock);
		const outcomes = [
			queue.submit(logCall(TOKENS[0], 'a1', via('2 s'), { requestSettings: 'timeout 2 s' })),
			queue.submit(logCall(TOKENS[1], 'b1', via('70 s'), { requestSettings: 'timeout 70 s' })),
			queue.submit(logCall(TOKENS[2], 'c1', via('2 s'), { requestSettings: 'timeout 2 s' })),
			queue.submit(logCall(TOKENS[1], 'b2', via('2 s'), { requestSettings: 'timeout 2 s' })),
		];
		await clock.advance(10);
		await Promise.all(outcomes);
		expect(portal.requests.map((r) => (r.method === 'batch' ? Object.values(r.body.cmd as object).map((c: string) => /log_message=(\w+)/.exec(c)![1]) : [r.body.log_message]))).toEqual([
			['a1', 'c1'],
			['b1'],
			['b2'],
		]);
		expect(carriedBy).toEqual(['2 s', '70 s', '2 s']);
		expect(portal.written.filter((w) => w.token === TOKENS[1]).map((w) => w.text)).toEqual(['b1', 'b2']);
	});
});
