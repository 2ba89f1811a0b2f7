/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets -- test code: made-up tokens are its test data */
/**
 * Many handler calls at once, and a credential that cannot be read: how often the trigger reads its
 * credential (n8n decrypts it on every read), through n8n-core's contexts (triggerHarness.ts).
 */
import { RECHECK_MS, READ_RETRIES_MS, forgetApplicationTokens } from '../../nodes/Bitrix24BizprocTrigger/applicationToken';
import { CredentialsHelper } from './n8nEngine';
import { useTriggerHarness } from './triggerHarness';

const { portal, harness, warnings, errors, webhookCredentials } = useTriggerHarness();

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
