/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code: it runs in Jest, not inside n8n, and needs Node built-ins and n8n internals */
/**
 * How often a handler call, an activation and an editor list make n8n read the credential. n8n reads
 * it from its database and decrypts it on every getCredentials() (n8n-core
 * node-execution-context.ts, _getCredentials -> credentialsHelper.getDecrypted), and its
 * authenticated request reads it once more for every request it signs (request-helpers
 * authentication.ts and oauth.ts, requestOAuth2). Each getDecrypted call of the engine's credentials
 * helper is one such read. The contexts are n8n-core's own; the handler call is the form the sandbox
 * portal posts (sandbox/handlerCall.js), as n8n's webhook server hands it over (raw body kept, the
 * form parsed by querystring).
 */
import { parse as parseQueryString } from 'querystring';

import { HookContext, LoadOptionsContext, WebhookContext } from 'n8n-core';
import { Workflow, type IDataObject, type IWebhookResponseData, type IWorkflowExecuteAdditionalData } from 'n8n-workflow';

import { forgetApplicationTokens } from '../../nodes/Bitrix24BizprocTrigger/applicationToken';
import { forgetPortalVerdicts } from '../../nodes/Bitrix24BizprocTrigger/portalCheck';
import { SETUP_HINT } from '../../nodes/Bitrix24BizprocTrigger/receiveCall';
import { searchTemplates } from '../../nodes/Bitrix24Bizproc/resources/template';
import { CredentialsHelper, PACKAGE, additionalDataFor, nodeClasses, nodeOf, nodeTypes, triggerWebhookData, type StoredCredentials } from './n8nEngine';
import { buildHandlerForm } from '../../sandbox/handlerCall';
import { oauthCredentials, usePortal, webhookCredentials } from './portal';

const TRIGGER = `${PACKAGE}.bitrix24BizprocTrigger`;
const trigger = nodeClasses[TRIGGER];

const portal = usePortal();
beforeEach(() => {
	// Cold caches: each test counts the reads of a first call.
	forgetApplicationTokens();
	forgetPortalVerdicts();
});

let credentialIds = 0;

/** One node of `type` in a workflow, with a credentials helper that counts its reads. */
function nodeWith(type: string, parameters: IDataObject, credentials: StoredCredentials) {
	// A credential id of its own per test: the trigger keeps its token per credential id.
	const node = nodeOf(type, parameters, { id: 'node', name: 'Node', credentialId: `reads-${++credentialIds}`, webhookId: 'c0ffee00-0000-4000-8000-000000000002' });
	const workflow = new Workflow({ id: 'wf-reads', name: 'reads', nodes: [node], connections: {}, active: true, nodeTypes, staticData: {}, settings: {} });
	const helper = new CredentialsHelper(credentials, () => workflow, () => node);
	const reads = jest.spyOn(helper, 'getDecrypted');
	const additionalData = additionalDataFor(helper, workflow, 'webhook', 'http://127.0.0.1:5678');
	return { node, workflow, additionalData, reads: () => reads.mock.calls.length };
}

type Setup = ReturnType<typeof nodeWith>;

/** The trigger's webhook() on one handler call of the portal, in n8n-core's WebhookContext. */
async function handlerCall(setup: Setup, call: { applicationToken?: string } = {}): Promise<IWebhookResponseData> {
	const form: string = buildHandlerForm({
		workflowId: 'workflow-1',
		code: 'n8n_action',
		documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_1'],
		documentType: ['crm', 'CCrmDocumentDeal', 'DEAL'],
		eventToken: portal.issueEventToken({}).eventToken,
		properties: {},
		useSubscription: true,
		timeoutDuration: 600,
		tokens: portal.issueOAuthTokens({}),
		applicationToken: call.applicationToken ?? portal.oauth.applicationToken,
	});
	const httpRequest = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: Buffer.from(form), body: parseQueryString(form) };
	const additionalData = { ...setup.additionalData, httpRequest } as unknown as IWorkflowExecuteAdditionalData;
	const context = new WebhookContext(setup.workflow, setup.node, additionalData, 'webhook', triggerWebhookData(setup.workflow, setup.node, additionalData), [], null);
	return await trigger.webhook!.call(context);
}

describe("the trigger's webhook path reads the credential once", () => {
	it('a handler call with the webhook credential: one read, and none for the next call', async () => {
		const setup = nodeWith(TRIGGER, {}, webhookCredentials(portal, { applicationToken: portal.oauth.applicationToken }));
		expect((await handlerCall(setup)).workflowData).toHaveLength(1);
		expect(setup.reads()).toBe(1);
		expect((await handlerCall(setup)).workflowData).toHaveLength(1);
		expect(setup.reads()).toBe(1);
	});

	it('a first-run call (OAuth2 without the Application Token) checked with the portal: one read of ours, one by n8n to sign app.info', async () => {
		const setup = nodeWith(TRIGGER, { authentication: 'oAuth2', registerAs: 'none' }, oauthCredentials(portal, { portalPlan: 'off' }));
		const answer = await handlerCall(setup, { applicationToken: 'first-run-application-token' });
		expect(answer.workflowData?.[0][0].json.setup_hint).toBe(SETUP_HINT);
		// app.info with the credential's own token (n8n signs it: one read) and with the call's (no read).
		expect(portal.journal().filter((entry) => entry.restMethod === 'app.info')).toHaveLength(2);
		expect(setup.reads()).toBeLessThanOrEqual(2);
	});
});

describe('a single call outside the queue reads the credential once, n8n once more per request it signs', () => {
	it("the editor's template list with the webhook credential: one read (n8n's plain request reads none)", async () => {
		const setup = nodeWith(`${PACKAGE}.bitrix24Bizproc`, { resource: 'workflow', operation: 'start' }, webhookCredentials(portal));
		const context = new LoadOptionsContext(setup.workflow, setup.node, setup.additionalData, 'parameters.templateId');
		const list = await searchTemplates.call(context);
		expect(Array.isArray(list.results)).toBe(true);
		expect(portal.journal().map((entry) => entry.restMethod)).toEqual(['bizproc.workflow.template.list']);
		expect(setup.reads()).toBe(1);
	});

	it('activation with OAuth2 (register the action): one read of ours, plus one per request n8n signs', async () => {
		const parameters = { authentication: 'oAuth2', registerAs: 'action', activityCode: 'n8n_reads', activityName: 'Reads' };
		const setup = nodeWith(TRIGGER, parameters, oauthCredentials(portal, { portalPlan: 'off' }));
		const hook = (method: 'checkExists' | 'create') =>
			trigger.webhookMethods!.default![method].call(new HookContext(setup.workflow, setup.node, setup.additionalData, 'trigger', 'activate', triggerWebhookData(setup.workflow, setup.node, setup.additionalData)));
		expect(await hook('checkExists')).toBe(false);
		expect(await hook('create')).toBe(true);
		const signed = portal.journal().filter((entry) => entry.authKind === 'oauth').length;
		expect(signed).toBeGreaterThanOrEqual(3);
		expect(setup.reads()).toBeLessThanOrEqual(1 + signed);
	});
});
