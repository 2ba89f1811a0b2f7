/**
 * The trigger's registration refused, or half done: a Code another workflow or a robot holds, Take
 * Over Existing Registration, codes and handler URLs the portal refuses, failures between the
 * portal's change and its settings record (triggerHarness.ts, triggerRegistration.ts).
 */
import { handlerRefusal } from '../../nodes/Bitrix24BizprocTrigger/registration';
import type { Fault } from './portal';
import { useRegistrations } from './triggerRegistration';
import { useTriggerHarness } from './triggerHarness';

const { portal, harness, oauthCredentials } = useTriggerHarness();

describe('registration on activation (OAuth2)', () => {
	const { actionParameters, changes, rest, claimOf, processReaches } = useRegistrations(portal);

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

	it.each<[string, Fault, string]>([
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

});
