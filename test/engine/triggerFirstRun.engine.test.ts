/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets -- test code: made-up tokens are its test data */
/**
 * The trigger's first run with the OAuth2 credential and no Application Token entered yet: each call
 * is checked with the portal (app.info), through n8n-core's contexts against the sandbox portal
 * (triggerHarness.ts).
 */
import { forgetPortalVerdicts, setCheckTiming } from '../../nodes/Bitrix24BizprocTrigger/portalCheck';
import { SETUP_HINT } from '../../nodes/Bitrix24BizprocTrigger/receiveCall';
import { oauthCredentials as oauthCredentialsOf, type Fault } from './portal';
import { useTriggerHarness } from './triggerHarness';

const { portal, harness, warnings, errors, oauthCredentials } = useTriggerHarness();

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

	it.each<[string, Fault]>([
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
