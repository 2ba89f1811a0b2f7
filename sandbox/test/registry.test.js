'use strict';

const { startSandbox } = require('..');
const { call } = require('./helpers');

let portal;
let adminToken;
beforeAll(async () => {
	portal = await startSandbox({ rateLimit: false });
	adminToken = portal.issueOAuthTokens({ userId: 1 }).access_token;
});
afterAll(() => portal.close());

const rest = (method, json, token = adminToken) => call(`${portal.baseUrl}/rest/${method}`, { json: { auth: token, ...json } });
const action = (overrides = {}) => ({
	CODE: 'n8n_log_action',
	HANDLER: 'https://n8n.example.test/webhook/bitrix',
	NAME: { en: 'Write to n8n', de: 'Nach n8n' },
	USE_SUBSCRIPTION: 'Y',
	PROPERTIES: { message: { Name: 'Message', Type: 'string', Required: 'Y' } },
	RETURN_PROPERTIES: { answer: { Name: 'Answer', Type: 'string' } },
	...overrides,
});

describe.each(['activity', 'robot'])('bizproc.%s.*', (kind) => {
	const code = `${kind}_code`;
	const other = kind === 'activity' ? 'robot' : 'activity';

	test('add / list / update / delete round trip', async () => {
		const added = await rest(`bizproc.${kind}.add`, action({ CODE: code }));
		expect(added.status).toBe(200);
		expect(added.body.result).toBe(true);
		expect((await rest(`bizproc.${kind}.list`, {})).body.result).toEqual([code]);
		expect((await rest(`bizproc.${other}.list`, {})).body.result).not.toContain(code);
		const registered = kind === 'activity' ? portal.registeredActivities() : portal.registeredRobots();
		expect(registered).toEqual([
			expect.objectContaining({
				CODE: code,
				HANDLER: 'https://n8n.example.test/webhook/bitrix',
				NAME: { EN: 'Write to n8n', DE: 'Nach n8n' }, // the core upper-cases nested keys except property names
				USE_SUBSCRIPTION: 'Y',
				AUTH_USER_ID: 0,
				PROPERTIES: { message: { NAME: 'Message', TYPE: 'string', REQUIRED: 'Y' } },
				RETURN_PROPERTIES: { answer: { NAME: 'Answer', TYPE: 'string' } },
			}),
		]);

		const updated = await rest(`bizproc.${kind}.update`, { CODE: code, FIELDS: { HANDLER: 'https://n8n.example.test/other', name: 'Renamed' } });
		expect(updated.body.result).toBe(true);
		const after = (kind === 'activity' ? portal.registeredActivities() : portal.registeredRobots())[0];
		expect(after).toMatchObject({ CODE: code, HANDLER: 'https://n8n.example.test/other', NAME: 'Renamed', USE_SUBSCRIPTION: 'Y' });

		expect((await rest(`bizproc.${kind}.delete`, { code })).body.result).toBe(true);
		expect((await rest(`bizproc.${kind}.list`, {})).body.result).toEqual([]);
	});

	test('a duplicate code is ERROR_ACTIVITY_ALREADY_INSTALLED, also across actions and robots', async () => {
		await rest(`bizproc.${kind}.add`, action({ CODE: 'shared_code' }));
		const again = await rest(`bizproc.${kind}.add`, action({ CODE: 'shared_code' }));
		expect(again.status).toBe(400);
		expect(again.body).toEqual({ error: 'ERROR_ACTIVITY_ALREADY_INSTALLED', error_description: 'Activity or Robot already installed!' });
		expect((await rest(`bizproc.${other}.add`, action({ CODE: 'shared_code' }))).body.error).toBe('ERROR_ACTIVITY_ALREADY_INSTALLED');
		await rest(`bizproc.${kind}.delete`, { CODE: 'shared_code' });
	});

	test('delete or update of an unknown code is ERROR_ACTIVITY_NOT_FOUND', async () => {
		const deleted = await rest(`bizproc.${kind}.delete`, { CODE: 'unknown_code' });
		expect(deleted.status).toBe(400);
		expect(deleted.body).toEqual({ error: 'ERROR_ACTIVITY_NOT_FOUND', error_description: 'Activity or Robot not found!' });
		expect((await rest(`bizproc.${kind}.update`, { CODE: 'unknown_code', FIELDS: { NAME: 'x' } })).body.error).toBe('ERROR_ACTIVITY_NOT_FOUND');
	});

	test.each([
		['no CODE', { CODE: undefined }, 'ERROR_ACTIVITY_VALIDATION_FAILURE', 'Empty activity code!'],
		['a CODE with spaces', { CODE: 'bad code' }, 'ERROR_ACTIVITY_VALIDATION_FAILURE', 'Wrong activity code!'],
		['a CODE with a slash', { CODE: 'bad/code' }, 'ERROR_ACTIVITY_VALIDATION_FAILURE', 'Wrong activity code!'],
		['no HANDLER', { HANDLER: undefined }, 'ERROR_WRONG_HANDLER_URL', 'Wrong handler URL'],
		['a HANDLER that is no URL', { HANDLER: 'not a url' }, 'ERROR_WRONG_HANDLER_URL', 'Wrong handler URL'],
		['an ftp HANDLER', { HANDLER: 'ftp://n8n.example.test/x' }, 'ERROR_UNSUPPORTED_PROTOCOL', 'Unsupported handler protocol'],
		["n8n's default address (localhost: no dot in the host)", { HANDLER: 'http://localhost:5678/webhook/x/bitrix24-bizproc' }, 'ERROR_WRONG_HANDLER_URL', 'Wrong handler URL'],
		['a host name without a dot', { HANDLER: 'https://intranet/webhook/x' }, 'ERROR_WRONG_HANDLER_URL', 'Wrong handler URL'],
		['a host whose only dot comes first', { HANDLER: 'https://.example/x' }, 'ERROR_WRONG_HANDLER_URL', 'Wrong handler URL'],
		['an IPv6 host', { HANDLER: 'http://[::1]:5678/x' }, 'ERROR_WRONG_HANDLER_URL', 'Wrong handler URL'],
		['an ftp HANDLER without a dot (the host is checked first)', { HANDLER: 'ftp://localhost/x' }, 'ERROR_WRONG_HANDLER_URL', 'Wrong handler URL'],
		['an upper-case scheme (compared as written)', { HANDLER: 'HTTPS://n8n.example.test/x' }, 'ERROR_UNSUPPORTED_PROTOCOL', 'Unsupported handler protocol'],
		['no NAME', { NAME: '' }, 'ERROR_ACTIVITY_VALIDATION_FAILURE', 'Empty activity NAME!'],
		['a bad property key', { PROPERTIES: { '1st': { Name: 'x' } } }, 'ERROR_ACTIVITY_VALIDATION_FAILURE', 'Wrong property key (1st)!'],
		['a property without Name', { PROPERTIES: { message: { Type: 'string' } } }, 'ERROR_ACTIVITY_VALIDATION_FAILURE', 'Empty property NAME (message)!'],
	])('add with %s is refused', async (_name, overrides, error, description) => {
		const answer = await rest(`bizproc.${kind}.add`, action({ CODE: 'valid.code-1_x', ...overrides }));
		expect(answer.status).toBe(400);
		expect(answer.body).toEqual({ error, error_description: description });
		expect((await rest(`bizproc.${kind}.list`, {})).body.result).toEqual([]);
	});

	test('a webhook is refused: application context required', async () => {
		const answer = await call(`${portal.webhookUrl}bizproc.${kind}.add`, { json: action({ CODE: 'via_webhook' }) });
		expect(answer.status).toBe(403);
		expect(answer.body).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied! Application context required' });
		expect((await call(`${portal.webhookUrl}bizproc.${kind}.list`)).body.error).toBe('ACCESS_DENIED');
	});

	test('each application sees, updates and deletes only its own; another application may use the same code', async () => {
		const otherToken = portal.issueOAuthTokens({ userId: 1, application: 'other' }).access_token;
		expect((await rest(`bizproc.${kind}.add`, action({ CODE: 'ours' }))).body.result).toBe(true);
		expect((await rest(`bizproc.${kind}.list`, {}, otherToken)).body.result).toEqual([]);
		expect((await rest(`bizproc.${kind}.delete`, { CODE: 'ours' }, otherToken)).body.error).toBe('ERROR_ACTIVITY_NOT_FOUND');
		expect((await rest(`bizproc.${kind}.update`, { CODE: 'ours', FIELDS: { NAME: 'x' } }, otherToken)).body.error).toBe('ERROR_ACTIVITY_NOT_FOUND');
		expect((await rest(`bizproc.${kind}.add`, action({ CODE: 'ours' }), otherToken)).body.result).toBe(true);
		expect((await rest(`bizproc.${kind}.list`, {}, otherToken)).body.result).toEqual(['ours']);
		expect((await rest(`bizproc.${kind}.delete`, { CODE: 'ours' }, otherToken)).body.result).toBe(true);
		expect((await rest(`bizproc.${kind}.list`, {})).body.result).toEqual(['ours']);
		expect((await rest(`bizproc.${kind}.delete`, { CODE: 'ours' })).body.result).toBe(true);
	});

	test('a webhook cannot delete either: application context required', async () => {
		const answer = await call(`${portal.webhookUrl}bizproc.${kind}.delete`, { json: { CODE: 'anything' } });
		expect(answer.status).toBe(403);
		expect(answer.body).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied! Application context required' });
	});

	test('a user who is not an administrator is refused', async () => {
		const userToken = portal.issueOAuthTokens({ userId: 2 }).access_token;
		const answer = await rest(`bizproc.${kind}.add`, action({ CODE: 'by_user_2' }), userToken);
		expect(answer.status).toBe(403);
		expect(answer.body).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied!' });
	});
});

describe('registration settings', () => {
	test('adminUserIds makes other users administrators', async () => {
		const sandbox = await startSandbox({ rateLimit: false, adminUserIds: [1, 2] });
		try {
			const token = sandbox.issueOAuthTokens({ userId: 2 }).access_token;
			const answer = await call(`${sandbox.baseUrl}/rest/bizproc.activity.list`, { json: { auth: token } });
			expect(answer.body.result).toEqual([]);
		} finally {
			await sandbox.close();
		}
	});

	test('any host with a dot after its first character is accepted: no domain is compared (HandlerHelper::checkCallback)', async () => {
		const handlers = ['http://127.0.0.1:5678/webhook/x', 'https://n8n.elsewhere.example/h', 'http://user@a.b:8080/h?x=1', 'https://10.0.0.7/h'];
		for (const [index, HANDLER] of handlers.entries()) {
			const added = await rest('bizproc.activity.add', action({ CODE: `any_host_${index}`, HANDLER }));
			expect([HANDLER, added.body.result]).toEqual([HANDLER, true]);
			await rest('bizproc.activity.delete', { CODE: `any_host_${index}` });
		}
		// update applies the same rule to the merged fields
		await rest('bizproc.activity.add', action({ CODE: 'moved_handler' }));
		expect((await rest('bizproc.activity.update', { CODE: 'moved_handler', FIELDS: { HANDLER: 'http://localhost:5678/x' } })).body.error).toBe('ERROR_WRONG_HANDLER_URL');
		expect(portal.registeredActivities()).toEqual([expect.objectContaining({ CODE: 'moved_handler', HANDLER: action().HANDLER })]);
		await rest('bizproc.activity.delete', { CODE: 'moved_handler' });
	});
});
