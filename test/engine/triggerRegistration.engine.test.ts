/**
 * The trigger registering its action (or robot) on activation with the OAuth2 credential, through
 * n8n-core's HookContext against the sandbox's registration methods (triggerHarness.ts): what
 * activation, deactivation, a restart and a publish send; with a webhook credential, nothing.
 */
import { oauthCredentials as oauthCredentialsOf } from './portal';
import { useRegistrations } from './triggerRegistration';
import { trigger, useTriggerHarness } from './triggerHarness';

const { portal, harness, webhookCredentials, oauthCredentials } = useTriggerHarness();

describe('registration on activation (OAuth2)', () => {
	const { actionParameters, changes, rest, claimOf, processReaches } = useRegistrations(portal);

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
