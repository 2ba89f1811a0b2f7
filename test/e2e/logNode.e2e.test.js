/**
 * The package inside a real n8n, installed from its packed tarball the way n8n installs community
 * packages, run with `n8n execute` against the sandbox portal over HTTP, on both n8n lines.
 */
const { fixture, sandboxCredentials } = require('../../harness/fixtures');
const { PACKAGE_NAME } = require('../../harness/n8n-harness');
const { N8N_LINES, startN8nAndSandbox } = require('../../harness/n8n-and-sandbox');

const LOG_NODE = 'Bitrix24 Bizproc Log';

describe.each(N8N_LINES)('n8n %s.x', (line) => {
	let n8n, portal, stopAll; // what startN8nAndSandbox started
	let oauthTokens;
	let workflowCount = 0;
	const everythingN8nPrinted = [];

	beforeAll(async () => {
		({ n8n, portal, stop: stopAll } = await startN8nAndSandbox({ line, credentials: (sandbox) => sandboxCredentials(sandbox, (oauthTokens = sandbox.issueOAuthTokens({}))) }));
	});

	afterAll(async () => await stopAll?.());

	beforeEach(() => portal.clearJournal());

	const logCalls = () => portal.journal().filter((entry) => entry.restMethod === 'bizproc.activity.log');

	/**
	 * Imports the handler-call workflow with these calls and runs it with `n8n execute`.
	 * @param {any[]} calls
	 * @param {{ credential?: string, onError?: string, retry?: { maxTries: number, waitBetweenTries: number } }} [options]
	 */
	async function runCalls(calls, { credential = 'webhook', onError = 'stopWorkflow', retry } = {}) {
		const id = `e2eWorkflow${String(++workflowCount).padStart(5, '0')}`;
		const credentialByName = {
			webhook: ['bitrix24WebhookApi', 'b24WebhookCred01', 'webhook'],
			wrongWebhook: ['bitrix24WebhookApi', 'b24WrongHookCred', 'webhook'],
			oAuth2: ['bitrix24OAuth2Api', 'b24OAuth2Cred001', 'oAuth2'],
		}[credential];
		const workflow = fixture('handler-call-log.workflow.json', {
			__WORKFLOW_ID__: id,
			__CALLS_JSON__: JSON.stringify({ orderPrefix: '#', calls }),
			__CREDENTIAL_TYPE__: credentialByName[0],
			__CREDENTIAL_ID__: credentialByName[1],
			__AUTHENTICATION__: credentialByName[2],
			__ON_ERROR__: onError,
			__LOG_OPTIONS__: {},
		});
		// n8n's node settings Retry On Fail, Max. Tries and Wait Between Tries (ms).
		if (retry) Object.assign(workflow.nodes.find((node) => node.name === LOG_NODE), { retryOnFail: true, ...retry });
		await n8n.importWorkflow(workflow);
		const result = await n8n.execute(id);
		everythingN8nPrinted.push(result.stdout, result.stderr);
		const stored = await n8n.readExecutions({ workflowId: id });
		expect(stored).toHaveLength(1);
		const runData = stored[0].data.resultData.runData[LOG_NODE]?.[0];
		return { ...result, stored: stored[0], logRun: runData, output: runData?.data?.main?.[0], error: runData?.error };
	}

	test('n8n lists the node types and both credentials of the package', async () => {
		await n8n.start();
		try {
			await n8n.login();
			const nodes = await n8n.getJson('/types/nodes.json');
			const credentials = await n8n.getJson('/types/credentials.json');
			const nodeNames = nodes.map((node) => node.name);
			expect(nodeNames).toEqual(expect.arrayContaining([`${PACKAGE_NAME}.bitrix24BizprocLog`, `${PACKAGE_NAME}.bitrix24BizprocSendResult`, `${PACKAGE_NAME}.bitrix24BizprocTrigger`]));
			const log = nodes.find((node) => node.name === `${PACKAGE_NAME}.bitrix24BizprocLog`);
			expect(log.displayName).toBe('Bitrix24 Bizproc Log');
			expect(log.properties.map((p) => p.name)).toEqual(expect.arrayContaining(['eventToken', 'logMessage', 'requestOptions']));
			expect(credentials.map((c) => c.name)).toEqual(expect.arrayContaining(['bitrix24WebhookApi', 'bitrix24OAuth2Api']));
		} finally {
			await n8n.stop();
		}
		expect(n8n.outboundAttempts()).toEqual([]); // n8n tried to reach nothing outside this machine
	});

	test('the line lands once, byte-exact, with a message built by expressions from earlier nodes', async () => {
		const { eventToken, workflowId } = portal.issueEventToken({});
		const text = 'Заказ проверен ✅\nВторая строка 🎉\ttab';
		const result = await runCalls([{ event_token: eventToken, text, order: 42 }]);
		expect(result.error).toBeUndefined();
		expect(result.output).toHaveLength(1);
		expect(result.output[0].json.result).toBe(true);
		expect(portal.workflow(workflowId).logLines.map((l) => l.message)).toEqual([`${text} (order #42)`]);
		expect(logCalls()).toHaveLength(1);
		expect(result.stored.status).toBe('success');
	});

	test('every bad-input case ends with the mapped error text, and nothing is sent', async () => {
		const token = portal.issueEventToken({}).eventToken;
		const result = await runCalls(
			[
				{ event_token: token, text: '' },
				{ event_token: token, text: ' \n\t ' },
				{ event_token: token, text: '0' },
				{ text: 'no token' },
				{ event_token: 'abc123xyz456', text: 'a webhook code is no token' },
			],
			{ onError: 'continueRegularOutput' },
		);
		expect(result.output.map((item) => item.json.error)).toEqual([
			'The Log Message is empty (item 0)',
			'The Log Message is empty (item 1)',
			'The Log Message is "0", which Bitrix24 treats as an empty message (item 2)',
			'The Event Token cannot be used (item 3)',
			'The Event Token cannot be used (item 4)',
		]);
		expect(logCalls()).toHaveLength(0);

		const failing = await runCalls([{ event_token: token, text: '0' }]);
		expect(failing.error.message).toBe('The Log Message is "0", which Bitrix24 treats as an empty message (item 0)');
		expect(failing.error.description).toMatch(/Nothing was sent/);
		expect(failing.stdout + failing.stderr).toContain('which Bitrix24 treats as an empty message');
		expect(failing.stored.status).toBe('error');
		expect(logCalls()).toHaveLength(0);
	});

	test('ACCESS_DENIED for a forged token and NO_AUTH_FOUND for a wrong webhook show the mapped errors', async () => {
		const { eventToken } = portal.issueEventToken({});
		const forged = eventToken.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
		const denied = await runCalls([{ event_token: forged, text: 'x' }]);
		expect(denied.error.message).toBe('Bitrix24 refused the event token (ACCESS_DENIED)');
		expect(denied.error.description).toMatch(/USE_SUBSCRIPTION = Y/);

		const wrongHook = await runCalls([{ event_token: eventToken, text: 'x' }], { credential: 'wrongWebhook' });
		expect(wrongHook.error.message).toBe('Bitrix24 did not recognise the webhook (NO_AUTH_FOUND)');
		expect(portal.workflow(portal.issueEventToken({}).workflowId).logLines).toEqual([]);
	});

	test('OAuth2: an expired access token is renewed by n8n and the line lands once', async () => {
		portal.expireAccessTokens();
		const { eventToken, workflowId } = portal.issueEventToken({});
		const result = await runCalls([{ event_token: eventToken, text: 'after the token was renewed' }], { credential: 'oAuth2' });
		expect(result.error).toBeUndefined();
		expect(portal.workflow(workflowId).logLines.map((l) => l.message)).toEqual(['after the token was renewed']);
		expect(logCalls().map((call) => call.status)).toEqual([401, 200]);
		expect(portal.journal().filter((entry) => entry.path.startsWith('/oauth/token'))).toHaveLength(1);
	});

	test('continue on fail pairs every output item with its input item', async () => {
		const first = portal.issueEventToken({});
		const last = portal.issueEventToken({});
		const forged = first.eventToken.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
		const result = await runCalls(
			[
				{ event_token: first.eventToken, text: 'first' },
				{ event_token: first.eventToken, text: '0' },
				{ event_token: forged, text: 'forged' },
				{ event_token: last.eventToken, text: 'last' },
			],
			{ onError: 'continueRegularOutput' },
		);
		expect(result.output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(result.output.map((item) => item.json.result ?? item.json.error)).toEqual([
			true,
			'The Log Message is "0", which Bitrix24 treats as an empty message (item 1)',
			'Bitrix24 refused the event token (ACCESS_DENIED)',
			true,
		]);
		expect(portal.workflow(first.workflowId).logLines.map((l) => l.message)).toEqual(['first']);
		expect(portal.workflow(last.workflowId).logLines.map((l) => l.message)).toEqual(['last']);
	});

	test('Retry On Fail (3 tries) with items good, forged token, good: each good line is written once', async () => {
		const first = portal.issueEventToken({});
		const last = portal.issueEventToken({});
		const forged = portal.issueEventToken({});
		const forgedToken = forged.eventToken.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
		const result = await runCalls(
			[
				{ event_token: first.eventToken, text: 'first' },
				{ event_token: forgedToken, text: 'forged' },
				{ event_token: last.eventToken, text: 'last' },
			],
			{ retry: { maxTries: 3, waitBetweenTries: 10 } },
		);
		expect(result.error.message).toBe('Bitrix24 refused the event token (ACCESS_DENIED)');
		expect(result.stored.status).toBe('error');
		expect(portal.workflow(first.workflowId).logLines.map((l) => l.message)).toEqual(['first']);
		expect(portal.workflow(last.workflowId).logLines.map((l) => l.message)).toEqual(['last']);
		// The portal's log: each good line once; the forged token's call was tried 3 times.
		const sent = (workflowId) => portal.journal().filter((entry) => JSON.stringify(entry.params).includes(workflowId)).length;
		expect([sent(first.workflowId), sent(forged.workflowId), sent(last.workflowId)]).toEqual([1, 3, 1]);
	});

	test('a message with half of an emoji is refused with its item and position; the other lines land', async () => {
		const first = portal.issueEventToken({});
		const broken = portal.issueEventToken({});
		const result = await runCalls(
			[
				{ event_token: first.eventToken, text: 'first 🎉' },
				{ event_token: broken.eventToken, text: 'Paid 🎉'.slice(0, -1) },
			],
			{ onError: 'continueRegularOutput' },
		);
		expect(result.output.map((item) => item.json.result ?? item.json.error)).toEqual([true, 'The Log Message holds half of a character at position 6 (item 1)']);
		expect(portal.workflow(first.workflowId).logLines.map((l) => l.message)).toEqual(['first 🎉']);
		expect(portal.workflow(broken.workflowId).logLines).toEqual([]);
		expect(JSON.stringify(portal.journal())).not.toContain(broken.workflowId);
		// One line reached the portal, alone or in a batch.
		expect(portal.journal().filter((entry) => entry.restMethod).map((entry) => entry.batchCommands ?? 1)).toEqual([1]);
	});

	test('n8n tried to reach nothing outside this machine during all of the above', () => {
		expect(n8n.guardedProcesses().length).toBeGreaterThan(0); // the n8n processes carried the guard
		expect(n8n.outboundAttempts()).toEqual([]);
	});

	test('no secret appears in what n8n printed or stored, and no event token in our node\'s data', async () => {
		const stored = await n8n.readExecutions();
		expect(stored.length).toBeGreaterThanOrEqual(6);
		const secrets = [portal.webhookCode, 'wrongcode0000', portal.oauth.clientSecret, oauthTokens.access_token, oauthTokens.refresh_token];
		const printedAndStored = [...everythingN8nPrinted, ...stored.map((execution) => execution.raw)].join('\n');
		for (const secret of secrets) expect(printedAndStored).not.toContain(secret);

		for (const execution of stored) {
			const ours = JSON.stringify(execution.data.resultData.runData[LOG_NODE] ?? []) + JSON.stringify(execution.data.resultData.error ?? {});
			// Signatures are the secret part of an event token; the workflow ids alone are not secret.
			expect(ours).not.toMatch(/\|[^|"]+\.[0-9a-f]{64}/);
		}
	});
});
