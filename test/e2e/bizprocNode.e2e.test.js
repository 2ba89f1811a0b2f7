/**
 * The full round trip in a real n8n (`n8n start`, active workflows), on both lines: a workflow
 * starts a business process with the Bitrix24 Business Process node; the sandbox portal runs it to
 * our registered action and calls its handler, the example workflow's trigger, which logs and sends
 * the result; the process finishes, and the first workflow no longer finds it among the running ones
 * (Workflow > Get Many). With the webhook and with the OAuth2 credential.
 */
const { fixture } = require('../../harness/fixtures');
const { N8N_LINES, startN8nAndSandbox } = require('../../harness/n8n-and-sandbox');
const { allCredentials, installExampleWorkflow, waitForExampleHandler, expectedLines, registerExampleAction } = require('../../harness/example-loop');

const EXAMPLE_ID = 'e2eExampleLoop02';
const STARTERS = {
	webhook: { id: 'e2eStarterHook01', type: 'bitrix24WebhookApi', credentialId: 'b24WebhookCred01' },
	oAuth2: { id: 'e2eStarterOAuth1', type: 'bitrix24OAuth2Api', credentialId: 'b24OAuth2Cred001' },
};

describe.each(N8N_LINES)('n8n %s.x', (line) => {
	let n8n, portal, stopAll; // what startN8nAndSandbox started
	let templateId;
	let dealNumber = 500;

	beforeAll(async () => {
		({ n8n, portal, stop: stopAll } = await startN8nAndSandbox({ line, credentials: allCredentials }));
		await installExampleWorkflow(n8n, EXAMPLE_ID);
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
		const handlerUrl = await waitForExampleHandler(n8n);
		// n8n registers each active workflow's webhooks in turn. The empty POST this sends runs the starter
		// once with no input: Start refuses it before calling the portal, Get Many lists what runs.
		for (const authentication of Object.keys(STARTERS)) {
			for (const path of ['e2e-start-process', 'e2e-check-process']) await n8n.waitForWebhook(`${n8n.baseUrl}/webhook/${path}-${authentication}`);
		}
		// The portal side: our application's action, pointing at the example workflow's trigger, and a deal template that runs it.
		templateId = await registerExampleAction(portal, handlerUrl);
	});

	afterAll(async () => await stopAll?.());

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
		expect(portal.workflow(started.workflowId).logLines.map((l) => l.message)).toEqual(expectedLines(deal)); // order: ORD-<deal>

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
