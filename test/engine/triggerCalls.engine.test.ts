/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets -- test code: made-up tokens are its test data */
/**
 * The Bitrix24 Bizproc Trigger receiving handler calls (triggerHarness.ts: n8n-core's WebhookContext
 * on real HTTP requests the sandbox portal sends): what one call gives, calls that are not from the
 * trusted application, repeated deliveries, the trigger's version and large calls.
 */
import type { IDataObject } from 'n8n-workflow';

import sampleOutput from '../../docs/trigger-sample-output.json';
import { recentTokens } from '../../nodes/Bitrix24BizprocTrigger/receiveCall';
import { MAX_BODY_BYTES } from '../../nodes/Bitrix24BizprocTrigger/handlerCall';
import { sha256 } from '../../nodes/shared/sha256';
import { TRIGGER_TYPE, trigger, useTriggerHarness } from './triggerHarness';

const { portal, harness, warnings, webhookCredentials, oauthCredentials } = useTriggerHarness();

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
