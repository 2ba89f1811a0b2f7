/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test code: it runs in Jest, not inside n8n, and needs timers and __dirname */
/**
 * n8n's node setting Retry On Fail, run by n8n-core's WorkflowExecute (its tries loop runs the node
 * again for all items): what the portal accepted on an earlier try is answered from memory, never
 * sent again; every other run of the node (a second run index, another execution) still sends.
 */
import type { IDataObject } from 'n8n-workflow';

import { runNode, type RunOptions } from './n8nEngine';
import { oauthCredentials, usePortal, webhookCredentials, type Fault, type JournalEntry } from './portal';

const SEND_RESULT = 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocSendResult';
const RETRY = { maxTries: 3, waitBetweenTries: 5 };

const portal = usePortal();

/** The sandbox's event tokens name their workflow; the calls of the journal that carry this one's token. */
function callsFor(workflowId: string, method: string): JournalEntry[] {
	return portal.journal().filter((entry) => (entry.restMethod === method || entry.restMethod === 'batch') && JSON.stringify(entry.params).includes(workflowId));
}

function forged(): { eventToken: string; workflowId: string } {
	const issued = portal.issueEventToken({});
	return { ...issued, eventToken: issued.eventToken.replace(/.$/, (c) => (c === '0' ? '1' : '0')) };
}

const lines = (workflowId: string) => portal.workflow(workflowId)!.logLines.map((line) => line.message);

/** Runs the node with Retry On Fail (3 tries) on three items: a good token, a forged one, a good one, each with its own `field`. */
async function goodForgedGood(options: Omit<RunOptions, 'items' | 'retryOnFail'>, field: string, values: [string, string, string]) {
	const [first, bad, last] = [portal.issueEventToken({}), forged(), portal.issueEventToken({})];
	const items = [first, bad, last].map((process, n) => ({ event_token: process.eventToken, [field]: values[n] }));
	return { run: await runNode({ ...options, items, retryOnFail: RETRY }), first, bad, last };
}

describe('Log: items good, forged token, good, with Retry On Fail (3 tries)', () => {
	test.each([
		['webhook, combined into batches', () => webhookCredentials(portal), {}],
		['webhook, one request per line', () => webhookCredentials(portal), { options: { combineIntoBatches: false } }],
		['OAuth2', () => oauthCredentials(portal), { authentication: 'oAuth2' }],
	])('%s: each good line is written once; the forged one is tried 3 times', async (_label, credentials, extra: IDataObject) => {
		const { run, first, bad, last } = await goodForgedGood({ parameters: { logMessage: '={{ $json.message }}', ...extra }, credentials: credentials() }, 'message', ['first', 'forged', 'last']);
		expect(run.error?.message).toBe('Bitrix24 refused the event token (ACCESS_DENIED)');
		expect(lines(first.workflowId)).toEqual(['first']);
		expect(lines(last.workflowId)).toEqual(['last']);
		expect(callsFor(first.workflowId, 'bizproc.activity.log')).toHaveLength(1);
		expect(callsFor(last.workflowId, 'bizproc.activity.log')).toHaveLength(1);
		expect(callsFor(bad.workflowId, 'bizproc.activity.log')).toHaveLength(3);
	});

	test('a try that succeeds returns every item, the remembered ones with the result the portal gave', async () => {
		const first = portal.issueEventToken({});
		const second = portal.issueEventToken({});
		// The portal refuses the first request with a verdict (it did not run it): the node fails, n8n tries again.
		portal.injectFault({ kind: 'error', status: 400, error: 'SOME_CODE', errorDescription: 'refused once', count: 1 });
		const run = await runNode({
			parameters: { logMessage: '={{ $json.message }}', options: { combineIntoBatches: false } },
			credentials: webhookCredentials(portal),
			items: [
				{ event_token: first.eventToken, message: 'first' },
				{ event_token: second.eventToken, message: 'second' },
			],
			retryOnFail: RETRY,
		});
		expect(run.error).toBeUndefined();
		expect(run.items!.map((item) => [item.json.result, item.pairedItem])).toEqual([
			[true, { item: 0 }],
			[true, { item: 1 }],
		]);
		expect(lines(first.workflowId).concat(lines(second.workflowId))).toEqual(['first', 'second']);
		expect(callsFor(first.workflowId, 'bizproc.activity.log').length + callsFor(second.workflowId, 'bizproc.activity.log').length).toBe(3);
	});

	test('a call that changed between tries (an expression) is sent again: only identical calls are answered from memory', async () => {
		const first = portal.issueEventToken({});
		const bad = forged();
		const run = await runNode({
			parameters: { logMessage: '={{ $json.message }} at {{ Date.now() }}' },
			credentials: webhookCredentials(portal),
			items: [
				{ event_token: first.eventToken, message: 'first' },
				{ event_token: bad.eventToken, message: 'forged' },
			],
			retryOnFail: { maxTries: 3, waitBetweenTries: 20 },
		});
		expect(run.error?.message).toMatch(/ACCESS_DENIED/);
		const written = lines(first.workflowId);
		expect(written).toHaveLength(3);
		expect(new Set(written).size).toBe(3);
	});
});

test.each([
	['a timeout', { kind: 'slow', delayMs: 1500 }, /did not answer in time/],
	['an internal error', { kind: 'internalError', count: 3 }, /INTERNAL_SERVER_ERROR/],
])('a call that may have run (%s) is not sent again by a retry: it fails as it did', async (_label, fault, message) => {
	const { eventToken, workflowId } = portal.issueEventToken({});
	portal.injectFault(fault as Fault);
	const run = await runNode({
		parameters: { logMessage: 'maybe written', options: { timeoutSeconds: 0.3 } },
		credentials: webhookCredentials(portal),
		items: [{ event_token: eventToken }],
		retryOnFail: RETRY,
	});
	portal.clearFaults();
	expect(run.error?.message).toMatch(message);
	expect(run.error?.description).toMatch(/not sent again.*Retry On Fail did not send it again either/s);
	await new Promise((resolve) => setTimeout(resolve, 1800)); // a slow request is journaled when it is finally answered
	expect(callsFor(workflowId, 'bizproc.activity.log')).toHaveLength(1);
	expect(lines(workflowId).length).toBeLessThanOrEqual(1);
});

describe('a new run of the node still sends', () => {
	const options = (eventToken: string): RunOptions => ({
		parameters: { logMessage: 'the same line' },
		credentials: webhookCredentials(portal),
		items: [{ event_token: eventToken }],
		retryOnFail: RETRY,
	});

	test('a second run index in the same execution (a loop) writes the line again', async () => {
		const { eventToken, workflowId } = portal.issueEventToken({});
		const run = await runNode({ ...options(eventToken), runs: 2 });
		expect(run.error).toBeUndefined();
		expect(run.run.data.resultData.runData['Bitrix24 Bizproc Log']).toHaveLength(2);
		expect(lines(workflowId)).toEqual(['the same line', 'the same line']);
	});

	test('another execution with the same id, node and run index (as a manual re-run) writes the line again', async () => {
		const { eventToken, workflowId } = portal.issueEventToken({});
		expect((await runNode(options(eventToken))).error).toBeUndefined();
		expect((await runNode(options(eventToken))).error).toBeUndefined();
		expect(lines(workflowId)).toEqual(['the same line', 'the same line']);
	});
});

test('Send Result: items good, forged token, good, with Retry On Fail: each process is completed by one call', async () => {
	const { run, first, bad, last } = await goodForgedGood(
		{
			type: SEND_RESULT,
			parameters: { returnValues: { values: [{ name: 'result', value: '={{ $json.verdict }}' }] }, logMessage: '={{ "Done: " + $json.verdict }}' },
			credentials: webhookCredentials(portal),
		},
		'verdict',
		['approved', 'forged', 'rejected'],
	);
	expect(run.error?.message).toBe('Bitrix24 refused the event token (ACCESS_DENIED)');
	expect(portal.workflow(first.workflowId)).toMatchObject({ state: 'completed', returnValues: { result: 'approved' } });
	expect(portal.workflow(last.workflowId)).toMatchObject({ state: 'completed', returnValues: { result: 'rejected' } });
	expect(lines(first.workflowId)).toEqual(['Done: approved']);
	expect(callsFor(first.workflowId, 'bizproc.event.send')).toHaveLength(1);
	expect(callsFor(last.workflowId, 'bizproc.event.send')).toHaveLength(1);
	expect(callsFor(bad.workflowId, 'bizproc.event.send')).toHaveLength(3);
});
