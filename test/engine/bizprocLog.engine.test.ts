/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test code: it runs in Jest, not inside n8n, and needs timers and __dirname */
/**
 * The Log node run by n8n's engine against the sandbox portal over real HTTP.
 */
import type { IDataObject } from 'n8n-workflow';

import { runNode, type EngineRun, type StoredCredentials } from './n8nEngine';
import { until } from '../../harness/until';
import { collectSecrets, oauthCredentials, usePortal, webhookCredentials, type Fault } from './portal';


const portal = usePortal();

const webhook = () => webhookCredentials(portal);
const oauth = () => oauthCredentials(portal);

/** Requests that carry log lines: plain calls and batches. */
const logCalls = () => portal.journal().filter((entry) => entry.restMethod === 'bizproc.activity.log' || entry.restMethod === 'batch');

async function logThrough(credentials: StoredCredentials, messages: IDataObject[string][], extra: IDataObject = {}) {
	const workflows = messages.map(() => portal.issueEventToken({}));
	const run = await runNode({
		parameters: { logMessage: '={{ $json.message }}', ...(credentials.bitrix24OAuth2Api ? { authentication: 'oAuth2' } : {}), ...extra },
		credentials,
		items: messages.map((message, index) => ({ event_token: workflows[index].eventToken, message })),
	});
	return { run, workflows };
}

const TEN_KB = `${'Bitrix24 business process log line. '.repeat(285)}end`;

describe('happy path: the line lands once, byte-exact', () => {
	const messages = ['Order checked', 'Line one\nLine two\r\n\tindented', 'Заказ проверен, ждём оплату', 'Paid 🎉👍🏽 ✅', TEN_KB];

	test.each([
		['webhook', webhook],
		['OAuth2', oauth],
	])('%s credential', async (_label, credentials) => {
		const { run, workflows } = await logThrough(credentials(), messages);
		expect(run.error).toBeUndefined();
		expect(run.items).toHaveLength(messages.length);
		run.items!.forEach((item, index) => {
			expect(item.json.result).toBe(true);
			expect(item.json.time).toEqual(expect.objectContaining({ start: expect.any(Number), operating_reset_at: expect.any(Number) }));
			expect(item.pairedItem).toEqual({ item: index });
			expect(portal.workflow(workflows[index].workflowId)!.logLines.map((line) => line.message)).toEqual([messages[index]]);
		});
		// The five lines of five processes travel in one batch request.
		expect(logCalls().map((call) => call.restMethod)).toEqual(['batch']);
		expect(TEN_KB.length).toBeGreaterThanOrEqual(10 * 1024);
	});

	test('a token with surrounding whitespace and line breaks is trimmed and works', async () => {
		const { eventToken, workflowId } = portal.issueEventToken({});
		const run = await runNode({
			parameters: { eventToken: `  ${eventToken}\r\n`, logMessage: 'trimmed' },
			credentials: webhook(),
			items: [{}],
		});
		expect(run.error).toBeUndefined();
		expect(portal.workflow(workflowId)!.logLines.map((line) => line.message)).toEqual(['trimmed']);
	});

	test('numbers and booleans are sent as text, objects and lists as JSON text', async () => {
		const values = [42, true, { step: 'check', ok: 1 }, ['a', 2]];
		const { run, workflows } = await logThrough(webhook(), values);
		expect(run.error).toBeUndefined();
		const landed = workflows.map((w) => portal.workflow(w.workflowId)!.logLines[0].message);
		expect(landed).toEqual(['42', 'true', '{"step":"check","ok":1}', '["a",2]']);
	});

	test('OAuth2: an expired access token is renewed by n8n and the line lands once', async () => {
		const credentials = oauth();
		const oldToken = (credentials.bitrix24OAuth2Api.oauthTokenData as { access_token: string }).access_token;
		portal.expireAccessTokens();
		const { run, workflows } = await logThrough(credentials, ['after refresh']);
		expect(run.error).toBeUndefined();
		expect(portal.workflow(workflows[0].workflowId)!.logLines.map((l) => l.message)).toEqual(['after refresh']);
		expect(run.savedTokenData).toHaveLength(1);
		expect(run.savedTokenData[0].access_token).not.toBe(oldToken);
		const calls = logCalls();
		expect(calls.map((c) => c.status)).toEqual([401, 200]);
		expect(calls[0].error).toBe('expired_token');
		expect(portal.journal().filter((e) => e.path.startsWith('/oauth/token'))).toHaveLength(1);
	});

	test("OAuth2: a revoked refresh token is n8n's 'reconnect the credential', not a network failure; nothing lands", async () => {
		const credentials = oauth();
		const tokenData = credentials.bitrix24OAuth2Api.oauthTokenData as { refresh_token: string };
		tokenData.refresh_token = tokenData.refresh_token.split('').reverse().join(''); // one the portal never issued
		portal.expireAccessTokens();
		const { run, workflows } = await logThrough(credentials, ['never written']);
		expect(run.error?.message).toMatch(/needs to be reconnected/);
		expect(run.error?.message).not.toMatch(/Could not reach/);
		expect((run.error as { description?: string }).description).toMatch(/reconnect/i);
		expect(shownText(run)).not.toContain(tokenData.refresh_token);
		expect(portal.workflow(workflows[0].workflowId)!.logLines).toEqual([]);
		expect(logCalls().map((c) => c.status)).toEqual([401]);
	});
});

/** What n8n would show a user: the error, the output items and the stored run data. */
function shownText(run: EngineRun): string {
	const error = run.error as (Error & { toJSON?: () => unknown; description?: string }) | undefined;
	return [
		error?.message,
		error?.description,
		error?.stack,
		JSON.stringify(error?.toJSON ? error.toJSON() : error),
		JSON.stringify(run.items ?? []),
		JSON.stringify(run.run.data.resultData),
	].join('\n');
}

type ErrorRow = [label: string, arrange: () => { credentials: StoredCredentials; eventToken?: string; requestTimeoutMs?: number }, message: RegExp, description: RegExp, calls: number];

const withFault = (fault: Fault) => () => {
	portal.injectFault(fault);
	return { credentials: webhook() };
};
// Webhook calls skip n8n's authenticated request, so a 401 is sent once (n8n-core resends any 401
// once on its credential-refresh path; the OAuth2 rows elsewhere show that).
const bitrixError = (status: number, error: string, errorDescription: string) =>
	withFault({ kind: 'error', status, error, errorDescription });

const errorRows: ErrorRow[] = [
	['forged token: ACCESS_DENIED', () => ({ credentials: webhook(), eventToken: forgedToken() }), /^Bitrix24 refused the event token \(ACCESS_DENIED\)$/, /USE_SUBSCRIPTION = Y/, 1],
	['plan: ACCESS_DENIED', bitrixError(401, 'ACCESS_DENIED', 'REST is available only on commercial plans'), /denied REST access \(ACCESS_DENIED\)/, /commercial plans/, 1],
	['ERROR_EMPTY_LOG_MESSAGE', bitrixError(400, 'ERROR_EMPTY_LOG_MESSAGE', 'Empty log message!'), /log message is empty/, /Log Message/, 1],
	['wrong webhook code: NO_AUTH_FOUND', () => ({ credentials: { bitrix24WebhookApi: { webhookUrl: `${portal.baseUrl}/rest/1/wrongcode123/` } } }), /\(NO_AUTH_FOUND\)/, /Inbound webhook/, 1],
	[
		'OAuth2: NO_AUTH_FOUND names the application, not a webhook (n8n renews the token once on a 401)',
		() => {
			portal.injectFault({ kind: 'error', status: 401, error: 'NO_AUTH_FOUND', errorDescription: 'Wrong authorization data', count: 2 });
			return { credentials: oauth() };
		},
		/^Bitrix24 did not recognise the application's access token \(NO_AUTH_FOUND\)$/,
		/Bitrix24 OAuth2 API credential.*Reconnect/,
		2,
	],
	['INVALID_CREDENTIALS', bitrixError(401, 'INVALID_CREDENTIALS', 'Invalid request credentials'), /\(INVALID_CREDENTIALS\)/, /reconnect/, 1],
	['webhook without bizproc: insufficient_scope', () => ({ credentials: { bitrix24WebhookApi: { webhookUrl: portal.createWebhook({ scopes: ['crm'] }).url } } }), /\(insufficient_scope\)/, /bizproc/, 1],
	['expired_token', bitrixError(401, 'expired_token', 'The access token provided has expired'), /\(expired_token\)/, /Reconnect/, 1],
	['ERROR_METHOD_NOT_FOUND', withFault({ kind: 'methodNotFound' }), /\(ERROR_METHOD_NOT_FOUND\)/, /plan/, 1],
	['INVALID_REQUEST', bitrixError(400, 'INVALID_REQUEST', 'Https required.'), /requires HTTPS \(INVALID_REQUEST\)/, /https:\/\//, 1],
	['OPERATION_TIME_LIMIT', withFault({ kind: 'operationTimeLimit', operatingResetAt: Math.floor(Date.now() / 1000) + 3600 }), /\(OPERATION_TIME_LIMIT\)/, /frees up at/, 1],
	['OVERLOAD_LIMIT', bitrixError(503, 'OVERLOAD_LIMIT', 'REST API is blocked due to overload.'), /\(OVERLOAD_LIMIT\)/, /support/, 1],
	['PORTAL_DELETED', bitrixError(403, 'PORTAL_DELETED', 'Portal was deleted'), /\(PORTAL_DELETED\)/, /portal address/, 1],
	['INTERNAL_SERVER_ERROR, not sent again', withFault({ kind: 'internalError', count: 5 }), /\(INTERNAL_SERVER_ERROR\)/, /not sent again/, 1],
	['unknown code, verbatim', bitrixError(400, 'BRAND_NEW_CODE', 'Something brand new'), /^Bitrix24 returned the error BRAND_NEW_CODE$/, /Something brand new/, 1],
	['200 that carries an error', bitrixError(200, 'SOME_CODE', 'reported with 200'), /SOME_CODE/, /reported with 200/, 1],
	['HTML page from a proxy', withFault({ kind: 'htmlPage' }), /web page instead of data \(HTTP 502\)/, /proxy/, 1],
	['dropped connection after the portal wrote: not sent again', withFault({ kind: 'drop', afterRun: true }), /cut before it answered/, /not sent again/, 1],
	['timeout: not sent again', () => ({ ...withFault({ kind: 'slow', delayMs: 1200 })(), requestTimeoutMs: 300 }), /did not answer in time/, /not sent again.*Timeout/, 1],
	['connection refused', () => ({ credentials: { bitrix24WebhookApi: { webhookUrl: 'http://127.0.0.1:9/rest/1/abcdef123456/' } } }), /connection refused/, /address/, 0],
];

function forgedToken(): string {
	const { eventToken } = portal.issueEventToken({});
	return eventToken.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
}

describe('every Bitrix24 error becomes a clear n8n error naming the code and the fix', () => {
	test.each(errorRows)('%s', async (_label, arrange, message, description, calls) => {
		const { credentials, eventToken, requestTimeoutMs } = arrange();
		const linesBefore = portal.logLines().length;
		const token = eventToken ?? portal.issueEventToken({}).eventToken;
		const run = await runNode({
			parameters: {
				logMessage: 'a line',
				...(credentials.bitrix24OAuth2Api ? { authentication: 'oAuth2' } : {}),
				...(requestTimeoutMs ? { options: { timeoutSeconds: requestTimeoutMs / 1000 } } : {}),
			},
			credentials,
			items: [{ event_token: token }],
		});
		expect(run.items).toBeUndefined();
		expect(run.error?.message).toMatch(message);
		expect(run.error?.description).toMatch(description);
		expect((run.error as { context?: { itemIndex?: number } }).context?.itemIndex).toBe(0);
		await until(() => logCalls().length >= calls, 5000, `${calls} log request(s) in the journal`); // a slow answer is journaled when it is finally sent
		await new Promise((resolve) => setTimeout(resolve, 200)); // and nothing else arrives after it
		expect(logCalls()).toHaveLength(calls);
		expect(portal.logLines().length - linesBefore).toBeLessThanOrEqual(1);
		for (const secret of collectSecrets(portal, credentials, token)) expect(shownText(run)).not.toContain(secret);
	});
});

describe('bad input is refused before any request, naming the item', () => {
	const { eventToken } = { eventToken: '' };
	test.each([
		['a blank message', { logMessage: '={{ "" }}' }, /The Log Message is empty \(item 0\)/],
		['a whitespace-only message', { logMessage: ' \n\t ' }, /The Log Message is empty \(item 0\)/],
		['the message "0"', { logMessage: '0' }, /"0", which Bitrix24 treats as an empty message/],
		['a missing token', { eventToken: '={{ $json.missing }}', logMessage: 'x' }, /The Event Token cannot be used \(item 0\)/],
		['a token of the wrong shape', { eventToken: 'abc123xyz456', logMessage: 'x' }, /The Event Token cannot be used \(item 0\)/],
	])('%s', async (_label, parameters, message) => {
		const token = portal.issueEventToken({}).eventToken;
		const run = await runNode({ parameters: { eventToken: token, ...parameters }, credentials: webhook(), items: [{ event_token: eventToken }] });
		expect(run.error?.message).toMatch(message);
		expect(run.error?.description).toMatch(/Nothing was sent/);
		expect(portal.journal()).toHaveLength(0);
	});

	test('a webhook URL that is not one is refused with the fix', async () => {
		const run = await runNode({
			parameters: { eventToken: portal.issueEventToken({}).eventToken, logMessage: 'x' },
			credentials: { bitrix24WebhookApi: { webhookUrl: `${portal.baseUrl}/rest/profile` } },
			items: [{}],
		});
		expect(run.error?.message).toMatch(/not a whole Bitrix24 inbound-webhook URL/);
		expect(portal.journal()).toHaveLength(0);
	});
});

test('continue on fail: every item gets its own output, paired with it; the good lines land once', async () => {
	const good1 = portal.issueEventToken({});
	const good2 = portal.issueEventToken({});
	const items = [
		{ event_token: good1.eventToken, message: 'first' },
		{ event_token: good1.eventToken, message: '0' },
		{ event_token: forgedToken(), message: 'forged' },
		{ event_token: good2.eventToken, message: 'last' },
	];
	const run = await runNode({ parameters: { logMessage: '={{ $json.message }}' }, credentials: webhook(), items, continueOnFail: true });
	expect(run.error).toBeUndefined();
	expect(run.items!.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
	expect(run.items![0].json.result).toBe(true);
	expect(run.items![1].json.error).toMatch(/"0"/);
	expect(run.items![2].json.error).toMatch(/ACCESS_DENIED/);
	expect(run.items![3].json.result).toBe(true);
	expect(portal.workflow(good1.workflowId)!.logLines.map((l) => l.message)).toEqual(['first']);
	expect(portal.workflow(good2.workflowId)!.logLines.map((l) => l.message)).toEqual(['last']);
	// The three lines that passed the checks went in one batch; the forged token's command alone failed.
	expect(logCalls().map((call) => [call.restMethod, Object.keys((call.params.cmd ?? {}) as object).length])).toEqual([['batch', 3]]);
	for (const secret of collectSecrets(portal, webhook(), good1.eventToken)) expect(shownText(run)).not.toContain(secret);
});
