/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code: it runs in Jest, not inside n8n, and needs Node built-ins and n8n internals */
/**
 * The Bitrix24 Bizproc Trigger through n8n-core's real contexts: its webhook() runs in a
 * WebhookContext on a real HTTP request that the sandbox portal sends, parsed as n8n's webhook
 * server parses it (raw body kept, form bodies through querystring.parse); its webhookMethods run in
 * a HookContext against the sandbox's registration methods; the items it returns start the
 * workflow's execution (runWorkflow), so the nodes after it write back to the portal.
 */
import http from 'http';
import type { AddressInfo } from 'net';
import { parse as parseQueryString } from 'querystring';

import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import { HookContext, WebhookContext } from 'n8n-core';
import {
	NodeHelpers,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type IRun,
	type IWebhookData,
	type IWebhookResponseData,
	type IWorkflowExecuteAdditionalData,
	type Workflow,
} from 'n8n-workflow';

import {
	CredentialsHelper,
	PACKAGE,
	additionalDataFor,
	nodeClasses,
	readWorkflowFile,
	runWorkflow,
	triggerNodeOf,
	triggerWebhookData,
	workflowOf,
	type StoredCredentials,
	type WorkflowFile,
} from './n8nEngine';
import { oauthCredentials, usePortal, webhookCredentials, type Portal } from './portal';

export const TRIGGER_TYPE = `${PACKAGE}.bitrix24BizprocTrigger`;
const LOG_TYPE = `${PACKAGE}.bitrix24BizprocLog`;

export const trigger = nodeClasses[TRIGGER_TYPE] as Required<Pick<INodeType, 'webhook' | 'webhookMethods' | 'description'>>;

export interface HarnessOptions {
	/** The trigger's parameters, for a workflow of the trigger alone (or with logParameters, trigger and Log). */
	parameters?: IDataObject;
	/** Or a whole workflow file (examples/*.workflow.json) whose trigger receives the calls. */
	workflowFile?: string;
	credentials: StoredCredentials;
	/** Connect a Bitrix24 Bizproc Log node after the trigger, with these parameters. */
	logParameters?: IDataObject;
	workflowId?: string;
	/** n8n's address as WEBHOOK_URL gives it (default: the harness's own http://127.0.0.1:<port>). */
	baseUrl?: string;
}

let credentialIds = 0;

/** The workflow a harness runs: from its file, or the trigger (version 1) with the given parameters and, if asked, a Log node after it. */
function workflowFileFor(options: HarnessOptions): WorkflowFile {
	// Each harness has its own credential (n8n's ids are unique): the trigger keeps a token per credential id.
	const credentialId = String(++credentialIds);
	if (options.workflowFile) {
		const file = readWorkflowFile(options.workflowFile);
		for (const node of file.nodes) {
			for (const used of Object.values(node.credentials ?? {})) used.id = credentialId;
		}
		return file;
	}
	const authentication = (options.parameters?.authentication as string | undefined) ?? 'webhook';
	const credentialType = authentication === 'oAuth2' ? 'bitrix24OAuth2Api' : 'bitrix24WebhookApi';
	const credentials = { [credentialType]: { id: credentialId, name: `Test ${credentialType}` } };
	const triggerNode: INode = {
		id: 'trigger-node',
		name: 'Bitrix24 Bizproc Trigger',
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		webhookId: 'c0ffee00-0000-4000-8000-000000000001',
		parameters: (options.parameters ?? {}) as INodeParameters,
		credentials,
	};
	if (!options.logParameters) return { name: 'trigger test', nodes: [triggerNode], connections: {} };
	const logNode: INode = { id: 'log-node', name: 'Bitrix24 Bizproc Log', type: LOG_TYPE, typeVersion: 1, position: [200, 0], parameters: options.logParameters as INodeParameters, credentials };
	return { name: 'trigger test', nodes: [triggerNode, logNode], connections: { [triggerNode.name]: { main: [[{ node: logNode.name, type: 'main', index: 0 }]] } } };
}

/**
 * A stand-in for n8n's webhook server and activation, built from n8n-core's real pieces. The request
 * handling mirrors packages/cli: rawBodyReader keeps `req.rawBody`, parseBody makes form bodies flat
 * with querystring.parse (maxKeys 1000) and JSON with JSON.parse; a node that answers itself returns
 * `noWebhookResponse`; `workflowData` starts an execution and, in onReceived mode, is answered 200
 * `{"message":"Workflow was started"}`; anything else is answered with `webhookResponse`.
 */
export class TriggerHarness {
	readonly node: INode;
	readonly workflow: Workflow;
	readonly executions: IRun[] = [];
	readonly webhookResults: IWebhookResponseData[] = [];
	/** Every request as it arrived, to send the very same bytes again (a repeated delivery). */
	readonly received: Array<{ contentType?: string; rawBody: Buffer }> = [];
	private readonly definition: WorkflowFile;
	private server?: http.Server;
	private additionalData!: IWorkflowExecuteAdditionalData;
	private baseUrl = '';
	private pending: Array<Promise<unknown>> = [];

	constructor(private readonly options: HarnessOptions) {
		this.definition = workflowFileFor(options);
		this.workflow = workflowOf(this.definition, options.workflowId ?? 'wf-trigger', true);
		this.node = this.workflow.getNode(triggerNodeOf(this.definition).name)!;
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
		this.baseUrl = this.options.baseUrl ?? `http://127.0.0.1:${port}`;
		const credentialsHelper = new CredentialsHelper(this.options.credentials, () => this.workflow, () => this.node);
		this.additionalData = additionalDataFor(credentialsHelper, this.workflow, 'webhook', this.baseUrl);
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

	private async execute(startData: INodeExecutionData[][]): Promise<void> {
		const run = await runWorkflow(this.definition, { credentials: this.options.credentials, startData, workflowId: this.workflow.id, baseUrl: this.baseUrl });
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

	/** The output items of a node (the trigger unless named) in each execution. */
	outputs(nodeName = this.node.name): IDataObject[][] {
		return this.executions.map((run) => (run.data.resultData.runData[nodeName]?.[0]?.data?.main?.[0] ?? []).map((item) => item.json));
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

/**
 * What every trigger test file shares: the sandbox portal, n8n's log (warnings and errors kept, per
 * test), `harness()` to start a trigger (stopped after each test), and credentials that carry the
 * portal's application token.
 */
export function useTriggerHarness() {
	const portal: Portal = usePortal();
	const started: TriggerHarness[] = [];
	const warnings: string[] = [];
	const errors: string[] = [];

	beforeAll(() => {
		const logger = Container.get(Logger);
		jest.spyOn(logger, 'warn').mockImplementation((message: string) => {
			warnings.push(message);
		});
		jest.spyOn(logger, 'error').mockImplementation((message: string) => {
			errors.push(message);
		});
		jest.spyOn(logger, 'info').mockImplementation(() => {});
	});
	afterAll(() => {
		jest.restoreAllMocks();
	});
	afterEach(async () => {
		await Promise.all(started.splice(0).map(async (h) => await h.stop()));
		warnings.length = 0;
		errors.length = 0;
	});

	return {
		portal,
		warnings,
		errors,
		async harness(options: HarnessOptions): Promise<TriggerHarness> {
			const created = new TriggerHarness(options);
			await created.start();
			started.push(created);
			return created;
		},
		webhookCredentials: (extra: IDataObject = {}) => webhookCredentials(portal, { applicationToken: portal.oauth.applicationToken, ...extra }),
		oauthCredentials: (extra: IDataObject = {}) => oauthCredentials(portal, { applicationToken: portal.oauth.applicationToken, ...extra }),
	};
}
