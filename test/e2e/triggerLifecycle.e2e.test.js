/**
 * The trigger's registration over a workflow's life, in a real n8n (`n8n start`, its REST API, as the
 * editor drives it): activate, publish with the action renamed, publish an unrelated edit, restart,
 * deactivate, activate again. The sandbox portal's journal must show exactly one `add`, one `update`
 * and no `delete`; the action is never missing from the portal; a business process started after
 * each step reaches the workflow (or, while it is off, waits). Then: a second workflow with the same
 * Code refuses to activate; a call before the Application Token is known is checked with the portal
 * (asked again after a busy answer), its application token kept for the next calls, and a forged one
 * never runs; the credentials' address rules as n8n itself evaluates them.
 */
const { fixture, sandboxCredentials } = require('../../harness/fixtures');
const { N8N_LINES, startN8nAndSandbox } = require('../../harness/n8n-and-sandbox');
const { sleep } = require('../../harness/processes');
const { until } = require('../../harness/until');

const CODE = 'n8n_e2e_lifecycle';
const MAIN_ID = 'e2eLifecycle0001';
const SECOND_ID = 'e2eLifecycle0002';
const FIRST_RUN_ID = 'e2eFirstRun00001';
const RETRY_ID = 'e2eLifecycle0003';
const RETRY_CODE = 'n8n_e2e_retry';
const NO_TOKEN_CREDENTIAL = { id: 'b24OAuth2NoTok01', name: 'Bitrix24 OAuth2, no Application Token' };

/** The registered-action fixture as another workflow: its own id, webhook path, Code and log line. */
function lifecycleWorkflow(id, webhookId, extra = {}) {
	const workflow = fixture('registered-action.workflow.json', { __WORKFLOW_ID__: id });
	workflow.name = `e2e lifecycle ${id}`;
	for (const node of workflow.nodes) node.id = `${id}-${node.id}`;
	const trigger = workflow.nodes.find((node) => node.type.endsWith('.bitrix24BizprocTrigger'));
	trigger.webhookId = webhookId;
	Object.assign(trigger.parameters, { activityCode: CODE, activityName: 'Check the order in n8n' }, extra);
	return workflow;
}

/** Trigger (OAuth2, Do Not Register, no Application Token in the credential) -> Log. */
function firstRunWorkflow() {
	const credentials = { bitrix24OAuth2Api: NO_TOKEN_CREDENTIAL };
	return {
		id: FIRST_RUN_ID,
		name: 'e2e: a first run without the Application Token',
		active: false,
		nodes: [
			{
				parameters: { authentication: 'oAuth2', registerAs: 'none', options: {} },
				id: 'first-run-trigger',
				name: 'Bitrix24 Bizproc Trigger',
				type: 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: 'e2e-first-run',
				credentials,
			},
			{
				parameters: { authentication: 'oAuth2', logMessage: 'checked with the portal' },
				id: 'first-run-log',
				name: 'Bitrix24 Bizproc Log',
				type: 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocLog',
				typeVersion: 1,
				position: [240, 0],
				credentials,
			},
		],
		connections: { 'Bitrix24 Bizproc Trigger': { main: [[{ node: 'Bitrix24 Bizproc Log', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

/** The OAuth2 credential with and without the Application Token, and credentials pasted or typed in part. */
function lifecycleCredentials(portal) {
	const [withToken] = sandboxCredentials(portal, portal.issueOAuthTokens({}), { applicationToken: portal.oauth.applicationToken }).filter((c) => c.type === 'bitrix24OAuth2Api');
	const [noToken] = sandboxCredentials(portal, portal.issueOAuthTokens({})).filter((c) => c.type === 'bitrix24OAuth2Api');
	return [
		withToken,
		{ ...noToken, ...NO_TOKEN_CREDENTIAL },
		// The Portal URL typed without http(s)://, for the authorize URL check.
		{ ...noToken, id: 'b24OAuth2Bare001', name: 'Bitrix24 OAuth2, bare portal address', data: { ...noToken.data, portalUrl: 'acme.bitrix24.test/' } },
		// A webhook URL pasted without its code, for the credential test.
		{ id: 'b24WebhookPart01', name: 'Bitrix24 webhook, partial paste', type: 'bitrix24WebhookApi', data: { webhookUrl: portal.webhookUrl.replace(/[^/]+\/$/, '') } },
		{ id: 'b24WebhookGood01', name: 'Bitrix24 webhook, whole URL', type: 'bitrix24WebhookApi', data: { webhookUrl: portal.webhookUrl } },
	];
}

describe.each(N8N_LINES)('n8n %s.x', (line) => {
	let n8n, portal, stopAll; // what startN8nAndSandbox started
	let mainUrl;
	/** Every moment the action was missing from the portal after it was first registered. */
	const missing = [];
	let watcher;
	/** What happened to the processes started during each publish (printed at the end). */
	const during = [];

	beforeAll(async () => {
		({ n8n, portal, stop: stopAll } = await startN8nAndSandbox({ line, credentials: lifecycleCredentials }));
		await n8n.importWorkflow(lifecycleWorkflow(MAIN_ID, 'e2e-lifecycle-main'));
		await n8n.importWorkflow(lifecycleWorkflow(SECOND_ID, 'e2e-lifecycle-second'));
		await n8n.importWorkflow(firstRunWorkflow());
		await n8n.importWorkflow(lifecycleWorkflow(RETRY_ID, 'e2e-lifecycle-retry', { activityCode: RETRY_CODE }));
		await n8n.start();
		await n8n.login();
		mainUrl = `${n8n.baseUrl}/webhook/e2e-lifecycle-main/bitrix24-bizproc`;
		let seen = false;
		watcher = setInterval(() => {
			const present = portal.registeredActivities().some((a) => a.CODE === CODE && a.HANDLER === mainUrl);
			if (present) seen = true;
			else if (seen) missing.push(Date.now());
		}, 20);
	});

	afterAll(async () => {
		clearInterval(watcher);
		if (during.length) process.stdout.write(`[triggerLifecycle n8n ${line}.x] ${during.join('; ')}\n`);
		await stopAll?.();
	});

	const changes = () =>
		portal
			.journal()
			.map((entry) => entry.restMethod ?? '')
			.filter((method) => /^bizproc\.(activity|robot)\.(add|update|delete)$/.test(method));

	/** 2.x publishes in the background: wait until the workflow's published version is live. */
	async function settled(id) {
		if (line === '1') return;
		await until(async () => {
			const { data } = await n8n.getJson(`/rest/workflows/${id}/publication-status`);
			return data.pendingVersionId === null && data.status !== 'in_progress';
		}, 60_000, 'publication');
	}

	/**
	 * The editor's save of an edited active workflow, then (2.x) its publish, while business
	 * processes keep reaching the action (one every 100 ms). Returns how the handler answered them.
	 */
	async function publishEdit(id, edit) {
		const { data } = await n8n.getJson(`/rest/workflows/${id}`);
		const nodes = structuredClone(data.nodes);
		edit(nodes);
		let publishing = true;
		const during = [];
		const traffic = (async () => {
			while (publishing) {
				during.push(portal.startWorkflow({ code: CODE, properties: { Order: 'ORD-D' } }).then((run) => run, (error) => ({ error: error.message })));
				await sleep(100);
			}
		})();
		try {
			await n8n.patchJson(`/rest/workflows/${id}`, { nodes, connections: data.connections, versionId: data.versionId });
			if (line === '2') await n8n.setActive(id, true); // 1.x re-activates an active workflow on save
			await settled(id);
		} finally {
			publishing = false;
			await traffic;
		}
		return await Promise.all(during);
	}

	/**
	 * Every process started during a publish found the action and reached the workflow, which
	 * completed it. Only n8n's own gap is allowed: while it re-registers the trigger's webhook (2.x
	 * when the trigger changed: teardownOldVersionNodes then activate; 1.x on every save of an active
	 * workflow: ActiveWorkflowManager.remove then add) n8n answers 404 for a moment. The portal's
	 * action is untouched then, and such a process waits, as while the workflow is off.
	 */
	async function allReached(runs, label, { triggerChanged }) {
		expect(runs.length).toBeGreaterThan(0);
		const n8nMayDrop = line === '1' || triggerChanged;
		const answers = runs.map((run) => run.error ?? run.handlerStatus);
		during.push(`${label}: ${answers.filter((a) => a === 200).length} of ${runs.length} reached the workflow, ${answers.filter((a) => a === 404).length} got n8n's 404`);
		expect(answers.filter((answer) => answer !== 200 && !(n8nMayDrop && answer === 404))).toEqual([]);
		const reached = runs.filter((run) => run.handlerStatus === 200);
		await until(() => reached.every((run) => portal.workflow(run.workflowId).state === 'completed'), 60_000, 'the processes started during the publish to complete');
		for (const run of runs.filter((r) => r.handlerStatus === 404)) expect(portal.workflow(run.workflowId)).toMatchObject({ state: 'waiting' });
	}

	/** A business process reaching the action now; resolves once the workflow completed it. */
	async function processReaches(expectedLine) {
		const run = await portal.startWorkflow({ code: CODE, properties: { Order: 'ORD-1' } });
		expect(run.handlerStatus).toBe(200);
		await until(() => portal.workflow(run.workflowId).state === 'completed', 60_000, 'the process to complete');
		// Send Result adds Bitrix24's default last line.
		expect(portal.workflow(run.workflowId).logLines.map((l) => l.message)).toEqual([expectedLine, 'Received response from the application']);
	}

	test('activate, publish renamed, publish an unrelated edit, restart, deactivate, activate again: one add, one update, no delete', async () => {
		await n8n.setActive(MAIN_ID, true);
		await settled(MAIN_ID);
		await until(() => portal.registeredActivities().some((a) => a.CODE === CODE), 60_000, 'registration');
		await n8n.waitForWebhook(mainUrl);
		expect(changes()).toEqual(['bizproc.activity.add']);
		await processReaches('Order ORD-1 checked through the registered action');

		// Publish with the action renamed: one update, while the action stays in place.
		const duringRename = await publishEdit(MAIN_ID, (nodes) => {
			nodes.find((node) => node.type.endsWith('.bitrix24BizprocTrigger')).parameters.activityName = 'Check the order (renamed)';
		});
		await until(() => portal.registeredActivities()[0]?.NAME === 'Check the order (renamed)', 60_000, 'the rename');
		await n8n.waitForWebhook(mainUrl);
		expect(changes()).toEqual(['bizproc.activity.add', 'bizproc.activity.update']);
		expect(portal.registeredActivities()).toEqual([expect.objectContaining({ CODE, HANDLER: mainUrl, NAME: 'Check the order (renamed)' })]);
		await allReached(duringRename, 'rename', { triggerChanged: true });
		await processReaches('Order ORD-1 checked through the registered action');

		// Publish an edit of another node: the new line proves the edit is live; nothing sent to the registry.
		const duringEdit = await publishEdit(MAIN_ID, (nodes) => {
			nodes.find((node) => node.type.endsWith('.bitrix24BizprocLog')).parameters.logMessage = '=Order {{ $json.properties.Order }} checked after the edit';
		});
		await n8n.waitForWebhook(mainUrl);
		await allReached(duringEdit, 'unrelated edit', { triggerChanged: false });
		await processReaches('Order ORD-1 checked after the edit');
		expect(changes()).toEqual(['bizproc.activity.add', 'bizproc.activity.update']);

		// Restart n8n.
		await n8n.stop();
		await n8n.start();
		await n8n.login();
		await n8n.waitForWebhook(mainUrl);
		await processReaches('Order ORD-1 checked after the edit');
		expect(changes()).toEqual(['bizproc.activity.add', 'bizproc.activity.update']);

		// Deactivate: the action stays; a process that reaches it now finds no workflow and waits.
		await n8n.setActive(MAIN_ID, false);
		await settled(MAIN_ID);
		await until(async () => (await fetch(mainUrl, { method: 'POST' })).status === 404, 60_000, 'the webhook to go');
		expect(portal.registeredActivities()).toEqual([expect.objectContaining({ CODE, HANDLER: mainUrl })]);
		const waiting = await portal.startWorkflow({ code: CODE, properties: { Order: 'ORD-2' } });
		expect(waiting.handlerStatus).toBe(404);
		expect(portal.workflow(waiting.workflowId)).toMatchObject({ state: 'waiting', logLines: [] });

		// Activate again: nothing sent, calls reach the workflow again.
		await n8n.setActive(MAIN_ID, true);
		await settled(MAIN_ID);
		await n8n.waitForWebhook(mainUrl);
		await processReaches('Order ORD-1 checked after the edit');
		expect(changes()).toEqual(['bizproc.activity.add', 'bizproc.activity.update']);
		expect(missing).toEqual([]);
	});

	test('a second workflow with the same Code refuses to activate, naming the first handler', async () => {
		const expected = `The Code "${CODE}" is already registered for another handler (${new URL(mainUrl).host})`;
		let refusal = '';
		if (line === '1') {
			// 1.x refuses the activation request itself, with the trigger's message.
			refusal = await n8n.setActive(SECOND_ID, true).then(
				() => 'activated',
				(error) => JSON.parse(error.message.slice(error.message.indexOf('{'))).message,
			);
		} else {
			await n8n.setActive(SECOND_ID, true); // 2.x accepts the publish and reports the trigger's failure
			await settled(SECOND_ID);
			const { data } = await n8n.getJson(`/rest/workflows/${SECOND_ID}/publication-status`);
			refusal = data.triggers.map((trigger) => trigger.errorMessage).join('\n');
		}
		expect(refusal).toContain(expected);
		expect(portal.registeredActivities()).toEqual([expect.objectContaining({ CODE, HANDLER: mainUrl })]);
		expect(changes()).toEqual(['bizproc.activity.add', 'bizproc.activity.update']);
		const second = await fetch(`${n8n.baseUrl}/webhook/e2e-lifecycle-second/bitrix24-bizproc`, { method: 'POST' });
		expect(second.status).toBe(404);
	});

	test('a call before the Application Token is known is checked with the portal; a forged one never runs', async () => {
		await n8n.setActive(FIRST_RUN_ID, true);
		await settled(FIRST_RUN_ID);
		const handlerUrl = `${n8n.baseUrl}/webhook/e2e-first-run/bitrix24-bizproc`;
		await n8n.waitForWebhook(handlerUrl);
		const executions = async () => await n8n.readExecutions({ workflowId: FIRST_RUN_ID });

		const appInfo = () => portal.journal().filter((entry) => entry.restMethod === 'app.info');
		// The portal is busy when the first call comes: its first app.info is refused. Not a verdict: asked again.
		portal.clearJournal();
		portal.injectFault({ kind: 'error', method: 'app.info', status: 503, error: 'QUERY_LIMIT_EXCEEDED', errorDescription: 'Too many requests' });
		const genuine = await portal.startWorkflow({ handlerUrl });
		expect(genuine.handlerStatus).toBe(200);
		expect(appInfo().map((entry) => entry.status)).toEqual([503, 200, 200]);
		await until(() => portal.workflow(genuine.workflowId).logLines.length === 1, 60_000, 'the line');
		await until(async () => (await executions()).some((e) => e.status === 'success'), 60_000, 'the execution');
		const [execution] = await executions();
		const item = execution.data.resultData.runData['Bitrix24 Bizproc Trigger'][0].data.main[0][0].json;
		expect(item.setup_hint).toContain('Include Access Tokens');
		expect(execution.raw).not.toContain(portal.oauth.applicationToken);

		// The verified call's application token was kept in the static data (n8n saved it after the call):
		// the next call with it, and another user's access token, is accepted without asking the portal.
		portal.clearJournal();
		const next = await portal.startWorkflow({ handlerUrl, tokens: portal.issueOAuthTokens({ userId: 2 }) });
		expect(next.handlerStatus).toBe(200);
		expect(appInfo()).toEqual([]);
		await until(() => portal.workflow(next.workflowId).logLines.length === 1, 60_000, 'the second line');

		// Forged calls know neither the application token nor a genuine access token of the application.
		const forged = await portal.startWorkflow({ handlerUrl, applicationToken: 'madeup0123456789abcdef0123456789', tokens: { ...portal.issueOAuthTokens({}), access_token: 'forged0123456789abcdef0123456789' } });
		const foreign = await portal.startWorkflow({ handlerUrl, applicationToken: 'otherapp0123456789abcdef01234567', tokens: portal.issueOAuthTokens({ application: 'other' }) });
		expect([forged.handlerStatus, foreign.handlerStatus]).toEqual([401, 401]);
		await sleep(1500);
		expect(await executions()).toHaveLength(2);
		expect(portal.workflow(forged.workflowId)).toMatchObject({ state: 'waiting', logLines: [] });
		expect(portal.workflow(foreign.workflowId)).toMatchObject({ state: 'waiting', logLines: [] });
	});

	test('a publish whose update the portal refuses records nothing and says so; publishing again brings the portal in step', async () => {
		const retryUrl = `${n8n.baseUrl}/webhook/e2e-lifecycle-retry/bitrix24-bizproc`;
		const registered = () => portal.registeredActivities().find((a) => a.CODE === RETRY_CODE);
		const recordOf = async () => {
			const answer = await fetch(`${portal.baseUrl}/rest/app.option.get.json`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${portal.issueOAuthTokens({}).access_token}`, 'Content-Type': 'application/json' },
				body: JSON.stringify({ option: `n8n.handler.${RETRY_CODE}` }),
			});
			return (/** @type {any} */ (await answer.json())).result;
		};
		const updates = () => portal.journal().filter((entry) => entry.restMethod === 'bizproc.activity.update' && entry.params.CODE === RETRY_CODE);
		await n8n.setActive(RETRY_ID, true);
		await settled(RETRY_ID);
		await until(() => registered() !== undefined, 60_000, 'registration');
		await n8n.waitForWebhook(retryUrl);
		const recordBefore = await recordOf();
		expect(JSON.parse(recordBefore)).toMatchObject({ kind: 'activity', handler: retryUrl });

		// Publish a new return property while the portal refuses every update (2.x tries 5 times).
		portal.injectFault({ kind: 'error', method: 'bizproc.activity.update', status: 503, error: 'QUERY_LIMIT_EXCEEDED', errorDescription: 'Too many requests', count: 100 });
		const { data } = await n8n.getJson(`/rest/workflows/${RETRY_ID}`);
		const nodes = structuredClone(data.nodes);
		nodes.find((node) => node.type.endsWith('.bitrix24BizprocTrigger')).parameters.returnProperties.property.push({ key: 'Reason', displayName: 'Reason', type: 'text' });
		let shown;
		if (line === '1') {
			// 1.x re-activates on save: the save itself fails with the trigger's message (and the workflow is turned off).
			shown = await n8n.patchJson(`/rest/workflows/${RETRY_ID}`, { nodes, connections: data.connections, versionId: data.versionId }).then(
				() => 'saved',
				(error) => JSON.parse(error.message.slice(error.message.indexOf('{'))).message,
			);
		} else {
			// 2.x accepts the publish, then reports the trigger's failure (the editor shows it as "Problem publishing").
			await n8n.patchJson(`/rest/workflows/${RETRY_ID}`, { nodes, connections: data.connections, versionId: data.versionId });
			await n8n.setActive(RETRY_ID, true);
			await settled(RETRY_ID);
			shown = (await n8n.getJson(`/rest/workflows/${RETRY_ID}/publication-status`)).data.triggers.map((trigger) => trigger.errorMessage).join('\n');
		}
		const tries = updates().length;
		portal.clearFaults();
		process.stdout.write(`[triggerLifecycle n8n ${line}.x] a refused update: n8n showed "${shown}" after ${tries} tries; webhook ${(await fetch(retryUrl, { method: 'POST' })).status}\n`);
		expect(shown).toContain('QUERY_LIMIT_EXCEEDED');
		expect(tries).toBeGreaterThan(0);
		expect(registered().RETURN_PROPERTIES).not.toHaveProperty('Reason');
		expect(await recordOf()).toBe(recordBefore);

		// Publish again: the update reaches the portal, once, and the record follows. 1.x turned the
		// workflow off and put back the version it had before (the same nodes saved again make no new
		// version): the edit, changed a little, is saved again, then activated.
		portal.clearJournal();
		if (line === '1') {
			const { data: now } = await n8n.getJson(`/rest/workflows/${RETRY_ID}`);
			nodes.find((node) => node.type.endsWith('.bitrix24BizprocTrigger')).parameters.activityDescription = 'Saved again';
			await n8n.patchJson(`/rest/workflows/${RETRY_ID}`, { nodes, connections: now.connections, versionId: now.versionId });
		}
		await n8n.setActive(RETRY_ID, true);
		await settled(RETRY_ID);
		await until(() => registered().RETURN_PROPERTIES.Reason !== undefined, 60_000, 'the update');
		await n8n.waitForWebhook(retryUrl);
		expect(updates()).toHaveLength(1);
		expect(await recordOf()).not.toBe(recordBefore);
		expect(JSON.parse(await recordOf())).toMatchObject({ kind: 'activity', handler: retryUrl });
		const run = await portal.startWorkflow({ code: RETRY_CODE, properties: { Order: 'ORD-R' } });
		expect(run.handlerStatus).toBe(200);
		await until(() => portal.workflow(run.workflowId).state === 'completed', 60_000, 'the process to complete');
	});

	test("the credentials' address rules, as this n8n evaluates them", async () => {
		// The webhook credential test: a partial paste is explained, not sent to undefined/.
		const test = async (id, webhookUrl) =>
			(await n8n.postJson('/rest/credentials/test', { credentials: { id, name: id, type: 'bitrix24WebhookApi', data: { webhookUrl } } })).data;
		expect(await test('b24WebhookGood01', portal.webhookUrl)).toMatchObject({ status: 'OK' });
		portal.clearJournal();
		const partial = await test('b24WebhookPart01', portal.webhookUrl.replace(/[^/]+\/$/, ''));
		expect(partial.status).toBe('Error');
		// The portal's /rest/, never `undefined/` (1.x sends the 401 request twice).
		expect([...new Set(portal.journal().map((entry) => `${entry.httpMethod} ${entry.path} ${entry.status}`))]).toEqual(['GET /rest/scope.json 401']);
		// 2.x applies the credential's rule to the 401; 1.x's RoutingNode error keeps no response, so it shows its own words.
		expect(partial.message).toBe(
			line === '2'
				? `Bitrix24 did not accept this webhook URL: it is incomplete, its code is wrong, or the webhook was deleted. Copy the whole URL again from Developer resources > Other > Inbound webhook, like https://yourportal.bitrix24.com/rest/1/abc123xyz456/`
				: 'Authorization failed - please check your credentials',
		);
		// The OAuth2 authorize URL of a Portal URL typed without https://.
		const { data: authorizeUrl } = await n8n.getJson('/rest/oauth2-credential/auth?id=b24OAuth2Bare001');
		expect(authorizeUrl.startsWith('https://acme.bitrix24.test/oauth/authorize/?')).toBe(true);
		expect(n8n.outboundAttempts()).toEqual([]);
	});
});
