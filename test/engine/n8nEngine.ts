/**
 * Runs our nodes through n8n's own engine (n8n-core's WorkflowExecute, which hands declarative
 * nodes to RoutingNode), with real credential handling: credential defaults and expressions are
 * resolved as n8n resolves them, OAuth2 calls are signed and refreshed by n8n-core, and renewed
 * tokens are written back through the credentials helper.
 */
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- test code, not a node: it reads workflow files
import { readFileSync } from 'fs';

import { DirectoryLoader, ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeHelpers,
	Workflow,
	createRunExecutionData,
	type ICredentialDataDecryptedObject,
	type IConnections,
	type ICredentialType,
	type IDataObject,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IWebhookData,
	type IWorkflowExecuteAdditionalData,
	type IWorkflowSettings,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { Bitrix24OAuth2Api } from '../../credentials/Bitrix24OAuth2Api.credentials';
import { Bitrix24WebhookApi } from '../../credentials/Bitrix24WebhookApi.credentials';
import { Bitrix24Bizproc } from '../../nodes/Bitrix24Bizproc/Bitrix24Bizproc.node';
import { Bitrix24BizprocLog } from '../../nodes/Bitrix24BizprocLog/Bitrix24BizprocLog.node';
import { Bitrix24BizprocSendResult } from '../../nodes/Bitrix24BizprocSendResult/Bitrix24BizprocSendResult.node';
import { Bitrix24BizprocTrigger } from '../../nodes/Bitrix24BizprocTrigger/Bitrix24BizprocTrigger.node';

export const PACKAGE = 'n8n-nodes-bitrix24-bizproc';

export const nodeClasses: Record<string, INodeType> = {
	[`${PACKAGE}.bitrix24Bizproc`]: new Bitrix24Bizproc(),
	[`${PACKAGE}.bitrix24BizprocLog`]: new Bitrix24BizprocLog(),
	[`${PACKAGE}.bitrix24BizprocSendResult`]: new Bitrix24BizprocSendResult(),
	[`${PACKAGE}.bitrix24BizprocTrigger`]: new Bitrix24BizprocTrigger(),
};
// n8n adds the "Request Options" collection (timeout, batching, proxy) to declarative nodes when it loads them.
Object.values(nodeClasses).forEach((nodeType) => DirectoryLoader.applyDeclarativeNodeOptionParameters(nodeType));

/** The parts of n8n's own oAuth2Api that ours extends (packages/nodes-base, OAuth2Api.credentials.ts). */
const oAuth2Api: ICredentialType = {
	name: 'oAuth2Api',
	displayName: 'OAuth2 API',
	properties: [
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'authorizationCode' },
		{ displayName: 'Authorization URL', name: 'authUrl', type: 'hidden', default: '' },
		{ displayName: 'Access Token URL', name: 'accessTokenUrl', type: 'hidden', default: '' },
		{ displayName: 'Client ID', name: 'clientId', type: 'string', default: '' },
		{ displayName: 'Client Secret', name: 'clientSecret', type: 'string', typeOptions: { password: true }, default: '' },
		{ displayName: 'Scope', name: 'scope', type: 'hidden', default: '' },
		{ displayName: 'Auth URI Query Parameters', name: 'authQueryParameters', type: 'hidden', default: '' },
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'header' },
		{ displayName: 'Ignore SSL Issues', name: 'ignoreSSLIssues', type: 'boolean', default: false },
	],
};

const credentialTypes: Record<string, ICredentialType> = {
	oAuth2Api,
	bitrix24WebhookApi: new Bitrix24WebhookApi(),
	bitrix24OAuth2Api: new Bitrix24OAuth2Api(),
};

export const nodeTypes: INodeTypes = {
	getByName: (type) => nodeClasses[type],
	getByNameAndVersion: (type) => nodeClasses[type],
	getKnownTypes: () => ({}),
};

function propertiesOf(typeName: string): ICredentialType['properties'] {
	const type = credentialTypes[typeName];
	const inherited = (type.extends ?? []).flatMap(propertiesOf);
	const own = new Set(type.properties.map((p) => p.name));
	return [...inherited.filter((p) => !own.has(p.name)), ...type.properties];
}

/** Stored credential data, keyed by credential type, as a user would have saved it in n8n. */
export type StoredCredentials = Record<string, ICredentialDataDecryptedObject>;

/** Credential resolution as n8n does it: defaults, `={{ }}` expressions, renewed token data written back. */
export class CredentialsHelper extends ICredentialsHelper {
	readonly savedTokenData: IDataObject[] = [];

	constructor(private readonly stored: StoredCredentials, private readonly workflow: () => Workflow, private readonly node: () => INode) {
		super();
	}

	getParentTypes(name: string): string[] {
		const parents = credentialTypes[name]?.extends ?? [];
		return parents.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
	}

	async authenticate(credentials: ICredentialDataDecryptedObject, typeName: string, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		const authenticate = credentialTypes[typeName]?.authenticate;
		if (authenticate === undefined) return requestOptions;
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		throw new Error(`generic authenticate blocks are not used by this package (${typeName})`);
	}

	async preAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async getCredentials(): Promise<never> {
		throw new Error('not used by the engine in these tests');
	}

	/** Defaults filled in and `={{ }}` expressions resolved with `$self`, as n8n's CredentialsHelper does. */
	async getDecrypted(_additionalData: IWorkflowExecuteAdditionalData, _nodeCredentials: INodeCredentialsDetails, type: string): Promise<ICredentialDataDecryptedObject> {
		const data = this.stored[type];
		if (!data) throw new Error(`no stored credentials of type ${type}`);
		const withDefaults = NodeHelpers.getNodeParameters(propertiesOf(type), data as INodeParameters, true, false, null, null) as INodeParameters;
		const resolved = this.workflow().expression.getComplexParameterValue(
			this.node(),
			withDefaults,
			'internal',
			{},
			undefined,
			undefined,
			withDefaults as IDataObject,
		) as ICredentialDataDecryptedObject;
		// Values n8n keeps outside the form (oauthTokenData) are carried over unchanged.
		return { ...data, ...resolved };
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(_nodeCredentials: INodeCredentialsDetails, type: string, data: ICredentialDataDecryptedObject): Promise<void> {
		this.stored[type] = { ...this.stored[type], oauthTokenData: data.oauthTokenData };
		this.savedTokenData.push(data.oauthTokenData as IDataObject);
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	getCredentialsProperties(type: string) {
		return propertiesOf(type);
	}
}

/** What WorkflowExecute and the node contexts need from n8n's server, for one test execution. */
export function additionalDataFor(credentialsHelper: ICredentialsHelper, workflow: Workflow, mode: WorkflowExecuteMode, baseUrl: string): IWorkflowExecuteAdditionalData {
	const workflowData = { id: workflow.id, name: workflow.name, nodes: [], connections: {}, active: workflow.active, activeVersionId: null, isArchived: false, createdAt: new Date(), updatedAt: new Date() };
	return {
		credentialsHelper,
		hooks: new ExecutionLifecycleHooks(mode, 'execution-1', workflowData as never),
		executionId: 'execution-1',
		restApiUrl: `${baseUrl}/rest`,
		instanceBaseUrl: `${baseUrl}/`,
		webhookBaseUrl: `${baseUrl}/webhook`,
		webhookWaitingBaseUrl: `${baseUrl}/webhook-waiting`,
		webhookTestBaseUrl: `${baseUrl}/webhook-test`,
		formWaitingBaseUrl: `${baseUrl}/form-waiting`,
		currentNodeParameters: undefined,
		executionTimeoutTimestamp: undefined,
		userId: 'user-1',
		variables: {},
		logAiEvent: () => {},
		setExecutionStatus: () => {},
		sendDataToUI: () => {},
		startRunnerTask: async () => {
			throw new Error('no task runner in these tests');
		},
		getRunExecutionData: async () => undefined,
		executeWorkflow: async () => {
			throw new Error('no sub-workflows in these tests');
		},
	} as unknown as IWorkflowExecuteAdditionalData;
}

export interface EngineRun {
	/** The node's output items, undefined when the node failed. */
	items?: INodeExecutionData[];
	/** The error n8n would show for the node. */
	error?: Error & IDataObject;
	run: IRun;
	savedTokenData: IDataObject[];
}

export interface RunOptions {
	type?: string;
	parameters: IDataObject;
	credentials: StoredCredentials;
	items: IDataObject[];
	continueOnFail?: boolean;
	/** n8n's node setting Retry On Fail: WorkflowExecute runs the node again, up to maxTries times in all. */
	retryOnFail?: { maxTries: number; waitBetweenTries: number };
	/** How many times the node is on the execution stack with the same items (run index 0, 1, ...), as in a loop. */
	runs?: number;
	mode?: WorkflowExecuteMode;
}

/** A node of ours of `type` with its parameters' defaults filled in, as n8n stores it, and the credential its Authentication names. */
export function nodeOf(type: string, parameters: IDataObject, { id, name, credentialId, webhookId }: { id: string; name: string; credentialId: string; webhookId?: string }): INode {
	const credentialType = parameters.authentication === 'oAuth2' ? 'bitrix24OAuth2Api' : 'bitrix24WebhookApi';
	return {
		id,
		name,
		type,
		typeVersion: 1,
		position: [0, 0],
		...(webhookId ? { webhookId } : {}),
		parameters: NodeHelpers.getNodeParameters(nodeClasses[type].description.properties, parameters as INodeParameters, true, false, null, null) ?? {},
		credentials: { [credentialType]: { id: credentialId, name: `Test ${credentialType}` } },
	};
}

/** Runs one node of ours on the given input items, the way n8n runs it inside a workflow. */
export async function runNode(options: RunOptions): Promise<EngineRun> {
	const type = options.type ?? `${PACKAGE}.bitrix24BizprocLog`;
	const node: INode = {
		...nodeOf(type, options.parameters, { id: 'node-under-test', name: 'Bitrix24 Bizproc Log', credentialId: '1' }),
		...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		...(options.retryOnFail ? { retryOnFail: true, ...options.retryOnFail } : {}),
	};
	const workflow = new Workflow({ id: 'wf', name: 'test', nodes: [node], connections: {}, active: false, nodeTypes, settings: {} });
	const credentialsHelper = new CredentialsHelper(options.credentials, () => workflow, () => node);
	const mode = options.mode ?? 'manual';
	const additionalData = additionalDataFor(credentialsHelper, workflow, mode, 'http://127.0.0.1:5678');

	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: Array.from({ length: options.runs ?? 1 }, () => ({ node, data: { main: [options.items.map((json) => ({ json }))] }, source: null })),
		},
	});
	const run = await new WorkflowExecute(additionalData, mode, runExecutionData).processRunExecutionData(workflow);
	const taskData = run.data.resultData.runData[node.name]?.[0];
	return {
		items: taskData?.data?.main?.[0] ?? undefined,
		error: (taskData?.error ?? run.data.resultData.error) as EngineRun['error'],
		run,
		savedTokenData: credentialsHelper.savedTokenData,
	};
}

/** What n8n's webhook server knows of the trigger's one webhook (POST <webhookId>/bitrix24-bizproc) when it calls the node. */
export function triggerWebhookData(workflow: Workflow, node: INode, additionalData: IWorkflowExecuteAdditionalData, isTest = false): IWebhookData {
	return {
		httpMethod: 'POST',
		node: node.name,
		path: `${node.webhookId}/bitrix24-bizproc`,
		webhookDescription: nodeClasses[`${PACKAGE}.bitrix24BizprocTrigger`].description.webhooks![0],
		workflowId: workflow.id,
		workflowExecuteAdditionalData: additionalData,
		isTest,
	};
}

/** A workflow as n8n exports it (examples/*.workflow.json): its nodes and how they are connected. */
export interface WorkflowFile {
	name: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
}

export function readWorkflowFile(path: string): WorkflowFile {
	return JSON.parse(readFileSync(path, 'utf8')) as WorkflowFile;
}

/** n8n's Workflow of a workflow file (the constructor fills in each node's parameter defaults). */
export function workflowOf(file: WorkflowFile, id = 'wf', active = false): Workflow {
	return new Workflow({ id, name: file.name, nodes: file.nodes, connections: file.connections, active, nodeTypes, staticData: {}, settings: file.settings ?? {} });
}

/** The trigger a workflow starts from: its node whose type answers webhooks. */
export function triggerNodeOf(file: WorkflowFile): INode {
	const trigger = file.nodes.find((node) => nodeClasses[node.type]?.webhook !== undefined);
	if (!trigger) throw new Error(`the workflow "${file.name}" has no trigger of this package to start from`);
	return trigger;
}

export interface WorkflowRunOptions {
	credentials: StoredCredentials;
	/** What the trigger's webhook() returned as `workflowData`: its output, one list of items per output. */
	startData: INodeExecutionData[][];
	workflowId?: string;
	/** n8n's address (only the node contexts' URLs use it). */
	baseUrl?: string;
}

/**
 * Runs a whole workflow as n8n runs an execution that a webhook call started
 * (packages/cli/src/webhooks/webhook-helpers.ts, prepareExecutionData): the trigger node alone on the
 * execution stack with its webhook output, then WorkflowExecute.processRunExecutionData, which passes
 * a webhook node's input on as its output (WorkflowExecute.runNode) and runs every connected node
 * after it, in the workflow's execution order.
 */
export async function runWorkflow(file: string | WorkflowFile, options: WorkflowRunOptions): Promise<IRun> {
	const definition = typeof file === 'string' ? readWorkflowFile(file) : file;
	const workflow = workflowOf(definition, options.workflowId, true);
	const trigger = workflow.getNode(triggerNodeOf(definition).name)!;
	const credentialsHelper = new CredentialsHelper(options.credentials, () => workflow, () => trigger);
	const additionalData = additionalDataFor(credentialsHelper, workflow, 'webhook', options.baseUrl ?? 'http://127.0.0.1:5678');
	const runExecutionData = createRunExecutionData({ executionData: { nodeExecutionStack: [{ node: trigger, data: { main: options.startData }, source: null }] } });
	return await new WorkflowExecute(additionalData, 'webhook', runExecutionData).processRunExecutionData(workflow);
}
