/**
 * Bitrix24 Bizproc Send Result through n8n's engine against the sandbox: bizproc.event.send completes
 * the action with return values, through the same shared request code as the Log node.
 */
import { runNode } from './n8nEngine';
import { collectSecrets, usePortal, webhookCredentials } from './portal';

const SEND_RESULT = 'n8n-nodes-bitrix24-bizproc.bitrix24BizprocSendResult';
const portal = usePortal();

const webhook = () => webhookCredentials(portal);
const sendCalls = () => portal.journal().filter((entry) => entry.restMethod === 'bizproc.event.send');

test('name/value pairs: the action is completed with its return values and a last log line', async () => {
	const { eventToken, workflowId } = portal.issueEventToken({});
	const run = await runNode({
		type: SEND_RESULT,
		parameters: {
			returnValues: { values: [{ name: 'result', value: '={{ $json.verdict }}' }, { name: 'comment', value: 'Checked in n8n' }] },
			logMessage: 'Approved by n8n',
		},
		credentials: webhook(),
		items: [{ event_token: eventToken, verdict: 'approved' }],
	});
	expect(run.error).toBeUndefined();
	expect(run.items![0].json).toEqual({ result: true, time: expect.any(Object) });
	const workflow = portal.workflow(workflowId)!;
	expect(workflow.state).toBe('completed');
	expect(workflow.returnValues).toEqual({ result: 'approved', comment: 'Checked in n8n' });
	expect(workflow.logLines.map((l) => l.message)).toEqual(['Approved by n8n']);
	expect(sendCalls()).toHaveLength(1);
});

test('JSON return values, no message: Bitrix24 writes its default line; later log lines are dropped', async () => {
	const { eventToken, workflowId } = portal.issueEventToken({});
	const run = await runNode({
		type: SEND_RESULT,
		parameters: { returnValuesMode: 'json', returnValuesJson: '{"result": "rejected", "amount": 12}' },
		credentials: webhook(),
		items: [{ event_token: eventToken }],
	});
	expect(run.error).toBeUndefined();
	expect(portal.workflow(workflowId)!.returnValues).toEqual({ result: 'rejected', amount: 12 });
	const late = await runNode({ parameters: { logMessage: 'too late' }, credentials: webhook(), items: [{ event_token: eventToken }] });
	expect(late.error).toBeUndefined();
	expect(portal.workflow(workflowId)!.logLines.map((l) => l.message)).toEqual(['Received response from the application']);
});

test.each([
	['invalid JSON', { returnValuesMode: 'json', returnValuesJson: '{result: approved' }, /not valid JSON/],
	['a JSON list', { returnValuesMode: 'json', returnValuesJson: '[1, 2]' }, /must be an object/],
	['a value without a name', { returnValues: { values: [{ name: ' ', value: 'x' }] } }, /has no name/],
])('bad return values are refused before sending: %s', async (_label, parameters, description) => {
	const { eventToken } = portal.issueEventToken({});
	const run = await runNode({ type: SEND_RESULT, parameters, credentials: webhook(), items: [{ event_token: eventToken }] });
	expect(run.error?.message).toBe('The Return Values cannot be sent (item 0)');
	expect(run.error?.description).toMatch(description);
	expect(portal.journal()).toHaveLength(0);
});

test('a forged token gets the same clear ACCESS_DENIED error, with no secret shown', async () => {
	const { eventToken } = portal.issueEventToken({});
	const forged = eventToken.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'));
	const run = await runNode({ type: SEND_RESULT, parameters: {}, credentials: webhook(), items: [{ event_token: forged }] });
	expect(run.error?.message).toBe('Bitrix24 refused the event token (ACCESS_DENIED)');
	const shown = `${run.error?.message}\n${run.error?.description}\n${JSON.stringify(run.run.data.resultData)}`;
	for (const secret of collectSecrets(portal, webhook(), forged)) expect(shown).not.toContain(secret);
});
