'use strict';

/** bizproc.workflow.template.list in the sandbox over HTTP. Facts: docs/bitrix24-bizproc-methods.md. */

const { startSandbox } = require('..');
const { call } = require('./helpers');

/** @type {import('../documents').DocumentId} */
const DEAL = ['crm', 'CCrmDocumentDeal', 'DEAL'];
/** @type {import('../documents').DocumentId} */
const LEAD = ['crm', 'CCrmDocumentLead', 'LEAD'];

describe('bizproc.workflow.template.list', () => {
	let sandbox;
	const list = (json, url = sandbox.webhookUrl) => call(`${url}bizproc.workflow.template.list`, { json });
	beforeAll(async () => {
		sandbox = await startSandbox({ rateLimit: false });
		for (let i = 1; i <= 55; i += 1) sandbox.addTemplate({ documentType: DEAL, name: `Deal ${i}`, steps: [] });
		sandbox.addTemplate({ documentType: LEAD, name: 'Lead approval', description: 'For leads', parameters: { Amount: { Name: 'Amount', Type: 'int', Required: true } }, steps: [] });
		sandbox.addTemplate({ documentType: ['lists', 'BizprocDocument', 'iblock_12'], name: 'Vacation', steps: [] });
		sandbox.addTemplate({ documentType: DEAL, name: 'Robots of a stage', autoExecute: 8, steps: [] });
	});
	afterAll(() => sandbox.close());

	test('default SELECT is ID only, ORDER by ID; pages by 50 with next and total; robot templates never listed', async () => {
		const first = await list({});
		expect(first.body).toMatchObject({ next: 50, total: 57 });
		expect(first.body.result[0]).toEqual({ ID: '1' });
		const second = await list({ start: 50 });
		expect(second.body.result.map((t) => t.ID)).toEqual(['51', '52', '53', '54', '55', '56', '57']);
		expect(second.body).not.toHaveProperty('next');
	});

	test('filter by document type, with the fields a node shows', async () => {
		const answer = await list({ select: ['ID', 'NAME', 'MODULE_ID', 'ENTITY', 'DOCUMENT_TYPE', 'DESCRIPTION', 'PARAMETERS', 'AUTO_EXECUTE'], filter: { MODULE_ID: 'crm', ENTITY: 'CCrmDocumentLead', DOCUMENT_TYPE: 'LEAD' } });
		expect(answer.body).toMatchObject({ total: 1 });
		expect(answer.body.result).toEqual([
			{ ID: '56', NAME: 'Lead approval', MODULE_ID: 'crm', ENTITY: 'CCrmDocumentLead', DOCUMENT_TYPE: 'LEAD', DESCRIPTION: 'For leads', PARAMETERS: { Amount: { Name: 'Amount', Type: 'int', Required: true } }, AUTO_EXECUTE: '0' },
		]);
		expect((await list({ filter: { MODULE_ID: 'lists', DOCUMENT_TYPE: 'iblock_12' }, select: ['NAME'] })).body.result).toEqual([{ NAME: 'Vacation' }]);
		// A plain string is a LIKE: case does not matter, % matches any run.
		expect((await list({ filter: { NAME: 'deal 1%' } })).body.total).toBe(11);
		// Filter keys are matched as given: a lower-case field name filters nothing.
		expect((await list({ filter: { document_type: 'LEAD' } })).body.total).toBe(57);
	});

	test('a SELECT entry that is not a name is ERROR_SELECT_VALIDATION_FAILURE', async () => {
		const answer = await list({ select: [['ID']] });
		expect(answer.status).toBe(400);
		expect(answer.body).toEqual({ error: 'ERROR_SELECT_VALIDATION_FAILURE', error_description: 'Invalid data in SELECT parameter' });
	});

	test('administrators only, webhook or OAuth', async () => {
		const userHookUrl = sandbox.createWebhook({ userId: 2, scopes: ['bizproc'] }).url;
		expect((await list({}, userHookUrl)).body).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied!' });
		const userToken = sandbox.issueOAuthTokens({ userId: 2 }).access_token;
		expect((await call(`${sandbox.baseUrl}/rest/bizproc.workflow.template.list`, { json: { auth: userToken } })).status).toBe(403);
		const adminToken = sandbox.issueOAuthTokens({ userId: 1 }).access_token;
		expect((await call(`${sandbox.baseUrl}/rest/bizproc.workflow.template.list`, { json: { auth: adminToken } })).body.total).toBe(57);
	});
});
