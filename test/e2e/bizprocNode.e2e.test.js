/**
 * The full round trip in a real n8n (`n8n start`, active workflows), on both lines: a workflow
 * starts a business process with the Bitrix24 Business Process node; the sandbox portal runs it to
 * our registered action and calls its handler, the example workflow's trigger, which logs and sends
 * the result; the process finishes, and the first workflow no longer finds it among the running ones
 * (Workflow > Get Many). With the webhook and with the OAuth2 credential.
 */
const { startSandbox } = require('../../sandbox');
const { fixture, sandboxCredentials } = require('../../harness/fixtures');
const { createN8nInstance, packPackage } = require('../../harness/n8n-harness');

const LINES = (process.env.N8N_E2E_LINES || '2,1').split(',');
const EXAMPLE = require('../../examples/bitrix24-bizproc-loop.workflow.json');
const EXAMPLE_ID = 'e2eExampleLoop02';
const STARTERS = {
	webhook: { id: 'e2eStarterHook01', type: 'bitrix24WebhookApi', credentialId: 'b24WebhookCred01' },
	oAuth2: { id: 'e2eStarterOAuth1', type: 'bitrix24OAuth2Api', credentialId: 'b24OAuth2Cred001' },
};

let tarball;
beforeAll(() => {
	tarball = packPackage();
});

describe.each(LINES)('n8n %s.x', (line) => {
	let n8n;
	let portal;
	let templateId;
	let dealNumber = 500;

	beforeAll(async () => {
		portal = await startSandbox({ rateLimit: false, maxLifetimeMs: 30 * 60 * 1000 });
		n8n = await createN8nInstance({ line, tarball });
		await n8n.importCredentials([
			...sandboxCredentials(portal, portal.issueOAuthTokens({}), { applicationToken: portal.oauth.applicationToken }),
			{
				id: 'b24ExampleHook01',
				name: 'Bitrix24 webhook',
				type: 'bitrix24WebhookApi',
				data: { webhookUrl: portal.webhookUrl, applicationToken: portal.oauth.applicationToken, portalPlan: 'standard' },
			},
		]);
		await n8n.importWorkflow({ ...EXAMPLE, id: EXAMPLE_ID, active: false });
		await n8n.activateWorkflow(EXAMPLE_ID);
		for (const [authentication, starter] of Object.entries(STARTERS)) {
			await n8n.importWorkflow(
				fixture('start-process.workflow.json', {
					__WORKFLOW_ID__: starter.id,
					__AUTHENTICATION__: authentication,
					__CREDENTIAL_TYPE__: starter.type,
					__CREDENTIAL_ID__: starter.credentialId,
				}),
			);
			await n8n.activateWorkflow(starter.id);
		}
		await n8n.start();
		await n8n.login();
		const trigger = EXAMPLE.nodes.find((node) => node.type.endsWith('.bitrix24BizprocTrigger'));
		const handlerUrl = `${n8n.baseUrl}/webhook/${trigger.webhookId}/bitrix24-bizproc`;
		await n8n.waitForWebhook(handlerUrl);
		// n8n registers each active workflow's webhooks in turn. The empty POST this sends runs the starter
		// once with no input: Start refuses it before calling the portal, Get Many lists what runs.
		for (const authentication of Object.keys(STARTERS)) {
			for (const path of ['e2e-start-process', 'e2e-check-process']) await n8n.waitForWebhook(`${n8n.baseUrl}/webhook/${path}-${authentication}`);
		}

		// The portal side: our application's action, pointing at the example workflow's trigger, and a deal template that runs it.
		const added = await fetch(`${portal.baseUrl}/rest/bizproc.activity.add`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${portal.issueOAuthTokens({}).access_token}` },
			body: JSON.stringify({
				CODE: 'n8n_check_order',
				HANDLER: handlerUrl,
				NAME: 'Check the order in n8n',
				USE_SUBSCRIPTION: 'Y',
				PROPERTIES: { Order: { Name: 'Order' } },
				RETURN_PROPERTIES: { result: { Name: 'Result' } },
			}),
		});
		expect((/** @type {any} */ (await added.json())).result).toBe(true);
		templateId = portal.addTemplate({
			documentType: ['crm', 'CCrmDocumentDeal', 'DEAL'],
			name: 'Check the order in n8n',
			parameters: { Order: { Name: 'Order', Type: 'string', Required: true } },
			steps: [{ type: 'action', code: 'n8n_check_order', properties: { Order: '{=Template:Order}' } }],
		});
	});

	afterAll(async () => {
		await n8n?.dispose();
		await portal?.close();
	});

	/** @type {(path: string, body: object) => Promise<any>} */
	const post = async (path, body) => {
		const response = await fetch(`${n8n.baseUrl}/webhook/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
		expect(response.status).toBe(200);
		return await response.json();
	};

	test.each(Object.keys(STARTERS))('%s: n8n starts the process, the process calls n8n back, n8n finds it finished', async (authentication) => {
		const deal = String(++dealNumber);
		portal.addDocument(['crm', 'CCrmDocumentDeal', `DEAL_${deal}`]);
		const order = `ORD-${deal}`;

		const started = await post(`e2e-start-process-${authentication}`, { templateId, deal, order });
		expect(started).toEqual({ workflowId: expect.any(String), templateId: String(templateId), documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${deal}`] });

		const finished = await portal.waitForProcess(started.workflowId, (process) => process.state === 'completed', 60_000);
		expect(finished).toMatchObject({ templateId, parameters: { Order: order }, returnValues: { result: 'approved' } });
		expect(finished.handlerCalls.map((call) => call.handlerStatus)).toEqual([200]);
		expect(portal.workflow(started.workflowId).logLines.map((l) => l.message)).toEqual([
			`n8n received the request for DEAL_${deal} (order ${order})`,
			'Order checked by n8n:\n- stock reserved\n- invoice prepared',
			'n8n finished: approved',
		]);

		// Get Many lists running processes only: the finished one is gone (alwaysOutputData gives one empty item).
		expect(await post(`e2e-check-process-${authentication}`, { templateId, deal })).toEqual([{}]);
		const calls = portal.journal().filter((entry) => ['bizproc.workflow.start', 'bizproc.workflow.instances'].includes(entry.restMethod));
		expect(calls.slice(-2).map((entry) => `${entry.restMethod} ${entry.authKind} ${entry.status}`)).toEqual([
			`bizproc.workflow.start ${authentication === 'webhook' ? 'webhook' : 'oauth'} 200`,
			`bizproc.workflow.instances ${authentication === 'webhook' ? 'webhook' : 'oauth'} 200`,
		]);
	});

	test.each([
		['webhook', { bitrix24WebhookApi: { id: 'b24WebhookCred01', name: 'Bitrix24 webhook (sandbox)' } }],
		['oAuth2', { bitrix24OAuth2Api: { id: 'b24OAuth2Cred001', name: 'Bitrix24 OAuth2 (sandbox)' } }],
	])("%s: the editor's Template list shows the portal's templates of the chosen document type, searchable by name", async (authentication, credentials) => {
		const leadTemplate = portal.addTemplate({ documentType: ['crm', 'CCrmDocumentLead', 'LEAD'], name: `Check the order (leads, ${authentication})`, steps: [{ type: 'review', users: [1], name: 'x' }] });
		const search = async (documentType, filter) =>
			(
				await n8n.postJson('/rest/dynamic-node-parameters/resource-locator-results', {
					nodeTypeAndVersion: { name: 'n8n-nodes-bitrix24-bizproc.bitrix24Bizproc', version: 1 },
					path: 'parameters.template',
					methodName: 'searchTemplates',
					currentNodeParameters: { authentication, resource: 'workflow', operation: 'start', documentType, template: { __rl: true, mode: 'list', value: '' } },
					credentials,
					...(filter ? { filter } : {}),
				})
			).data;
		expect((await search('deal', 'order')).results).toEqual([{ name: `Check the order in n8n (${templateId})`, value: String(templateId) }]);
		expect((await search('lead', authentication)).results).toEqual([{ name: `Check the order (leads, ${authentication}) (${leadTemplate})`, value: String(leadTemplate) }]);
		expect((await search('deal', 'nothing like it')).results).toEqual([]);
	});

	test('while the process waits for a person, Get Many finds it running', async () => {
		const deal = String(++dealNumber);
		portal.addDocument(['crm', 'CCrmDocumentDeal', `DEAL_${deal}`]);
		const waiting = portal.addTemplate({ documentType: ['crm', 'CCrmDocumentDeal', 'DEAL'], name: 'Approve', steps: [{ type: 'approve', users: [1], name: 'Approve it' }] });
		const started = await post('e2e-start-process-webhook', { templateId: waiting, deal, order: 'x' });
		const running = await post('e2e-check-process-webhook', { templateId: waiting, deal });
		expect(running.map((row) => [row.ID, row.DOCUMENT_ID, String(row.TEMPLATE_ID)])).toEqual([[started.workflowId, `DEAL_${deal}`, String(waiting)]]);
	});
});
