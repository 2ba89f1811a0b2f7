/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test code: it runs in Jest, not inside n8n, and needs timers and __dirname */
/**
 * Calls combined into Bitrix24 batches, through n8n's engine against the sandbox portal over HTTP,
 * the portal running concurrent requests in parallel (parallel workers mode): every line once, each
 * process's lines in order, every item with its own outcome.
 */
import type { IDataObject } from 'n8n-workflow';

import { runNode, type EngineRun, type StoredCredentials } from './n8nEngine';
import { oauthCredentials, usePortal, type Fault, type JournalEntry } from './portal';

const portal = usePortal({ parallelWorkersMaxDelayMs: 40 });

/** Requests of the nodes, as [method, commands, status]: ['batch', 50, 200] or ['bizproc.activity.log', 1, 200]. */
const requests = (entries: JournalEntry[] = portal.journal()) =>
	entries
		.filter((entry) => ['bizproc.activity.log', 'bizproc.event.send', 'batch'].includes(entry.restMethod ?? ''))
		.map((entry) => [entry.restMethod, entry.batchCommands ?? 1, entry.status]);

/** A fresh webhook per test: queues are per portal and credential, shared by the whole process. */
const webhook = (): StoredCredentials => ({ bitrix24WebhookApi: { webhookUrl: portal.createWebhook({}).url } });

interface Process {
	eventToken: string;
	workflowId: string;
}
const processes = (count: number): Process[] => Array.from({ length: count }, () => portal.issueEventToken({}));
const written = (process: Process) => portal.workflow(process.workflowId)!.logLines.map((line) => line.message);

/** `count` items, round robin over the processes: item n is line n of process n % processes.length. */
async function logInterleaved(count: number, targets: Process[], credentials: StoredCredentials, extra: IDataObject = {}): Promise<EngineRun> {
	return await runNode({
		parameters: { logMessage: '={{ $json.text }}', ...(credentials.bitrix24OAuth2Api ? { authentication: 'oAuth2' } : {}), ...extra },
		credentials,
		items: Array.from({ length: count }, (_, n) => ({ event_token: targets[n % targets.length].eventToken, text: `line ${n}` })),
	});
}

const expectedLines = (count: number, targets: Process[], index: number) =>
	Array.from({ length: count }, (_, n) => n).filter((n) => n % targets.length === index).map((n) => `line ${n}`);

describe('items of one execution, three processes interleaved', () => {
	test.each([
		[1, [['bizproc.activity.log', 1, 200]]],
		[49, [['batch', 49, 200]]],
		[50, [['batch', 50, 200]]],
		// The 51st item's process is in the first batch: it leaves when that batch is answered.
		[51, [['batch', 50, 200], ['bizproc.activity.log', 1, 200]]],
		[120, [['batch', 50, 200], ['batch', 50, 200], ['batch', 20, 200]]],
	])('%i items: requests %j, every line once and in order', async (count, expected) => {
		const targets = processes(3);
		const run = await logInterleaved(count, targets, webhook());
		expect(run.error).toBeUndefined();
		expect(requests()).toEqual(expected);
		expect(run.items!.map((item) => [item.json.result, item.pairedItem])).toEqual(Array.from({ length: count }, (_, n) => [true, { item: n }]));
		expect(run.items!.every((item) => typeof (item.json.time as IDataObject)?.duration === 'number')).toBe(true);
		targets.forEach((target, index) => expect(written(target)).toEqual(expectedLines(count, targets, index)));
	});

	test('OAuth2: 51 items, the same requests signed with the access token', async () => {
		const targets = processes(3);
		const run = await logInterleaved(51, targets, oauthCredentials(portal));
		expect(run.error).toBeUndefined();
		expect(requests()).toEqual([['batch', 50, 200], ['bizproc.activity.log', 1, 200]]);
		expect(portal.journal().every((entry) => entry.authKind === 'oauth')).toBe(true);
		targets.forEach((target, index) => expect(written(target)).toEqual(expectedLines(51, targets, index)));
	});

	test('OAuth2: a batch answered 401 (expired token) is sent once more after n8n renews the token; every line once', async () => {
		const credentials = oauthCredentials(portal);
		portal.expireAccessTokens();
		const targets = processes(2);
		const run = await logInterleaved(10, targets, credentials);
		expect(run.error).toBeUndefined();
		expect(requests()).toEqual([['batch', 10, 401], ['batch', 10, 200]]);
		targets.forEach((target, index) => expect(written(target)).toEqual(expectedLines(10, targets, index)));
	});

	test('Combine Calls Into Batches off: one call per item, each process in order', async () => {
		const targets = processes(3);
		const run = await logInterleaved(12, targets, webhook(), { options: { combineIntoBatches: false } });
		expect(run.error).toBeUndefined();
		expect(requests()).toEqual(Array(12).fill(['bizproc.activity.log', 1, 200]));
		targets.forEach((target, index) => expect(written(target)).toEqual(expectedLines(12, targets, index)));
	});
});

test('forged tokens among good ones, Continue On Fail: each item its own outcome, paired with it', async () => {
	const [good1, good2] = processes(2);
	const forged = portal.issueEventToken({}).eventToken.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
	const tokens = [good1.eventToken, forged, good2.eventToken, forged, good1.eventToken, good2.eventToken];
	const run = await runNode({
		parameters: { logMessage: '={{ "line " + $itemIndex }}' },
		credentials: webhook(),
		items: tokens.map((event_token) => ({ event_token })),
		continueOnFail: true,
	});
	expect(run.error).toBeUndefined();
	expect(requests()).toEqual([['batch', 6, 200]]);
	expect(run.items!.map((item) => [item.pairedItem, item.json.result ?? item.json.error])).toEqual([
		[{ item: 0 }, true],
		[{ item: 1 }, 'Bitrix24 refused the event token (ACCESS_DENIED)'],
		[{ item: 2 }, true],
		[{ item: 3 }, 'Bitrix24 refused the event token (ACCESS_DENIED)'],
		[{ item: 4 }, true],
		[{ item: 5 }, true],
	]);
	expect(written(good1)).toEqual(['line 0', 'line 4']);
	expect(written(good2)).toEqual(['line 2', 'line 5']);
});

describe('failures of a batch', () => {
	test('refused once by the rate limit (503), then accepted: every line once', async () => {
		portal.injectFault({ kind: 'error', method: 'batch', status: 503, error: 'QUERY_LIMIT_EXCEEDED', errorDescription: 'Too many requests' });
		const targets = processes(3);
		const run = await logInterleaved(9, targets, webhook());
		expect(run.error).toBeUndefined();
		expect(requests()).toEqual([['batch', 9, 503], ['batch', 9, 200]]);
		targets.forEach((target, index) => expect(written(target)).toEqual(expectedLines(9, targets, index)));
	});

	test("OPERATION_TIME_LIMIT inside a batch: only the blocked commands go again, ~10 s later, each process in order", async () => {
		// The portal blocks a method for everyone, so a blocked command's later commands of the same
		// method are blocked too: one process's three lines (blocked) beside another's line (one command blocked).
		const [alone, other, three] = processes(3);
		portal.injectFault({ kind: 'operationTimeLimit', method: 'bizproc.activity.log', count: 1 });
		const one = { run: await logInterleaved(2, [alone, other], webhook(), { options: { maxWaitSeconds: 30 } }), journal: portal.journal() };
		expect(one.run.error).toBeUndefined();
		expect(requests(one.journal)).toEqual([['batch', 2, 200], ['bizproc.activity.log', 1, 200]]);
		expect([written(alone), written(other)]).toEqual([['line 0'], ['line 1']]);

		portal.clearJournal();
		portal.injectFault({ kind: 'operationTimeLimit', method: 'bizproc.activity.log', count: 3 });
		const run = await logInterleaved(3, [three], webhook(), { options: { maxWaitSeconds: 30 } });
		expect(run.error).toBeUndefined();
		expect(requests()).toEqual([['batch', 3, 200], ['batch', 3, 200]]);
		expect(written(three)).toEqual(['line 0', 'line 1', 'line 2']);
	}, 40_000);

	test("OPERATION_TIME_LIMIT beyond Max Wait: the item fails saying so and when", async () => {
		portal.injectFault({ kind: 'operationTimeLimit', method: 'bizproc.activity.log' });
		const [target, other] = processes(2);
		const run = await logInterleaved(2, [target, other], webhook(), { options: { maxWaitSeconds: 2 } });
		expect(run.error?.message).toMatch(/OPERATION_TIME_LIMIT/);
		expect(run.error?.description).toMatch(/Nothing was written.*up to 2 s/s);
		expect([written(target), written(other)]).toEqual([[], ['line 1']]);
	});

	test("a blocked command whose process's next line in the same batch was written is not sent again (it would land out of order)", async () => {
		portal.injectFault({ kind: 'operationTimeLimit', method: 'bizproc.activity.log' });
		const [target] = processes(1);
		const run = await logInterleaved(2, [target], webhook(), { options: { maxWaitSeconds: 30 } });
		expect(run.error?.message).toMatch(/OPERATION_TIME_LIMIT/);
		expect(run.error?.description).toMatch(/would land out of order/);
		expect(written(target)).toEqual(['line 1']);
		expect(requests()).toEqual([['batch', 2, 200]]);
	});

	test("...and n8n's Retry On Fail does not send it again either (it would still land out of order)", async () => {
		portal.injectFault({ kind: 'operationTimeLimit', method: 'bizproc.activity.log', count: 1 });
		const [target] = processes(1);
		const run = await runNode({
			parameters: { logMessage: '={{ $json.text }}', options: { maxWaitSeconds: 30 } },
			credentials: webhook(),
			items: [0, 1].map((n) => ({ event_token: target.eventToken, text: `line ${n}` })),
			retryOnFail: { maxTries: 3, waitBetweenTries: 20 },
		});
		expect(run.error?.description).toMatch(/would land out of order/);
		expect(written(target)).toEqual(['line 1']);
		expect(requests()).toEqual([['batch', 2, 200]]);
	});

	test.each<[string, Fault, RegExp, RegExp]>([
		['answered 500', { kind: 'internalError', method: 'batch' }, /internal error/, /may or may not have been written/],
		['cut after the portal ran it', { kind: 'drop', afterRun: true, method: 'batch' }, /cut before it answered/, /not sent again/],
		['a web page from a proxy', { kind: 'htmlPage', method: 'batch' }, /web page instead of data/, /proxy/],
		['timed out', { kind: 'slow', delayMs: 1500, method: 'batch' }, /did not answer in time/, /not sent again/],
	])('%s: nothing sent again, every item fails with a clear error', async (_label, fault, message, description) => {
		portal.injectFault(fault);
		const targets = processes(3);
		const run = await logInterleaved(6, targets, webhook(), { options: { timeoutSeconds: 0.5 } });
		await new Promise((resolve) => setTimeout(resolve, 1500)); // a slow answer is journaled when it is finally sent
		expect(requests().map(([method, commands]) => [method, commands])).toEqual([['batch', 6]]);
		expect(run.error?.message).toMatch(message);
		expect(run.error?.description).toMatch(description);
	});

	test('Continue On Fail on a batch answered 500: each item gets the error, paired with it', async () => {
		portal.injectFault({ kind: 'internalError', method: 'batch' });
		const targets = processes(2);
		const run = await runNode({
			parameters: { logMessage: '={{ "line " + $itemIndex }}' },
			credentials: webhook(),
			items: [0, 1, 2, 3].map((n) => ({ event_token: targets[n % 2].eventToken })),
			continueOnFail: true,
		});
		expect(run.items!.map((item) => [item.pairedItem, item.json.error])).toEqual(
			[0, 1, 2, 3].map((n) => [{ item: n }, 'Bitrix24 had an internal error (INTERNAL_SERVER_ERROR)']),
		);
		expect(requests().map(([method, commands]) => [method, commands])).toEqual([['batch', 4]]);
	});
});

describe('order after a request whose outcome is unknown', () => {
	// 60 lines of one process, Timeout 2 s, the first batch (lines 0-49) slow: the portal answers it after
	// 5 s, so n8n gives up at 2 s while the portal goes on and writes it. Lines 50-59 must not overtake it.
	const slowFirstBatch = () => portal.injectFault({ kind: 'slow', delayMs: 5000, method: 'batch', count: 1 });
	const sixtyLines = async (target: Process, options: IDataObject) =>
		await runNode({
			parameters: { logMessage: '={{ $json.text }}', options: { timeoutSeconds: 2, ...options } },
			credentials: webhook(),
			items: Array.from({ length: 60 }, (_, n) => ({ event_token: target.eventToken, text: `line ${n}` })),
			continueOnFail: true,
		});

	test('the next batch waits until the portal can no longer be running the first (70 s after it left): all 60 lines in order', async () => {
		const [target] = processes(1);
		slowFirstBatch();
		const run = await sixtyLines(target, {});
		expect(run.items!.map((item) => item.json.error ?? item.json.result)).toEqual([
			...Array(50).fill('The Bitrix24 portal did not answer in time'),
			...Array(10).fill(true),
		]);
		expect(written(target)).toEqual(Array.from({ length: 60 }, (_, n) => `line ${n}`));
		expect(requests().map(([method, commands]) => [method, commands])).toEqual([
			['batch', 50],
			['batch', 10],
		]);
	}, 120_000);

	test('Max Wait 10 s: lines 50-59 fail at once saying why, and are never sent', async () => {
		const [target] = processes(1);
		slowFirstBatch();
		const run = await sixtyLines(target, { maxWaitSeconds: 10 });
		expect(run.items!.slice(50).map((item) => item.json.error)).toEqual(Array(10).fill('An earlier line of this business process got no answer, and Bitrix24 may still be writing it'));
		await new Promise((resolve) => setTimeout(resolve, 4000)); // the slow batch lands
		expect(written(target)).toEqual(Array.from({ length: 50 }, (_, n) => `line ${n}`));
		expect(requests().map(([method, commands]) => [method, commands])).toEqual([['batch', 50]]);
	}, 30_000);
});

test('calls with different Timeouts do not share a request: a node with Timeout 70 s is not cut by another node\'s 1 s', async () => {
	// A plan of one request per 2 s: the first run takes the place, the two others wait for the next
	// place together and would leave in one batch if settings did not matter.
	const credentials: StoredCredentials = { bitrix24WebhookApi: { webhookUrl: portal.createWebhook({}).url, portalPlan: 'custom', rateLimitBurst: 1, rateLimitDrainPerSecond: 0.5 } };
	const [first, short, long] = processes(3);
	const logOne = async (target: Process, options: IDataObject) =>
		await runNode({ parameters: { logMessage: 'x', options }, credentials, items: [{ event_token: target.eventToken }, { event_token: target.eventToken }], continueOnFail: true });
	expect((await logOne(first, {})).error).toBeUndefined();
	portal.clearJournal();
	portal.injectFault({ kind: 'slow', delayMs: 1500, method: 'batch', count: 2 });
	const [, longRun] = await Promise.all([logOne(short, { timeoutSeconds: 1 }), logOne(long, { timeoutSeconds: 70 })]);
	expect(longRun.items!.map((item) => item.json.error ?? item.json.result)).toEqual([true, true]);
	expect(written(long)).toEqual(['x', 'x']);
	await new Promise((resolve) => setTimeout(resolve, 1000)); // the short run's slow batch lands
	expect(requests().map(([method, commands]) => [method, commands])).toEqual([
		['batch', 2],
		['batch', 2],
	]);
}, 30_000);

describe('order with the portal running requests in parallel', () => {
	test('one execution, 160 items for 5 processes: each process in order', async () => {
		const targets = processes(5);
		const run = await logInterleaved(160, targets, webhook());
		expect(run.error).toBeUndefined();
		targets.forEach((target, index) => expect(written(target)).toEqual(expectedLines(160, targets, index)));
	});

	test('20 concurrent executions of 10 items each, every process in order, every line once', async () => {
		const credentials = webhook();
		const targets = processes(20);
		const runs = await Promise.all(
			targets.map((target) =>
				runNode({
					parameters: { logMessage: '={{ $json.text }}' },
					credentials,
					items: Array.from({ length: 10 }, (_, n) => ({ event_token: target.eventToken, text: `line ${n}` })),
				}),
			),
		);
		expect(runs.map((run) => run.error)).toEqual(Array(20).fill(undefined));
		targets.forEach((target) => expect(written(target)).toEqual(Array.from({ length: 10 }, (_, n) => `line ${n}`)));
		// 200 lines of 20 processes, none refused, in far fewer requests than lines.
		expect(requests().length).toBeLessThanOrEqual(20);
	});
});

describe('verbatim: a line is written byte for byte, whatever it holds', () => {
	const texts = [
		'a+b&c=d%20e%zz#frag?x=y',
		'[ ] { } $ [] {} $$ $1',
		'price $result[c0] and $RESULT[x] $next[0] $total[1] $time[c0] $error[c0][error] $error_description[c0]',
		'$result[c0]',
		'$resultados[2]: $timeline[0], $TOTAL[1]',
		'line one\nline two\r\n\ttab\u000bvt\u000cff',
		'null byte \u0000 and DEL \u007f',
		'Заказ № 42 — «готов» ✅ 🎉👍🏽 中文 العربية',
		'%00%0A%2B+%25',
		' leading and trailing spaces ',
		'?',
		'#',
		'&',
		'=',
		'+',
	];

	test.each([
		['in batches', {}],
		['batches off', { combineIntoBatches: false }],
	])('%s: every text lands exactly, in order', async (_label, options) => {
		const [target] = processes(1);
		const run = await runNode({
			parameters: { logMessage: '={{ $json.text }}', options },
			credentials: webhook(),
			items: texts.map((text) => ({ event_token: target.eventToken, text })),
		});
		expect(run.error).toBeUndefined();
		expect(written(target)).toEqual(texts);
	});

	test('the texts a batch command cannot carry go as plain calls, in their turn', async () => {
		const [target] = processes(1);
		await runNode({ parameters: { logMessage: '={{ $json.text }}' }, credentials: webhook(), items: texts.map((text) => ({ event_token: target.eventToken, text })) });
		const plain = portal.journal().filter((entry) => entry.restMethod === 'bizproc.activity.log');
		expect(plain.map((entry) => entry.params.log_message)).toEqual(texts.filter((text) => /\$[a-z_]/i.test(text)));
	});
});

describe('Send Result', () => {
	const SEND_RESULT = 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocSendResult';

	test('three processes completed in one batch; text values travel as the plain call would send them', async () => {
		const targets = processes(3);
		const run = await runNode({
			type: SEND_RESULT,
			parameters: { returnValues: { values: [{ name: 'result', value: '={{ "approved & paid + 100%" }}' }] }, logMessage: 'Done #1' },
			credentials: webhook(),
			items: targets.map((target) => ({ event_token: target.eventToken })),
		});
		expect(run.error).toBeUndefined();
		expect(requests()).toEqual([['batch', 3, 200]]);
		for (const target of targets) {
			expect(portal.workflow(target.workflowId)).toMatchObject({ state: 'completed', returnValues: { result: 'approved & paid + 100%' } });
			expect(written(target)).toEqual(['Done #1']);
		}
	});

	test('values that are not text (JSON numbers) go as plain calls, so they arrive typed', async () => {
		const targets = processes(2);
		const run = await runNode({
			type: SEND_RESULT,
			parameters: { returnValuesMode: 'json', returnValuesJson: '{"amount": 12}' },
			credentials: webhook(),
			items: targets.map((target) => ({ event_token: target.eventToken })),
		});
		expect(run.error).toBeUndefined();
		expect(requests().map(([method]) => method)).toEqual(['bizproc.event.send', 'bizproc.event.send']);
		for (const target of targets) expect(portal.workflow(target.workflowId)!.returnValues).toEqual({ amount: 12 });
	});
});
