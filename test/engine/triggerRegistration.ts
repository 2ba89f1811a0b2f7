/**
 * What the registration tests of the trigger share: the action's parameters, what changed the
 * portal's registrations, REST calls as the application, the settings record of a code, and whether
 * a business process reaches a trigger now. Each test starts with an empty journal and leaves the
 * portal's registry and settings records empty.
 */
import type { IDataObject } from 'n8n-workflow';

import type { Portal } from './portal';
import type { TriggerHarness } from './triggerHarness';

/** Call inside the describe of the registration tests (its hooks clean up after each test). */
export function useRegistrations(portal: Portal) {
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

	return { actionParameters, changes, rest, claimOf, processReaches };
}
