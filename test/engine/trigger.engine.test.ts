/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets, @n8n/community-nodes/no-restricted-imports -- test code: it runs in Jest, not inside n8n, and needs made-up tokens as test data, Node built-ins and n8n internals */
/**
 * The Bitrix24 Bizproc Trigger through n8n-core's real contexts: its webhook() runs in a
 * WebhookContext on a real HTTP request that the sandbox portal sends, parsed as n8n's webhook
 * server parses it (raw body kept, form bodies through querystring.parse); its webhookMethods run in
 * a HookContext against the sandbox's registration methods; the items it returns run through
 * WorkflowExecute, into the Bitrix24 Bizproc Log node, back to the portal.
 */
import http from 'http';
import type { AddressInfo } from 'net';
import { parse as parseQueryString } from 'querystring';

import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import { HookContext, WebhookContext, WorkflowExecute } from 'n8n-core';
import {
	NodeHelpers,
	Workflow,
	createRunExecutionData,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type IRun,
	type IWebhookData,
	type IWebhookResponseData,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import sampleOutput from '../../docs/trigger-sample-output.json';
import { forgetPortalVerdicts, setCheckTiming } from '../../nodes/Bitrix24BizprocTrigger/portalCheck';
import { SETUP_HINT, recentTokens } from '../../nodes/Bitrix24BizprocTrigger/receiveCall';
import { handlerRefusal } from '../../nodes/Bitrix24BizprocTrigger/registration';
import { RECHECK_MS, READ_RETRIES_MS, forgetApplicationTokens } from '../../nodes/Bitrix24BizprocTrigger/applicationToken';
import { MAX_BODY_BYTES } from '../../nodes/Bitrix24BizprocTrigger/handlerCall';
import { sha256 } from '../../nodes/shared/sha256';
import { CredentialsHelper, PACKAGE, additionalDataFor, nodeClasses, nodeTypes, triggerWebhookData, type StoredCredentials } from './n8nEngine';
import { oauthCredentials as oauthCredentialsOf, startPortal, webhookCredentials as webhookCredentialsOf, type Portal } from './portal';

type SandboxPortal = Portal & {
	startWorkflow(run: IDataObject): Promise<{ eventToken: string; workflowId: string; handlerStatus: number; handlerBody: string }>;
	registeredActivities(): IDataObject[];
	registeredRobots(): IDataObject[];
};

const TRIGGER_TYPE = `${PACKAGE}.bitrix24BizprocTrigger`;
const LOG_TYPE = `${PACKAGE}.bitrix24BizprocLog`;

const trigger = nodeClasses[TRIGGER_TYPE] as Required<Pick<INodeType, 'webhook' | 'webhookMethods' | 'description'>>;
const logNode = nodeClasses[LOG_TYPE];

interface HarnessOptions {
	parameters: IDataObject;
	credentials: StoredCredentials;
	/** Connect a Bitrix24 Bizproc Log node after the trigger, with these parameters. */
	logParameters?: IDataObject;
	workflowId?: string;
	/** n8n's address as WEBHOOK_URL gives it (default: the harness's own http://127.0.0.1:<port>). */
	baseUrl?: string;
}

/**
 * A stand-in for n8n's webhook server and activation, built from n8n-core's real pieces. The request
 * handling mirrors packages/cli: rawBodyReader keeps `req.rawBody`, parseBody makes form bodies flat
 * with querystring.parse (maxKeys 1000) and JSON with JSON.parse; a node that answers itself returns
 * `noWebhookResponse`; `workflowData` starts an execution and, in onReceived mode, is answered 200
 * `{"message":"Workflow was started"}`; anything else is answered with `webhookResponse`.
 */
let credentialIds = 0;

class TriggerHarness {
	readonly node: INode;
	readonly workflow: Workflow;
	readonly executions: IRun[] = [];
	readonly webhookResults: IWebhookResponseData[] = [];
	/** Every request as it arrived, to send the very same bytes again (a repeated delivery). */
	readonly received: Array<{ contentType?: string; rawBody: Buffer }> = [];
	private server?: http.Server;
	private additionalData!: IWorkflowExecuteAdditionalData;
	private pending: Array<Promise<unknown>> = [];

	constructor(private readonly options: HarnessOptions) {
		const authentication = (options.parameters.authentication as string | undefined) ?? 'webhook';
		const credentialType = authentication === 'oAuth2' ? 'bitrix24OAuth2Api' : 'bitrix24WebhookApi';
		// Each harness has its own credential (n8n's ids are unique): the trigger keeps a token per credential id.
		const credentials = { [credentialType]: { id: String(++credentialIds), name: `Test ${credentialType}` } };
		this.node = {
			id: 'trigger-node',
			name: 'Bitrix24 Bizproc Trigger',
			type: TRIGGER_TYPE,
			typeVersion: 1,
			position: [0, 0],
			webhookId: 'c0ffee00-0000-4000-8000-000000000001',
			parameters: NodeHelpers.getNodeParameters(trigger.description.properties, options.parameters as INodeParameters, true, false, null, null) ?? {},
			credentials,
		};
		const nodes: INode[] = [this.node];
		const connections: Workflow['connectionsBySourceNode'] = {};
		if (options.logParameters) {
			nodes.push({
				id: 'log-node',
				name: 'Bitrix24 Bizproc Log',
				type: LOG_TYPE,
				typeVersion: 1,
				position: [200, 0],
				parameters: NodeHelpers.getNodeParameters(logNode.description.properties, options.logParameters as INodeParameters, true, false, null, null) ?? {},
				credentials,
			});
			connections[this.node.name] = { main: [[{ node: 'Bitrix24 Bizproc Log', type: 'main', index: 0 }]] };
		}
		this.workflow = new Workflow({ id: options.workflowId ?? 'wf-trigger', name: 'trigger test', nodes, connections, active: true, nodeTypes, staticData: {}, settings: {} });
	}

	async start(): Promise<void> {
		this.server = http.createServer((req, res) => {
			const done = this.handle(req, res).catch((error: Error) => {
				if (!res.headersSent) res.writeHead(500);
				res.end(JSON.stringify({ message: error.message }));
			});
			this.pending.push(done);
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		const { port } = this.server.address() as AddressInfo;
		const base = this.options.baseUrl ?? `http://127.0.0.1:${port}`;
		const credentialsHelper = new CredentialsHelper(this.options.credentials, () => this.workflow, () => this.node);
		this.additionalData = additionalDataFor(credentialsHelper, this.workflow, 'webhook', base);
	}

	/** The URL n8n gives this trigger in production: what the portal must call. */
	get productionUrl(): string {
		return `${this.additionalData.webhookBaseUrl}/${this.node.webhookId}/bitrix24-bizproc`;
	}

	get testUrl(): string {
		return `${this.additionalData.webhookTestBaseUrl}/${this.node.webhookId}/bitrix24-bizproc`;
	}

	private webhookData(isTest = false): IWebhookData {
		return triggerWebhookData(this.workflow, this.node, this.additionalData, isTest);
	}

	private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		if (req.method !== 'POST' || url.pathname !== new URL(this.productionUrl).pathname) {
			res.writeHead(404, { 'Content-Type': 'application/json' });
			res.end(JSON.stringify({ message: 'The requested webhook is not registered.' }));
			return;
		}
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const rawBody = Buffer.concat(chunks);
		const request = req as http.IncomingMessage & { rawBody: Buffer; body: unknown; contentType?: string; query: IDataObject; params: IDataObject };
		request.rawBody = rawBody;
		request.contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() || undefined;
		request.query = Object.fromEntries(url.searchParams);
		request.params = {};
		request.body = {};
		this.received.push({ contentType: req.headers['content-type'], rawBody });
		if (rawBody.length) {
			if (request.contentType === 'application/json') {
				try {
					request.body = JSON.parse(rawBody.toString('utf8'));
				} catch {
					// n8n's parseBody throws UnprocessableRequestError before any node runs.
					res.writeHead(422, { 'Content-Type': 'application/json' });
					res.end(JSON.stringify({ message: 'Failed to parse request body' }));
					return;
				}
			}
			else if (request.contentType === 'application/x-www-form-urlencoded') request.body = parseQueryString(rawBody.toString('utf8'), undefined, undefined, { maxKeys: 1000 });
			else if (request.contentType === 'text/plain') request.body = rawBody.toString('utf8');
		}

		const additionalData = { ...this.additionalData, httpRequest: request, httpResponse: res } as unknown as IWorkflowExecuteAdditionalData;
		const context = new WebhookContext(this.workflow, this.node, additionalData, 'webhook', this.webhookData(), [], null);
		const result = await trigger.webhook.call(context);
		this.webhookResults.push(result);
		if (result.noWebhookResponse === true) {
			if (!res.writableEnded) throw new Error('the node asked for no response but did not answer');
			return;
		}
		if (result.workflowData === undefined) {
			res.writeHead(200, { 'Content-Type': 'application/json' });
			res.end(JSON.stringify(result.webhookResponse ?? { message: 'Webhook call received' }));
			return;
		}
		// onReceived: the caller is answered as soon as the execution is started, not when it ends.
		const execution = this.execute(result.workflowData);
		res.writeHead(200, { 'Content-Type': 'application/json' });
		res.end(JSON.stringify({ message: 'Workflow was started' }));
		await execution;
	}

	private async execute(workflowData: INodeExecutionData[][]): Promise<void> {
		const runExecutionData = createRunExecutionData({ executionData: { nodeExecutionStack: [{ node: this.node, data: { main: workflowData }, source: null }] } });
		const run = await new WorkflowExecute(this.additionalData, 'webhook', runExecutionData).processRunExecutionData(this.workflow);
		this.executions.push(run);
	}

	/** Sends a request that arrived before once more, byte for byte, as a portal retrying a delivery does. */
	async replay(index: number): Promise<{ status: number; body: string }> {
		const { contentType, rawBody } = this.received[index];
		const answer = await fetch(this.productionUrl, { method: 'POST', headers: contentType ? { 'Content-Type': contentType } : {}, body: rawBody });
		return { status: answer.status, body: await answer.text() };
	}

	/** Waits until every request the server got has been handled and its execution has ended. */
	async settle(): Promise<void> {
		while (this.pending.length) await Promise.all(this.pending.splice(0));
	}

	/** The trigger's output items of each execution. */
	outputs(): IDataObject[][] {
		return this.executions.map((run) => (run.data.resultData.runData[this.node.name]?.[0]?.data?.main?.[0] ?? []).map((item) => item.json));
	}

	hookContext(isTest = false): HookContext {
		return new HookContext(this.workflow, this.node, this.additionalData, isTest ? 'manual' : 'trigger', isTest ? 'manual' : 'activate', this.webhookData(isTest));
	}

	async runHook(method: 'checkExists' | 'create' | 'delete', isTest = false): Promise<boolean> {
		return await trigger.webhookMethods.default![method].call(this.hookContext(isTest));
	}

	/**
	 * Publishing an edit of the active workflow, as n8n does it for a changed trigger (2.x
	 * WorkflowPublicationApplier, 1.x remove + add): `delete` with the old parameters, then activation
	 * with the new ones. Same node, same URL, same static data.
	 */
	async publish(parameters: IDataObject): Promise<void> {
		await this.runHook('delete');
		this.node.parameters = NodeHelpers.getNodeParameters(trigger.description.properties, parameters as INodeParameters, true, false, null, null) ?? {};
		await this.activate();
	}

	/** As n8n's WebhookService.createWebhookIfNotExists on activation. */
	async activate(isTest = false): Promise<{ existed: boolean }> {
		const existed = await this.runHook('checkExists', isTest);
		if (!existed) await this.runHook('create', isTest);
		return { existed };
	}

	async stop(): Promise<void> {
		await this.settle();
		await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
	}
}

let portal: SandboxPortal;
const harnesses: TriggerHarness[] = [];
const warnings: string[] = [];
const errors: string[] = [];

beforeAll(async () => {
	portal = (await startPortal()) as SandboxPortal;
	const logger = Container.get(Logger);
	jest.spyOn(logger, 'warn').mockImplementation((message: string) => {
		warnings.push(message);
	});
	jest.spyOn(logger, 'error').mockImplementation((message: string) => {
		errors.push(message);
	});
	jest.spyOn(logger, 'info').mockImplementation(() => {});
	jest.spyOn(logger, 'error').mockImplementation((message: string) => {
		errors.push(message);
	});
});
afterAll(async () => {
	await portal.close();
	jest.restoreAllMocks();
});
afterEach(async () => {
	await Promise.all(harnesses.splice(0).map(async (h) => await h.stop()));
	warnings.length = 0;
	errors.length = 0;
});

async function harness(options: HarnessOptions): Promise<TriggerHarness> {
	const created = new TriggerHarness(options);
	await created.start();
	harnesses.push(created);
	return created;
}

const webhookCredentials = (extra: IDataObject = {}) => webhookCredentialsOf(portal, { applicationToken: portal.oauth.applicationToken, ...extra });
const oauthCredentials = (extra: IDataObject = {}) => oauthCredentialsOf(portal, { applicationToken: portal.oauth.applicationToken, ...extra });

const SECRET_KEYS = ['access_token', 'refresh_token', 'application_token'];

describe('a business process reaches the action', () => {
	it('starts one execution with the call as one nested item, answered at once', async () => {
		const h = await harness({ parameters: {}, credentials: webhookCredentials() });
		const call = await portal.startWorkflow({
			handlerUrl: h.productionUrl,
			code: 'n8n_check_order',
			properties: { Amount: '1500.50', Comment: 'Привет & до свидания', Nested: { Deep: 'x' }, Users: ['user_1', 'user_7'], Empty: '' },
			documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_42'],
			timeoutDuration: 600,
		});
		expect(call.handlerStatus).toBe(200);
		expect(JSON.parse(call.handlerBody)).toEqual({ message: 'Workflow was started' });
		await h.settle();

		expect(h.outputs()).toHaveLength(1);
		const [items] = h.outputs();
		expect(items).toHaveLength(1);
		expect(items[0]).toEqual({
			event_token: call.eventToken,
			workflow_id: call.workflowId,
			code: 'n8n_check_order',
			document_id: ['crm', 'CCrmDocumentDeal', 'DEAL_42'],
			document_type: ['crm', 'CCrmDocumentDeal', 'DEAL'],
			properties: { Amount: '1500.50', Comment: 'Привет & до свидания', Nested: { Deep: 'x' }, Users: ['user_1', 'user_7'], Empty: '' },
			use_subscription: 'Y',
			timeout_duration: 600,
			ts: expect.any(Number),
			domain: 'sandbox.bitrix24.test',
			member_id: portal.oauth.memberId,
			client_endpoint: `${portal.baseUrl}/rest/`,
			user_id: 1,
		});
	});

	it("the README's sample output (docs/trigger-sample-output.json) has exactly the fields and kinds of values a call gives", async () => {
		const h = await harness({ parameters: {}, credentials: webhookCredentials() });
		await portal.startWorkflow({ handlerUrl: h.productionUrl, code: 'n8n_check_order', properties: { Order: 'ORD-1001', Amount: '1500.50', Managers: ['user_1', 'user_7'] } });
		await h.settle();
		const [[item]] = h.outputs();
		const kinds = (value: IDataObject) => Object.fromEntries(Object.entries(value).map(([key, v]) => [key, Array.isArray(v) ? 'list' : typeof v]));
		expect(kinds(sampleOutput)).toEqual(kinds(item));
		expect(kinds(sampleOutput.properties as IDataObject)).toEqual(kinds(item.properties as IDataObject));
		expect(sampleOutput.event_token).toMatch(/^[^|]+\|[^|]+\|[^.]+\.[0-9a-f]{64}$/); // the shape the Log node checks
	});

	it('leaves the access, refresh and application tokens out of the execution unless Include Access Tokens is on', async () => {
		const h = await harness({ parameters: {}, credentials: webhookCredentials() });
		await portal.startWorkflow({ handlerUrl: h.productionUrl });
		await h.settle();
		const saved = JSON.stringify(h.executions[0].data);
		for (const key of SECRET_KEYS) expect(saved).not.toContain(key);
		expect(saved).not.toContain(portal.oauth.applicationToken);

		const withTokens = await harness({ parameters: { options: { includeAccessTokens: true } }, credentials: webhookCredentials(), workflowId: 'wf-with-tokens' });
		await portal.startWorkflow({ handlerUrl: withTokens.productionUrl });
		await withTokens.settle();
		const [[item]] = withTokens.outputs();
		expect(item.auth).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String), application_token: portal.oauth.applicationToken });
	});

	it('hands the event token on: the Log node after the trigger writes into the calling business process', async () => {
		const h = await harness({
			parameters: {},
			credentials: webhookCredentials(),
			logParameters: { logMessage: '=Order {{ $json.properties.Order }} received' },
		});
		const call = await portal.startWorkflow({ handlerUrl: h.productionUrl, properties: { Order: 'A-17' } });
		await h.settle();
		expect(h.executions[0].data.resultData.error).toBeUndefined();
		expect(portal.workflow(call.workflowId)?.logLines.map((l) => l.message)).toEqual(['Order A-17 received']);
	});

	it('works with the OAuth2 credential and its Application Token as well', async () => {
		const h = await harness({ parameters: { authentication: 'oAuth2', registerAs: 'none' }, credentials: oauthCredentials() });
		const call = await portal.startWorkflow({ handlerUrl: h.productionUrl });
		expect(call.handlerStatus).toBe(200);
		await h.settle();
		expect(h.outputs()[0][0].event_token).toBe(call.eventToken);
	});
});

describe('calls that are not from the trusted application', () => {
	it('a forged application token gets 401 and starts nothing', async () => {
		const h = await harness({ parameters: {}, credentials: webhookCredentials() });
		const call = await portal.startWorkflow({ handlerUrl: h.productionUrl, applicationToken: 'forged-0123456789abcdef' });
		expect(call.handlerStatus).toBe(401);
		expect(JSON.parse(call.handlerBody)).toMatchObject({ error: 'unauthorized' });
		await h.settle();
		expect(h.executions).toHaveLength(0);
		expect(h.webhookResults).toEqual([{ noWebhookResponse: true }]);
		expect(warnings.join('\n')).toContain('application token is missing or wrong');
		expect(warnings.join('\n')).not.toContain('forged-0123456789abcdef');
	});

	it('a call without an application token gets 401', async () => {
		const h = await harness({ parameters: {}, credentials: webhookCredentials() });
		const form = new URLSearchParams({ event_token: 'x|y|z.sig', workflow_id: 'w', 'auth[domain]': 'sandbox.bitrix24.test' });
		const answer = await fetch(h.productionUrl, { method: 'POST', body: form });
		expect(answer.status).toBe(401);
		await h.settle();
		expect(h.executions).toHaveLength(0);
	});

	it('a credential without an Application Token refuses every call and says why in the n8n log', async () => {
		const h = await harness({ parameters: {}, credentials: { bitrix24WebhookApi: { webhookUrl: portal.webhookUrl } } });
		const call = await portal.startWorkflow({ handlerUrl: h.productionUrl });
		expect(call.handlerStatus).toBe(401);
		await h.settle();
		expect(h.executions).toHaveLength(0);
		expect(warnings.join('\n')).toContain('the credential has no Application Token');
	});

	it('Check Member ID and Check Domain refuse another portal with 401', async () => {
		const wrongMember = await harness({ parameters: { options: { checkMemberId: 'another-member' } }, credentials: webhookCredentials(), workflowId: 'wf-member' });
		expect((await portal.startWorkflow({ handlerUrl: wrongMember.productionUrl })).handlerStatus).toBe(401);
		const wrongDomain = await harness({ parameters: { options: { checkDomain: 'other.bitrix24.com' } }, credentials: webhookCredentials(), workflowId: 'wf-domain' });
		expect((await portal.startWorkflow({ handlerUrl: wrongDomain.productionUrl })).handlerStatus).toBe(401);
		const right = await harness({
			parameters: { options: { checkMemberId: portal.oauth.memberId, checkDomain: 'https://SANDBOX.bitrix24.test/' } },
			credentials: webhookCredentials(),
			workflowId: 'wf-right-portal',
		});
		expect((await portal.startWorkflow({ handlerUrl: right.productionUrl })).handlerStatus).toBe(200);
		await Promise.all([wrongMember.settle(), wrongDomain.settle(), right.settle()]);
		expect(wrongMember.executions).toHaveLength(0);
		expect(wrongDomain.executions).toHaveLength(0);
		expect(right.executions).toHaveLength(1);
	});

	it.each([
		['text/plain', 'event_token=abc'],
		['application/json', '{"workflow_id":"x"}'],
		['application/json', '{broken'],
		['application/x-www-form-urlencoded', `workflow_id=x&auth%5Bapplication_token%5D=APP`],
		['application/x-www-form-urlencoded', ''],
	])('a malformed body (%s %s) gets 400 and starts nothing', async (contentType, body) => {
		const h = await harness({ parameters: {}, credentials: webhookCredentials() });
		const answer = await fetch(h.productionUrl, {
			method: 'POST',
			headers: { 'Content-Type': contentType },
			body: body.replace('APP', portal.oauth.applicationToken),
		});
		// n8n itself refuses broken JSON before the node runs (its body parser answers 422).
		expect(answer.status).toBe(body === '{broken' ? 422 : 400);
		await h.settle();
		expect(h.executions).toHaveLength(0);
	});
});

describe('a first run: the OAuth2 credential without its Application Token asks the portal about each call', () => {
	// No client-side plan: the node's bucket is shared by every test in this process, and a test's injected
	// QUERY_LIMIT_EXCEEDED would slow the next ones down (the plan's spacing is the queue's own tests' business).
	const noToken = () => oauthCredentialsOf(portal, { portalPlan: 'off' });
	const appInfoCalls = () => portal.journal().filter((entry) => entry.restMethod === 'app.info');
	beforeEach(() => {
		forgetPortalVerdicts();
		portal.clearJournal();
	});
	afterEach(() => {
		setCheckTiming();
		portal.clearFaults();
	});

	it('a genuine call runs, and the item says how to enter the token (without the token)', async () => {
		const h = await harness({ parameters: { authentication: 'oAuth2', registerAs: 'none' }, credentials: noToken() });
		const call = await portal.startWorkflow({ handlerUrl: h.productionUrl });
		expect(call.handlerStatus).toBe(200);
		await h.settle();
		const [[item]] = h.outputs();
		expect(item.event_token).toBe(call.eventToken);
		expect(item.setup_hint).toBe(SETUP_HINT);
		expect(item.setup_hint).toContain('Include Access Tokens');
		const saved = JSON.stringify(h.executions[0].data);
		expect(saved).not.toContain(portal.oauth.applicationToken);
		expect(saved).not.toContain('access_token');
		// One app.info with the credential's own token (which application is ours), one with the call's.
		expect(appInfoCalls().map((entry) => entry.authKind)).toEqual(['oauth', 'oauth']);
		expect(warnings).toEqual([]);
	});

	it('asks once per access token: the same token again costs no request; a new one costs one', async () => {
		const h = await harness({ parameters: { authentication: 'oAuth2', registerAs: 'none' }, credentials: noToken() });
		const tokens = portal.issueOAuthTokens({});
		// Each with an application token of its own, so the kept one (below) does not answer for them.
		await portal.startWorkflow({ handlerUrl: h.productionUrl, tokens, applicationToken: 'app-token-one' });
		await portal.startWorkflow({ handlerUrl: h.productionUrl, tokens, applicationToken: 'app-token-two' });
		expect(appInfoCalls()).toHaveLength(2);
		await portal.startWorkflow({ handlerUrl: h.productionUrl, applicationToken: 'app-token-three' });
		expect(appInfoCalls()).toHaveLength(3);
		await h.settle();
		expect(h.executions).toHaveLength(3);
	});

	it("keeps the verified call's application token (hashed) in the static data: later calls with it cost no request", async () => {
		const h = await harness({ parameters: { authentication: 'oAuth2', registerAs: 'none' }, credentials: noToken() });
		expect((await portal.startWorkflow({ handlerUrl: h.productionUrl })).handlerStatus).toBe(200);
		expect(appInfoCalls()).toHaveLength(2);
		const kept = JSON.stringify(h.workflow.staticData);
		expect(kept).toMatch(/[0-9a-f]{64}/);
		expect(kept).not.toContain(portal.oauth.applicationToken);
		// New access tokens (another user, later), the same application token: accepted without asking.
		for (const userId of [1, 2]) {
			expect((await portal.startWorkflow({ handlerUrl: h.productionUrl, tokens: portal.issueOAuthTokens({ userId }) })).handlerStatus).toBe(200);
		}
		expect(appInfoCalls()).toHaveLength(2);
		await h.settle();
		expect(h.executions).toHaveLength(3);
		expect(h.outputs()[2][0].setup_hint).toBe(SETUP_HINT);
	});

	it.each([
		['a made-up access token', () => ({ ...portal.issueOAuthTokens({}), access_token: 'forged0123456789abcdef0123456789' }), 'the portal does not know'],
		["another application's genuine token", () => portal.issueOAuthTokens({ application: 'other' }), 'belongs to another application'],
		['another portal (member_id)', () => ({ ...portal.issueOAuthTokens({}), member_id: 'another-portal-member' }), "member_id is not the credential's portal"],
		['no access token at all', () => ({ ...portal.issueOAuthTokens({}), access_token: '' }), 'has no auth[access_token]'],
	])('%s: 401, nothing runs, the n8n log says why', async (_label, tokens, reason) => {
		const h = await harness({ parameters: { authentication: 'oAuth2', registerAs: 'none' }, credentials: noToken() });
		const sent = tokens();
		const call = await portal.startWorkflow({ handlerUrl: h.productionUrl, tokens: sent });
		expect(call.handlerStatus).toBe(401);
		await h.settle();
		expect(h.executions).toHaveLength(0);
		expect(warnings.join('\n')).toContain(reason);
		if (sent.access_token) expect(warnings.join('\n')).not.toContain(sent.access_token);
	});

	it("two credentials of two applications on one portal: each trigger accepts only its own application's calls", async () => {
		const ours = await harness({ parameters: { authentication: 'oAuth2', registerAs: 'none' }, credentials: noToken(), workflowId: 'wf-ours' });
		expect((await portal.startWorkflow({ handlerUrl: ours.productionUrl })).handlerStatus).toBe(200);
		const otherApplication = oauthCredentialsOf(portal, { clientId: 'local.other.1', clientSecret: 'other-secret', oauthTokenData: portal.issueOAuthTokens({ application: 'other' }) });
		const theirs = await harness({ parameters: { authentication: 'oAuth2', registerAs: 'none' }, credentials: otherApplication, workflowId: 'wf-theirs' });
		expect((await portal.startWorkflow({ handlerUrl: theirs.productionUrl })).handlerStatus).toBe(401);
		expect((await portal.startWorkflow({ handlerUrl: theirs.productionUrl, tokens: portal.issueOAuthTokens({ application: 'other' }) })).handlerStatus).toBe(200);
		await Promise.all([ours.settle(), theirs.settle()]);
		expect([ours.executions.length, theirs.executions.length]).toEqual([1, 1]);
	});

	it('a portal that cannot be asked: asked again until the check ends, then 503, nothing runs, an error in the log', async () => {
		setCheckTiming(2000, 500);
		const h = await harness({
			parameters: { authentication: 'oAuth2', registerAs: 'none' },
			credentials: oauthCredentialsOf(portal, { portalUrl: 'http://127.0.0.1:9' }),
		});
		const call = await portal.startWorkflow({ handlerUrl: h.productionUrl });
		expect(call.handlerStatus).toBe(503);
		await h.settle();
		expect(h.executions).toHaveLength(0);
		expect(errors.join('\n')).toContain('could not check a call with the portal');
		expect(errors.join('\n')).toContain(call.workflowId);
	});

	/** A genuine call first, so the credential's own application is known and the fault meets the call's token. */
	async function knowOwnApplication(): Promise<void> {
		const first = await harness({ parameters: { authentication: 'oAuth2', registerAs: 'none' }, credentials: noToken(), workflowId: 'wf-first' });
		expect((await portal.startWorkflow({ handlerUrl: first.productionUrl })).handlerStatus).toBe(200);
		portal.clearJournal();
	}

	it.each([
		['503 QUERY_LIMIT_EXCEEDED', { kind: 'error', status: 503, error: 'QUERY_LIMIT_EXCEEDED', errorDescription: 'Too many requests' }],
		['500 INTERNAL_SERVER_ERROR', { kind: 'internalError' }],
		['a 502 web page from a proxy', { kind: 'htmlPage' }],
		['a cut connection', { kind: 'drop' }],
		['an answer slower than the 15 s the check used to wait', { kind: 'slow', delayMs: 16_000 }],
	])("app.info with the call's token answers %s once: not a verdict, asked again, the genuine call runs", async (_label, fault) => {
		setCheckTiming(20_000, 1000);
		await knowOwnApplication();
		const h = await harness({ parameters: { authentication: 'oAuth2', registerAs: 'none' }, credentials: noToken() });
		portal.injectFault({ ...fault, method: 'app.info' });
		const call = await portal.startWorkflow({ handlerUrl: h.productionUrl });
		expect(call.handlerStatus).toBe(200);
		await h.settle();
		expect(h.executions).toHaveLength(1);
		// The journal lists a request once answered: the slow one is still held by the portal.
		expect(appInfoCalls().length).toBeGreaterThanOrEqual(fault.kind === 'slow' ? 1 : 2);
		expect([...warnings, ...errors]).toEqual([]);
	});

	it("app.info with the credential's own token answers 503 once: asked again, the genuine call runs", async () => {
		const h = await harness({ parameters: { authentication: 'oAuth2', registerAs: 'none' }, credentials: noToken() });
		portal.injectFault({ kind: 'error', status: 503, error: 'QUERY_LIMIT_EXCEEDED', errorDescription: 'Too many requests', method: 'app.info' });
		expect((await portal.startWorkflow({ handlerUrl: h.productionUrl })).handlerStatus).toBe(200);
		await h.settle();
		expect(h.executions).toHaveLength(1);
		expect(appInfoCalls().map((entry) => entry.status)).toEqual([503, 200, 200]);
	});

	it('no verdict for the whole check: 503 and an error, and nothing is remembered: the same call later is accepted', async () => {
		setCheckTiming(1500, 500);
		await knowOwnApplication();
		const h = await harness({ parameters: { authentication: 'oAuth2', registerAs: 'none' }, credentials: noToken() });
		portal.injectFault({ kind: 'error', status: 503, error: 'QUERY_LIMIT_EXCEEDED', errorDescription: 'Too many requests', method: 'app.info', count: 1000 });
		const tokens = portal.issueOAuthTokens({});
		const busy = await portal.startWorkflow({ handlerUrl: h.productionUrl, tokens });
		expect(busy.handlerStatus).toBe(503);
		expect(appInfoCalls().length).toBeGreaterThanOrEqual(2);
		expect(errors.join('\n')).toContain(busy.workflowId);
		expect(errors.join('\n')).not.toContain(tokens.access_token);
		portal.clearFaults();
		const later = await portal.startWorkflow({ handlerUrl: h.productionUrl, tokens });
		expect(later.handlerStatus).toBe(200);
		await h.settle();
		expect(h.executions).toHaveLength(1);
	});

	it('40 forged calls with made-up tokens spend at most 10 checks; a genuine call right after is accepted (the kept token)', async () => {
		const h = await harness({ parameters: { authentication: 'oAuth2', registerAs: 'none' }, credentials: noToken() });
		expect((await portal.startWorkflow({ handlerUrl: h.productionUrl })).handlerStatus).toBe(200);
		const forged = await Promise.all(
			Array.from({ length: 40 }, async (_, index) =>
				await portal.startWorkflow({
					handlerUrl: h.productionUrl,
					tokens: { ...portal.issueOAuthTokens({}), access_token: `forged${String(index).padStart(26, '0')}` },
					applicationToken: `madeup${String(index).padStart(26, '0')}`,
				}),
			),
		);
		// Two for the first call (the credential's application, the call's token), then at most 10 checks.
		expect(appInfoCalls().length).toBeLessThanOrEqual(2 + 10);
		expect(forged.filter((call) => ![401, 503].includes(call.handlerStatus))).toEqual([]);
		const genuine = await portal.startWorkflow({ handlerUrl: h.productionUrl });
		expect(genuine.handlerStatus).toBe(200);
		await h.settle();
		expect(h.executions).toHaveLength(2);
		expect(h.outputs()[1][0].event_token).toBe(genuine.eventToken);
	});

	it('with the Application Token entered, the portal is not asked and the item has no hint', async () => {
		const h = await harness({ parameters: { authentication: 'oAuth2', registerAs: 'none' }, credentials: oauthCredentials() });
		await portal.startWorkflow({ handlerUrl: h.productionUrl });
		await h.settle();
		expect(appInfoCalls()).toEqual([]);
		expect(h.outputs()[0][0].setup_hint).toBeUndefined();
	});
});

describe('repeated delivery', () => {
	it('a repeat of an accepted event_token starts no second execution and is answered 200', async () => {
		const h = await harness({ parameters: {}, credentials: webhookCredentials() });
		const first = await portal.startWorkflow({ handlerUrl: h.productionUrl });
		const again = await h.replay(0);
		expect(again.status).toBe(200);
		expect(JSON.parse(again.body)).toEqual({ message: 'Already received' });
		expect((await h.replay(0)).status).toBe(200);
		const other = await portal.startWorkflow({ handlerUrl: h.productionUrl });
		await h.settle();
		expect(h.executions).toHaveLength(2);
		expect(h.outputs().map(([item]) => item.event_token)).toEqual([first.eventToken, other.eventToken]);
	});

	it('keeps only hashes of the tokens, and Repeat Window 0 turns the check off', async () => {
		const h = await harness({ parameters: { options: { repeatWindowMinutes: 0 } }, credentials: webhookCredentials(), workflowId: 'wf-no-window' });
		await portal.startWorkflow({ handlerUrl: h.productionUrl });
		await h.replay(0);
		await h.settle();
		expect(h.executions).toHaveLength(2);

		const counted = await harness({ parameters: {}, credentials: webhookCredentials(), workflowId: 'wf-hashes' });
		const call = await portal.startWorkflow({ handlerUrl: counted.productionUrl });
		await counted.settle();
		const hashes = recentTokens.hashes(`wf-hashes:${counted.node.id}`);
		expect(hashes).toEqual([sha256(call.eventToken, 'hex')]);
		expect(hashes.join()).not.toContain(call.eventToken.split('|')[0]);
	});

	it('a forged repeat does not poison the set: the genuine call still runs', async () => {
		const h = await harness({ parameters: {}, credentials: webhookCredentials(), workflowId: 'wf-poison' });
		// A forger who saw an event token sends it first with a wrong application token...
		const genuine = await portal.startWorkflow({ handlerUrl: h.productionUrl, applicationToken: 'forged-0000000000' });
		expect(genuine.handlerStatus).toBe(401);
		// ...then the portal delivers that very token with the right one: it must still run.
		const form = h.received[0].rawBody.toString('utf8').replace('forged-0000000000', portal.oauth.applicationToken);
		const answer = await fetch(h.productionUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form });
		expect(answer.status).toBe(200);
		await h.settle();
		expect(h.outputs().map(([item]) => item.event_token)).toEqual([genuine.eventToken]);
	});
});

describe('a burst of calls, and a credential that cannot be read', () => {
	const spies: jest.SpyInstance[] = [];
	afterEach(() => {
		for (const spy of spies.splice(0)) spy.mockRestore();
		forgetApplicationTokens();
	});
	const getDecrypted = () => {
		const spy = jest.spyOn(CredentialsHelper.prototype, 'getDecrypted');
		spies.push(spy);
		return spy;
	};

	it('100 genuine calls at once read the credential once, and all run', async () => {
		const reads = getDecrypted();
		const h = await harness({ parameters: {}, credentials: webhookCredentials(), workflowId: 'wf-burst' });
		const calls = await Promise.all(Array.from({ length: 100 }, async () => await portal.startWorkflow({ handlerUrl: h.productionUrl })));
		await h.settle();
		expect(calls.map((call) => call.handlerStatus)).toEqual(calls.map(() => 200));
		expect(h.executions).toHaveLength(100);
		expect(reads.mock.calls.filter(([, , type]) => type === 'bitrix24WebhookApi')).toHaveLength(1);
	});

	it('forged calls cost at most one credential read per recheck interval, and the credential is re-read when it changed', async () => {
		const stored = webhookCredentials({ applicationToken: 'the-old-token-0000' });
		const h = await harness({ parameters: {}, credentials: stored, workflowId: 'wf-forged-burst' });
		const reads = getDecrypted();
		expect((await portal.startWorkflow({ handlerUrl: h.productionUrl, applicationToken: 'the-old-token-0000' })).handlerStatus).toBe(200);
		const forged = await Promise.all(Array.from({ length: 30 }, async () => await portal.startWorkflow({ handlerUrl: h.productionUrl, applicationToken: 'forged-token-1111' })));
		expect(forged.map((call) => call.handlerStatus)).toEqual(forged.map(() => 401));
		expect(reads).toHaveBeenCalledTimes(1);
		// The user enters the new token; a call with it is accepted once the recheck interval passed.
		stored.bitrix24WebhookApi.applicationToken = portal.oauth.applicationToken;
		const now = Date.now();
		spies.push(jest.spyOn(Date, 'now').mockReturnValue(now + RECHECK_MS));
		expect((await portal.startWorkflow({ handlerUrl: h.productionUrl })).handlerStatus).toBe(200);
		expect(reads).toHaveBeenCalledTimes(2);
		await h.settle();
		expect(h.executions).toHaveLength(2);
	});

	it('a credential read that fails (a database pool timeout) is no refusal: 503, an error naming the business process, never 401', async () => {
		const reads = getDecrypted().mockRejectedValue(new Error('timeout exceeded when trying to connect'));
		const h = await harness({ parameters: {}, credentials: webhookCredentials(), workflowId: 'wf-unreadable' });
		const call = await portal.startWorkflow({ handlerUrl: h.productionUrl });
		expect(call.handlerStatus).toBe(503);
		expect(JSON.parse(call.handlerBody)).toMatchObject({ error: 'unavailable' });
		await h.settle();
		expect(h.executions).toHaveLength(0);
		expect(reads).toHaveBeenCalledTimes(READ_RETRIES_MS.length + 1);
		expect(errors.join('\n')).toContain('timeout exceeded when trying to connect');
		expect(errors.join('\n')).toContain(`business process ${call.workflowId} on document crm, CCrmDocumentDeal, DEAL_1 waits`);
		expect(warnings.join('\n')).not.toContain('refused');
		expect(errors.join('\n')).not.toContain(portal.oauth.applicationToken);
	}, 15_000);

	it('a read that fails once and then works is retried: the call runs', async () => {
		getDecrypted().mockRejectedValueOnce(new Error('Driver not Connected'));
		const h = await harness({ parameters: {}, credentials: webhookCredentials(), workflowId: 'wf-flaky-read' });
		expect((await portal.startWorkflow({ handlerUrl: h.productionUrl })).handlerStatus).toBe(200);
		await h.settle();
		expect(h.executions).toHaveLength(1);
	});
});

describe("what n8n does before the trigger runs", () => {
	it('new triggers are version 2, so n8n evaluates no binaryData expression per call (webhook-helpers parseRequestBody does for version 1); the example uses it; version 1 still works', async () => {
		expect(trigger.description.defaultVersion).toBe(2);
		expect(trigger.description.version).toEqual([1, 2]);
		const example = (await import('../../examples/bitrix24-bizproc-loop.workflow.json')).nodes.find((node) => node.type === TRIGGER_TYPE);
		expect(example?.typeVersion).toBe(2);
		const h = await harness({ parameters: {}, credentials: webhookCredentials(), workflowId: 'wf-version-1' });
		expect(h.node.typeVersion).toBe(1);
		expect((await portal.startWorkflow({ handlerUrl: h.productionUrl })).handlerStatus).toBe(200);
	});
});

describe('a large handler call', () => {
	it('a Multiple property of 1,500 values: accepted, every value in the item (the auth block comes after them)', async () => {
		const h = await harness({ parameters: {}, credentials: webhookCredentials(), workflowId: 'wf-large' });
		const values = Array.from({ length: 1500 }, (_, i) => `user_${i}`);
		const call = await portal.startWorkflow({ handlerUrl: h.productionUrl, properties: { Users: values } });
		expect(call.handlerStatus).toBe(200);
		await h.settle();
		expect((h.outputs()[0][0].properties as IDataObject).Users).toEqual(values);
	});

	it('a call over the size bound gets 413, starts nothing, and the n8n log says why', async () => {
		const h = await harness({ parameters: {}, credentials: webhookCredentials(), workflowId: 'wf-too-large' });
		const call = await portal.startWorkflow({ handlerUrl: h.productionUrl, properties: { Text: 'x'.repeat(MAX_BODY_BYTES) } });
		expect(call.handlerStatus).toBe(413);
		expect(JSON.parse(call.handlerBody)).toMatchObject({ error: 'payload_too_large' });
		await h.settle();
		expect(h.executions).toHaveLength(0);
		expect(warnings.join('\n')).toContain(`a handler call may have at most ${MAX_BODY_BYTES} bytes`);
	});
});

describe('registration on activation (OAuth2)', () => {
	const actionParameters = (extra: IDataObject = {}): IDataObject => ({
		authentication: 'oAuth2',
		registerAs: 'action',
		activityCode: 'n8n_check_order',
		activityName: 'Check order in n8n',
		activityDescription: 'Sends the order to n8n',
		inputProperties: {
			property: [
				{ key: 'Order', displayName: 'Order number', type: 'string', required: true },
				{ key: 'Amount', type: 'double', default: '0' },
			],
		},
		returnProperties: { property: [{ key: 'Approved', displayName: 'Approved', type: 'bool' }] },
		...extra,
	});

	/** What changed the portal's registrations, in order (reads and the settings record left out). */
	const changes = () =>
		portal
			.journal()
			.map((entry) => entry.restMethod ?? '')
			.filter((method) => /^bizproc\.(activity|robot)\.(add|update|delete)$/.test(method));

	const rest = async (method: string, body: IDataObject) => {
		const answer = await fetch(`${portal.baseUrl}/rest/${method}.json`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${portal.issueOAuthTokens({}).access_token}`, 'Content-Type': 'application/json' },
			body: JSON.stringify(body),
		});
		return (await answer.json()) as IDataObject;
	};
	const claimOf = async (code: string) => {
		const stored = (await rest('app.option.get', { option: `n8n.handler.${code}` })).result;
		return typeof stored === 'string' && stored !== '' ? JSON.parse(stored) : stored;
	};

	/** A business process reaching the action now: did it reach this trigger? */
	async function processReaches(h: TriggerHarness, code = 'n8n_check_order'): Promise<boolean> {
		const before = h.executions.length;
		const call = await portal.startWorkflow({ code, properties: { Order: 'A-1' } });
		await h.settle();
		return call.handlerStatus === 200 && h.executions.length === before + 1 && h.outputs().at(-1)?.[0].event_token === call.eventToken;
	}

	beforeEach(() => portal.clearJournal());
	afterEach(async () => {
		portal.clearFaults();
		// Leave the portal's registry and the settings records empty for the next test.
		for (const [kind, entries] of [
			['activity', portal.registeredActivities()],
			['robot', portal.registeredRobots()],
		] as const) {
			for (const entry of entries) {
				await rest(`bizproc.${kind}.delete`, { CODE: entry.CODE });
				await rest('app.option.set', { options: { [`n8n.handler.${String(entry.CODE)}`]: '' } });
			}
		}
	});

	it('activation adds the action with the production URL and records it on the portal; a process then reaches the trigger', async () => {
		const h = await harness({ parameters: actionParameters(), credentials: oauthCredentials() });
		// checkExists always lets n8n call create, which does the check and the update (registration.ts).
		expect(await h.activate()).toEqual({ existed: false });
		expect(changes()).toEqual(['bizproc.activity.add']);
		const [activity] = portal.registeredActivities();
		expect(activity).toMatchObject({
			CODE: 'n8n_check_order',
			HANDLER: h.productionUrl,
			NAME: 'Check order in n8n',
			DESCRIPTION: 'Sends the order to n8n',
			USE_SUBSCRIPTION: 'Y',
			PROPERTIES: {
				Order: { NAME: 'Order number', TYPE: 'string', REQUIRED: 'Y', MULTIPLE: 'N' },
				Amount: { NAME: 'Amount', TYPE: 'double', REQUIRED: 'N', DEFAULT: '0' },
			},
			RETURN_PROPERTIES: { Approved: { NAME: 'Approved', TYPE: 'bool' } },
		});
		expect(portal.registeredRobots()).toEqual([]);
		expect(await claimOf('n8n_check_order')).toEqual({ kind: 'activity', handler: h.productionUrl, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
		expect(await processReaches(h)).toBe(true);
	});

	it('deactivate, activate again, restart: the action stays and nothing is sent but reads', async () => {
		const h = await harness({ parameters: actionParameters(), credentials: oauthCredentials() });
		await h.activate();
		portal.clearJournal();

		expect(await h.runHook('delete')).toBe(true); // deactivation, or the first half of a publish
		expect(portal.registeredActivities()).toEqual([expect.objectContaining({ HANDLER: h.productionUrl })]);
		// While the workflow is off, n8n answers 404 and the process waits; the action is still in its template.
		expect(await h.activate()).toEqual({ existed: false }); // activation again, or a restart ('init')
		expect(changes()).toEqual([]);
		expect(portal.journal().map((e) => e.restMethod)).toEqual(expect.arrayContaining(['bizproc.activity.list', 'app.option.get']));
		expect(portal.journal().map((e) => e.restMethod)).not.toContain('app.option.set');
		expect(await processReaches(h)).toBe(true);
	});

	it('publishing the action renamed sends one update; publishing an unrelated edit sends nothing', async () => {
		const h = await harness({ parameters: actionParameters(), credentials: oauthCredentials() });
		await h.activate();
		portal.clearJournal();

		// n8n: delete for the old version, then checkExists/create for the new one.
		await h.publish(actionParameters({ activityName: 'Check the order in n8n' }));
		expect(changes()).toEqual(['bizproc.activity.update']);
		expect(portal.registeredActivities()).toEqual([expect.objectContaining({ NAME: 'Check the order in n8n', HANDLER: h.productionUrl })]);
		expect(await processReaches(h)).toBe(true);

		portal.clearJournal();
		await h.publish(actionParameters({ activityName: 'Check the order in n8n', options: { repeatWindowMinutes: 5 } }));
		expect(changes()).toEqual([]);
		expect(await processReaches(h)).toBe(true);
	});

	it('a new property is sent with update on the next activation', async () => {
		const h = await harness({ parameters: actionParameters(), credentials: oauthCredentials() });
		await h.activate();
		portal.clearJournal();
		await h.publish(actionParameters({ returnProperties: { property: [{ key: 'Reason', type: 'text' }] } }));
		expect(changes()).toEqual(['bizproc.activity.update']);
		expect(portal.registeredActivities()[0].RETURN_PROPERTIES).toEqual({ Reason: expect.objectContaining({ TYPE: 'text' }) });
	});

	it('Remove Registration on Deactivation deletes the action and its record', async () => {
		const h = await harness({ parameters: actionParameters({ removeOnDeactivation: true }), credentials: oauthCredentials() });
		await h.activate();
		expect(await h.runHook('delete')).toBe(true);
		expect(changes()).toEqual(['bizproc.activity.add', 'bizproc.activity.delete']);
		expect(portal.registeredActivities()).toEqual([]);
		expect(await claimOf('n8n_check_order')).toBe('');
		// Already gone (deleted in Bitrix24 by hand): still fine.
		await h.activate();
		await rest('bizproc.activity.delete', { CODE: 'n8n_check_order' });
		expect(await h.runHook('delete')).toBe(true);
	});

	it('registers a robot with bizproc.robot.add when Register As is Robot', async () => {
		const h = await harness({ parameters: actionParameters({ registerAs: 'robot', activityCode: 'n8n_robot', removeOnDeactivation: true }), credentials: oauthCredentials() });
		await h.activate();
		expect(portal.registeredActivities()).toEqual([]);
		expect(portal.registeredRobots()).toEqual([expect.objectContaining({ CODE: 'n8n_robot', HANDLER: h.productionUrl, USE_SUBSCRIPTION: 'Y' })]);
		expect(await h.runHook('delete')).toBe(true);
		expect(changes()).toEqual(['bizproc.robot.add', 'bizproc.robot.delete']);
	});

	it('a second workflow with the same Code refuses to activate, naming the first one’s host', async () => {
		const first = await harness({ parameters: actionParameters({ removeOnDeactivation: true }), credentials: oauthCredentials(), workflowId: 'wf-first' });
		await first.activate();
		const second = await harness({ parameters: actionParameters(), credentials: oauthCredentials(), workflowId: 'wf-second' });
		const refusal = await second.activate().catch((error: Error & { description?: string }) => error);
		expect(refusal).toBeInstanceOf(Error);
		const { message, description } = refusal as Error & { description?: string };
		expect(message).toBe(`The Code "n8n_check_order" is already registered for another handler (${new URL(first.productionUrl).host})`);
		expect(description).toContain('Take Over Existing Registration');
		expect(description).not.toContain(first.node.webhookId!);
		expect(changes()).toEqual(['bizproc.activity.add']);
		expect(portal.registeredActivities()).toEqual([expect.objectContaining({ HANDLER: first.productionUrl })]);
		expect(await processReaches(first)).toBe(true);
	});

	it('Take Over Existing Registration points the action at the second workflow; the first one’s deactivation then leaves it alone', async () => {
		const first = await harness({ parameters: actionParameters({ removeOnDeactivation: true }), credentials: oauthCredentials(), workflowId: 'wf-first' });
		await first.activate();
		const second = await harness({ parameters: actionParameters({ takeOverRegistration: true }), credentials: oauthCredentials(), workflowId: 'wf-second' });
		await second.activate();
		expect(changes()).toEqual(['bizproc.activity.add', 'bizproc.activity.update']);
		expect(portal.registeredActivities()).toEqual([expect.objectContaining({ HANDLER: second.productionUrl })]);
		expect(await processReaches(second)).toBe(true);

		expect(await first.runHook('delete')).toBe(true);
		expect(changes()).toEqual(['bizproc.activity.add', 'bizproc.activity.update']);
		expect(await processReaches(second)).toBe(true);
		// And the first workflow, activated again, now refuses instead of taking it back.
		await expect(first.activate()).rejects.toThrow(`already registered for another handler (${new URL(second.productionUrl).host})`);
	});

	it('a Code this application registered without a record (by hand, or elsewhere) is refused unless taken over', async () => {
		await rest('bizproc.activity.add', { CODE: 'n8n_check_order', HANDLER: 'https://old.example.com/handler', NAME: 'Old', USE_SUBSCRIPTION: 'N' });
		portal.clearJournal();
		const h = await harness({ parameters: actionParameters(), credentials: oauthCredentials() });
		await expect(h.activate()).rejects.toThrow('The Code "n8n_check_order" is already registered in Bitrix24 by this application, not by this workflow');
		expect(changes()).toEqual([]);

		await h.publish(actionParameters({ takeOverRegistration: true }));
		expect(changes()).toEqual(['bizproc.activity.update']);
		expect(portal.registeredActivities()).toEqual([expect.objectContaining({ HANDLER: h.productionUrl, NAME: 'Check order in n8n', USE_SUBSCRIPTION: 'Y' })]);
		expect(await processReaches(h)).toBe(true);
	});

	it('a code held by a robot gives a clear error when registering an action', async () => {
		const robot = await harness({ parameters: actionParameters({ registerAs: 'robot' }), credentials: oauthCredentials() });
		await robot.activate();
		const action = await harness({ parameters: actionParameters(), credentials: oauthCredentials(), workflowId: 'wf-action' });
		await expect(action.activate()).rejects.toThrow('The code "n8n_check_order" is already used by a robot of this application');
	});

	it('an invalid Code or Property code is refused before anything is sent', async () => {
		const h = await harness({ parameters: actionParameters({ activityCode: 'bad code!' }), credentials: oauthCredentials() });
		portal.clearJournal();
		await expect(h.activate()).rejects.toThrow('The Code "bad code!" is not valid');
		const badProperty = await harness({ parameters: actionParameters({ inputProperties: { property: [{ key: '1st' }] } }), credentials: oauthCredentials(), workflowId: 'wf-bad-prop' });
		await expect(badProperty.activate()).rejects.toThrow('Properties: "1st" is not a valid property code');
		expect(portal.journal()).toEqual([]);
		expect(portal.registeredActivities()).toEqual([]);
	});

	it('"Listen for test event" (manual mode) leaves the registration alone', async () => {
		const h = await harness({ parameters: actionParameters({ removeOnDeactivation: true }), credentials: oauthCredentials() });
		await h.activate();
		portal.clearJournal();
		expect(await h.runHook('checkExists', true)).toBe(true);
		expect(await h.runHook('create', true)).toBe(true);
		expect(await h.runHook('delete', true)).toBe(true);
		expect(portal.journal()).toEqual([]);
		expect(portal.registeredActivities()).toEqual([expect.objectContaining({ HANDLER: h.productionUrl })]);
	});

	it("n8n's default address (localhost) is refused before anything is sent, saying to set WEBHOOK_URL", async () => {
		const h = await harness({ parameters: actionParameters(), credentials: oauthCredentials(), baseUrl: 'http://localhost:5678' });
		portal.clearJournal();
		const refusal = (await h.activate().catch((error: unknown) => error)) as Error & { description?: string };
		expect(refusal.message).toBe('Bitrix24 would refuse this trigger\'s URL as the action\'s handler: its host "localhost" has no dot after the first character');
		expect(refusal.description).toContain('Set WEBHOOK_URL to an address Bitrix24 can reach');
		expect(refusal.description).toContain(h.productionUrl);
		expect(portal.journal()).toEqual([]);
		expect(portal.registeredActivities()).toEqual([]);
	});

	it('the rule is the portal\'s (a dot after the host\'s first character): 127.0.0.1 and any domain pass, nothing is compared', () => {
		expect(handlerRefusal('http://127.0.0.1:5678/webhook/x/bitrix24-bizproc')).toBeUndefined();
		expect(handlerRefusal('https://n8n.example.com/webhook/x/bitrix24-bizproc')).toBeUndefined();
		expect(handlerRefusal('https://intranet/webhook/x')).toBe('its host "intranet" has no dot after the first character');
		expect(handlerRefusal('http://[::1]:5678/webhook/x')).toBe('its host "[::1]" has no dot after the first character');
		expect(handlerRefusal('HTTPS://n8n.example.com/webhook/x')).toBe('it does not start with http:// or https:// in lower case');
		expect(handlerRefusal('/webhook/x')).toBe('it names no host');
	});

	it("the portal's own refusal of the URL is worded by its rule", async () => {
		const h = await harness({ parameters: actionParameters(), credentials: oauthCredentials() });
		const before = await claimOf('n8n_check_order');
		portal.injectFault({ kind: 'error', method: 'bizproc.activity.add', status: 400, error: 'ERROR_WRONG_HANDLER_URL', errorDescription: 'Wrong handler URL' });
		const refusal = (await h.activate().catch((error: unknown) => error)) as Error & { description?: string };
		expect(refusal.message).toBe("Bitrix24 refused this trigger's URL as the action's handler (ERROR_WRONG_HANDLER_URL)");
		expect(refusal.description).toContain(`The URL was ${h.productionUrl}.`);
		expect(refusal.description).toContain('host name holds a dot after the first character');
		expect(refusal.description).toContain('Set WEBHOOK_URL');
		expect(refusal.description).not.toContain('domain the application is installed with');
		expect(portal.registeredActivities()).toEqual([]);
		expect(await claimOf('n8n_check_order')).toEqual(before);
	});

	it.each([
		['QUERY_LIMIT_EXCEEDED', { kind: 'error', status: 503, error: 'QUERY_LIMIT_EXCEEDED', errorDescription: 'Too many requests' }, "Bitrix24's request limit was exceeded (QUERY_LIMIT_EXCEEDED)"],
		['a 500', { kind: 'internalError' }, 'Bitrix24 had an internal error (INTERNAL_SERVER_ERROR)'],
	])('a publish whose update fails (%s) records nothing; the next publish sends the update', async (_label, fault, message) => {
		const h = await harness({ parameters: actionParameters(), credentials: oauthCredentials() });
		await h.activate();
		const before = await claimOf('n8n_check_order');
		const withReason = actionParameters({ returnProperties: { property: [{ key: 'Approved', type: 'bool' }, { key: 'Reason', type: 'text' }] } });

		portal.injectFault({ ...fault, method: 'bizproc.activity.update' });
		const refusal = (await h.publish(withReason).catch((error: unknown) => error)) as Error & { description?: string };
		expect(refusal.message).toBe(message);
		expect(refusal.description).toContain('Activate the workflow again (or restart n8n) to send it again');
		expect(portal.registeredActivities()[0].RETURN_PROPERTIES).not.toHaveProperty('Reason');
		expect(await claimOf('n8n_check_order')).toEqual(before);

		portal.clearJournal();
		await h.publish(withReason);
		expect(changes()).toEqual(['bizproc.activity.update']);
		expect(portal.registeredActivities()[0].RETURN_PROPERTIES).toHaveProperty('Reason');
		expect(await claimOf('n8n_check_order')).not.toEqual(before);
		// In step now: a restart sends nothing.
		portal.clearJournal();
		await h.activate();
		expect(changes()).toEqual([]);
		expect(await processReaches(h)).toBe(true);
	});

	it('an update the portal took but whose record could not be written is sent again by the next activation', async () => {
		const h = await harness({ parameters: actionParameters(), credentials: oauthCredentials() });
		await h.activate();
		const renamed = actionParameters({ activityName: 'Check the order in n8n' });
		portal.injectFault({ kind: 'internalError', method: 'app.option.set' });
		await expect(h.publish(renamed)).rejects.toThrow('INTERNAL_SERVER_ERROR');
		portal.clearJournal();
		await h.activate();
		expect(changes()).toEqual(['bizproc.activity.update']);
		portal.clearJournal();
		await h.activate();
		expect(changes()).toEqual([]);
	});

	it('an add whose record could not be written is taken back; the next activation adds it again', async () => {
		const h = await harness({ parameters: actionParameters(), credentials: oauthCredentials() });
		portal.injectFault({ kind: 'internalError', method: 'app.option.set' });
		await expect(h.activate()).rejects.toThrow('INTERNAL_SERVER_ERROR');
		expect(changes()).toEqual(['bizproc.activity.add', 'bizproc.activity.delete']);
		expect(portal.registeredActivities()).toEqual([]);
		await h.activate();
		expect(portal.registeredActivities()).toEqual([expect.objectContaining({ HANDLER: h.productionUrl })]);
		expect(await processReaches(h)).toBe(true);
	});

	it("an action refused because its Code belongs to a robot leaves the robot's record intact; the robot still activates after a restart", async () => {
		const robot = await harness({ parameters: actionParameters({ registerAs: 'robot' }), credentials: oauthCredentials(), workflowId: 'wf-robot' });
		await robot.activate();
		const robotRecord = await claimOf('n8n_check_order');
		expect(robotRecord).toEqual({ kind: 'robot', handler: robot.productionUrl, fingerprint: expect.any(String) });

		const action = await harness({ parameters: actionParameters(), credentials: oauthCredentials(), workflowId: 'wf-action' });
		await expect(action.activate()).rejects.toThrow('The code "n8n_check_order" is already used by a robot of this application');
		expect(await claimOf('n8n_check_order')).toEqual(robotRecord);

		portal.clearJournal();
		await robot.activate(); // n8n's restart ('init')
		expect(changes()).toEqual([]);
		expect(await processReaches(robot)).toBe(true);
	});

	it('a user who is not an administrator is told so', async () => {
		const h = await harness({ parameters: actionParameters(), credentials: oauthCredentialsOf(portal, { oauthTokenData: portal.issueOAuthTokens({ userId: 5 }) }) });
		await expect(h.activate()).rejects.toThrow('Bitrix24 did not allow registering the action (ACCESS_DENIED)');
		expect(portal.registeredActivities()).toEqual([]);
	});

	it('Do Not Register sends nothing to the portal', async () => {
		const h = await harness({ parameters: actionParameters({ registerAs: 'none' }), credentials: oauthCredentials() });
		portal.clearJournal();
		expect(await h.activate()).toEqual({ existed: true });
		expect(await h.runHook('delete')).toBe(true);
		expect(portal.journal()).toEqual([]);
	});
});

describe('registration with a webhook credential', () => {
	it('registers nothing and explains how to register by hand', async () => {
		const h = await harness({ parameters: { authentication: 'webhook', registerAs: 'action', activityCode: 'n8n_check_order', activityName: 'X' }, credentials: webhookCredentials() });
		portal.clearJournal();
		expect(await h.activate()).toEqual({ existed: true });
		expect(await h.runHook('delete')).toBe(true);
		expect(portal.journal()).toEqual([]);
		expect(portal.registeredActivities()).toEqual([]);
		// create is never reached on activation; called directly it refuses with the same advice.
		await expect(h.runHook('create')).rejects.toThrow('Registering a Bitrix24 action needs the OAuth2 (application) credential');
		const notice = trigger.description.properties.find((p) => p.name === 'webhookNotice')!;
		expect(notice.type).toBe('notice');
		expect(notice.displayOptions).toEqual({ show: { authentication: ['webhook'] } });
		expect(notice.displayName).toContain('bizproc.activity.add');
		expect(notice.displayName).toContain('Production URL');
		expect(notice.displayName).toContain('USE_SUBSCRIPTION = Y');
	});

	it('without an Application Token the workflow does not activate, and says why', async () => {
		const h = await harness({ parameters: { authentication: 'webhook' }, credentials: { bitrix24WebhookApi: { webhookUrl: portal.webhookUrl } } });
		const refusal = (await h.activate().catch((error: unknown) => error)) as Error & { description?: string };
		expect(refusal.message).toBe('Enter the Application Token in the Bitrix24 Webhook API credential');
		expect(refusal.description).toContain('auth[application_token]');
		expect(refusal.description).toContain('OAuth2');
	});
});
