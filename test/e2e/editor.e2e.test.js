/**
 * The package in the n8n editor, in a real browser: a real n8n 2.x with our packed package installed the
 * way n8n installs community packages, the README's example workflow imported, and Debian's Chromium
 * (headless, driven by playwright-core) looking at the node search, the node icons, the canvas and the
 * Log node's panel, then the setup a newcomer struggles with: the OAuth2 credential filled in, the
 * trigger's registration fields, and a finished execution of the example loop called by the sandbox portal.
 *
 * How docs/ stays in step (editorDocs.js): each screenshot comes with a text summary of what the page
 * shows, written as docs/editor-*.txt next to docs/editor-*.png; a run fails when a summary differs
 * from docs/. `E2E_UPDATE_SCREENSHOTS=1 npx jest -c jest.e2e.config.js test/e2e/editor.e2e.test.js`
 * rewrites both; commit them.
 */
const fs = require('node:fs');
const path = require('node:path');

const { fixture } = require('../../harness/fixtures');
const { PACKAGE_NAME, REPO } = require('../../harness/n8n-harness');
const { N8N_LINES, startN8nAndSandbox } = require('../../harness/n8n-and-sandbox');
const { EXAMPLE, waitForExampleHandler, expectedLines } = require('../../harness/example-loop');
const { until } = require('../../harness/until');
const { launchBrowser, addSessionCookie, assertChromium } = require('./browser');
const { logNodeFields, builtLabels, editorScreenshots } = require('./editorDocs');

const EXAMPLE_ID = 'e2eEditorExample';
const STARTER_ID = 'e2eEditorStarter';
const REGISTERED_ID = 'e2eEditorRegister';
const LOG_TYPE = `${PACKAGE_NAME}.bitrix24BizprocLog`;
const LOG_DISPLAY_NAME = 'Bitrix24 Bizproc Log';

/** Credentials for every credential the example references, pointing at the sandbox portal. */
function credentialsFor(workflow, portal) {
	const data = {
		bitrix24WebhookApi: { webhookUrl: portal.webhookUrl, applicationToken: portal.oauth.applicationToken, portalPlan: 'standard' },
		bitrix24OAuth2Api: {
			portalUrl: portal.baseUrl,
			oauthServerUrl: portal.baseUrl,
			clientId: portal.oauth.clientId,
			clientSecret: portal.oauth.clientSecret,
			applicationToken: portal.oauth.applicationToken,
			portalPlan: 'standard',
			oauthTokenData: portal.issueOAuthTokens({}),
		},
	};
	const byId = new Map();
	for (const node of workflow.nodes) {
		for (const [type, { id, name }] of Object.entries(node.credentials ?? {})) {
			if (!data[type]) throw new Error(`the example uses a credential type this test does not know: ${type}`);
			byId.set(id, { id, name, type, data: data[type] });
		}
	}
	return [...byId.values()];
}

const isExpression = (value) => typeof value === 'string' && value.startsWith('=');

const describeOn2x = N8N_LINES.includes('2') ? describe : describe.skip;

describeOn2x('the n8n 2.x editor in headless Chromium', () => {
	const fields = logNodeFields();
	const registered = fixture('registered-action.workflow.json', { __WORKFLOW_ID__: REGISTERED_ID });
	let screenshots;
	let portal;
	let n8n;
	let stopAll;
	let browser;
	let page;
	let credentials;

	beforeAll(async () => {
		assertChromium(); // fails (never skips) with how to install it
		screenshots = editorScreenshots();
		({ n8n, portal, stop: stopAll } = await startN8nAndSandbox({
			line: '2',
			maxLifetimeMs: 20 * 60 * 1000,
			credentials: (sandbox) => (credentials = credentialsFor({ nodes: [...EXAMPLE.nodes, ...registered.nodes] }, sandbox)),
		}));
		await n8n.importWorkflow({ ...EXAMPLE, id: EXAMPLE_ID, active: false });
		const hook = credentials.find((credential) => credential.type === 'bitrix24WebhookApi');
		await n8n.importWorkflow(
			fixture('start-process.workflow.json', { __WORKFLOW_ID__: STARTER_ID, __AUTHENTICATION__: 'webhook', __CREDENTIAL_TYPE__: hook.type, __CREDENTIAL_ID__: hook.id }),
		);
		await n8n.importWorkflow(registered);
		await n8n.start();
		await n8n.login();
		browser = await launchBrowser({ viewport: { width: 1400, height: 900 } });
		page = browser.page;
		await addSessionCookie(browser.context, n8n.baseUrl, n8n.cookie);
	}, 10 * 60 * 1000);

	afterAll(async () => {
		await browser?.close();
		await stopAll?.();
		screenshots?.cleanUp(); // kept when a picture is out of step, for a look at what the editor shows now
	}, 60 * 1000);

	/** Takes the screenshot `name`.png with its summary `name`.txt (what the page shows) and checks both against docs/ (editorDocs.js). */
	const screenshot = async (name, summaryLines) => await screenshots.take(page, name, summaryLines);

	/** Closes whatever first-run dialog or drawer is showing, and takes over the workflow if another tab holds it. */
	async function dismissInterruptions() {
		for (const closeButton of await page.locator('.el-dialog__headerbtn:visible, .el-drawer__close-btn:visible').all()) {
			await closeButton.click().catch(() => undefined);
		}
		const editHere = page.getByRole('button', { name: 'Edit here' });
		if (await editHere.isVisible()) await editHere.click();
	}

	async function openEditor(pathname) {
		await page.goto(`${n8n.baseUrl}${pathname}`);
		await page.getByTestId('canvas-wrapper').waitFor({ timeout: 90_000 }); // the first load is slow on a busy machine
		expect(new URL(page.url()).pathname).not.toMatch(/signin|setup/);
		await dismissInterruptions();
	}

	/** Opens a node's panel (double-click on the canvas): the panel and its parameters, once shown. */
	async function openNodePanel(workflowId, nodeName) {
		await openEditor(`/workflow/${workflowId}`);
		await page.locator(`[data-test-id="canvas-node"][data-node-name="${nodeName}"]`).dblclick();
		const ndv = page.getByTestId('ndv');
		await ndv.waitFor();
		const parameters = ndv.getByTestId('node-parameters');
		await parameters.waitFor();
		return { ndv, parameters };
	}

	/** The image of an icon has loaded in the page (not a broken image). */
	async function loadedImages(locator) {
		return await locator.evaluateAll((images) => images.map((img) => ({ src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0 })));
	}

	test('the node search lists "Bitrix24 Bizproc Log" under its name, with its icon', async () => {
		await openEditor('/workflow/new');
		await page.getByTestId('node-creator-plus-button').click();
		const creator = page.getByTestId('node-creator');
		await creator.waitFor();
		await page.getByTestId('node-creator-search-bar').fill('Bitrix24');
		const logItem = creator.getByTestId('node-creator-node-item').filter({ has: page.getByTestId('node-creator-item-name').getByText(fields.displayName, { exact: true }) });
		await logItem.waitFor();
		const names = await creator.getByTestId('node-creator-item-name').allInnerTexts();
		expect(names).toEqual(expect.arrayContaining([LOG_DISPLAY_NAME, 'Bitrix24 Business Process', 'Bitrix24 Bizproc Send Result']));
		// n8n files a trigger `xTrigger` under the node `x` when both exist (bitrix24BizprocTrigger under
		// bitrix24Bizproc, as observed on 2.41.1): in this trigger view the Business Process entry is the trigger.
		const triggerDescription = creator.getByText('Starts a workflow when a Bitrix24 business process reaches your application action or robot', { exact: true });
		await expect(triggerDescription.isVisible()).resolves.toBe(true);
		expect(fields.displayName).toBe(LOG_DISPLAY_NAME);
		const icons = await loadedImages(logItem.locator('img'));
		expect(icons.length).toBeGreaterThan(0);
		for (const icon of icons) expect(icon).toEqual({ src: expect.stringMatching(/\/Bitrix24BizprocLog\/bitrix24(\.dark)?\.svg$/), loaded: true });
		await page.waitForTimeout(300); // the panel's slide-in animation
		await screenshot('editor-node-search', ['Node search for "Bitrix24" lists:', ...[...names].sort().map((name) => `- ${name}`)]);
		await page.keyboard.press('Escape');
	}, 120_000);

	test('n8n serves the Log node\'s light and dark icons as our SVG files', async () => {
		const nodes = await n8n.getJson('/types/nodes.json');
		const log = nodes.find((node) => node.name === LOG_TYPE);
		expect(log.iconUrl).toEqual({ light: expect.any(String), dark: expect.any(String) });
		const installed = path.join(n8n.userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME, 'dist', 'nodes', 'Bitrix24BizprocLog');
		for (const [theme, file] of [
			['light', 'bitrix24.svg'],
			['dark', 'bitrix24.dark.svg'],
		]) {
			expect(log.iconUrl[theme]).toMatch(new RegExp(`/Bitrix24BizprocLog/${file.replace('.', '\\.')}$`));
			// The browser asks for it relative to the editor's base path, with the session cookie.
			const response = await page.request.get(new URL(log.iconUrl[theme], `${n8n.baseUrl}/`).href);
			expect(response.status()).toBe(200);
			expect(response.headers()['content-type']).toMatch(/^image\/svg\+xml/);
			const body = await response.text();
			expect(body).toContain('<svg');
			expect(body).toBe(fs.readFileSync(path.join(installed, file), 'utf8'));
			expect(body).toBe(fs.readFileSync(path.join(REPO, 'nodes', 'Bitrix24BizprocLog', file), 'utf8'));
		}
	}, 60_000);

	test('the example workflow on the canvas, every node with its icon', async () => {
		await openEditor(`/workflow/${EXAMPLE_ID}`);
		const canvasNodes = page.getByTestId('canvas-node');
		await canvasNodes.first().waitFor();
		await page.getByTestId('zoom-to-fit').click();
		const shown = await canvasNodes.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-node-name')));
		expect(shown.sort()).toEqual(EXAMPLE.nodes.map((node) => node.name).sort());
		for (const node of EXAMPLE.nodes.filter((n) => n.type.startsWith(`${PACKAGE_NAME}.`))) {
			const icons = await loadedImages(page.locator(`[data-test-id="canvas-node"][data-node-name="${node.name}"] img`));
			expect(icons).toEqual([{ src: expect.stringMatching(/\/bitrix24(\.dark)?\.svg$/), loaded: true }]);
		}
		await page.waitForTimeout(500); // zoom-to-fit animates
		await screenshot('editor-workflow', ['Canvas of the example workflow, nodes:', ...shown.map((name) => `- ${name}`)]);
	}, 120_000);

	test('the Log node\'s panel shows Event Token and Log Message with their hints', async () => {
		const logNodes = EXAMPLE.nodes.filter((node) => node.type === LOG_TYPE);
		expect(logNodes.length).toBeGreaterThan(0);
		// n8n shows a field's hint only while the field holds a fixed value (an expression gets its preview
		// instead), so the panel shown is the Log node with a fixed message when the example has one.
		const logNode = logNodes.find((node) => !isExpression(node.parameters.logMessage)) ?? logNodes[0];
		const { ndv, parameters } = await openNodePanel(EXAMPLE_ID, logNode.name);

		const item = (field) => parameters.getByTestId('parameter-item').filter({ has: page.getByTestId(`parameter-input-${field.name}`) });
		const hint = (field) => item(field).getByText(field.hint, { exact: true });
		const values = { eventToken: logNode.parameters.eventToken ?? fields.eventToken.default, logMessage: logNode.parameters.logMessage };
		for (const field of [fields.eventToken, fields.logMessage]) {
			await item(field).waitFor();
			await expect(item(field).getByText(field.label, { exact: true }).isVisible()).resolves.toBe(true);
			await expect(hint(field).isVisible()).resolves.toBe(!isExpression(values[field.name]));
		}
		await page.waitForTimeout(300); // the panel's opening animation
		await screenshot('editor-log-node', [
			`Panel of "${logNode.name}" (${LOG_DISPLAY_NAME})`,
			...[fields.eventToken, fields.logMessage].map((field) => `- ${field.label}${isExpression(values[field.name]) ? ' (expression)' : `, hint: ${field.hint}`}`),
		]);

		// A field holding an expression shows its hint once it is switched to a fixed value (not saved).
		for (const field of [fields.eventToken, fields.logMessage].filter((f) => isExpression(values[f.name]))) {
			await item(field).hover();
			await page.getByTestId(`${field.name}-parameter-input-options-container`).getByTestId('radio-button-fixed').click();
			await ndv.getByTestId('tab-params').click(); // leave the field: a focused field shows a tip instead
			await hint(field).waitFor();
			await expect(hint(field).isVisible()).resolves.toBe(true);
		}
	}, 120_000);

	test("the Business Process node's panel: Resource, Operation, Template, Document Type, Record ID, Parameters", async () => {
		const { parameters } = await openNodePanel(STARTER_ID, 'Start the approval process');
		const labels = ['Resource', 'Operation', 'Template', 'Document Type', 'Record ID', 'Parameters'];
		for (const label of labels) {
			await expect(parameters.getByText(label, { exact: true }).first().isVisible()).resolves.toBe(true);
		}
		await page.waitForTimeout(300); // the panel's opening animation
		await screenshot('editor-business-process-node', [`Panel of "Start the approval process" shows: ${labels.join(', ')}`]);
	}, 120_000);
	describe('the setup a newcomer needs: credential, registration, an execution', () => {
		const trigger = registered.nodes.find((node) => node.type === `${PACKAGE_NAME}.bitrix24BizprocTrigger`);
		/** Replaces the sandbox's random values (port, client ID) so that the summary is the same on each run. */
		const placeholders = (text) => text.split(portal.baseUrl).join('<sandbox portal URL>').split(portal.oauth.clientId).join('<sandbox client ID>');

		test('the Bitrix24 OAuth2 API credential, filled in with the sandbox portal\'s values, shows no secret', async () => {
			const credential = credentials.find((c) => c.type === 'bitrix24OAuth2Api');
			const secrets = [credential.data.clientSecret, credential.data.applicationToken, credential.data.oauthTokenData.access_token, credential.data.oauthTokenData.refresh_token];
			expect(secrets.every((secret) => typeof secret === 'string' && secret.length >= 16)).toBe(true);
			await page.goto(`${n8n.baseUrl}/home/credentials/${credential.id}`);
			const dialog = page.getByTestId('credential-edit-dialog');
			await dialog.getByTestId('parameter-input-portalUrl').waitFor({ timeout: 90_000 });
			const summary = [`Credential "${credential.name}" (Bitrix24 OAuth2 API)`];
			for (const name of ['portalUrl', 'clientId', 'clientSecret', 'applicationToken', 'portalPlan']) {
				// n8n wraps each credential field in an element whose test id is the field's name.
				const field = dialog.getByTestId(name);
				const input = field.getByTestId(`parameter-input-${name}`).locator('input').first();
				await expect(input.isVisible()).resolves.toBe(true);
				// The label's first line, without the required mark (the Fixed / Expression switch follows it).
				const label = (await field.locator('label').first().innerText()).split('\n')[0].replace(/\*\s*$/, '').trim();
				const [type, value] = await input.evaluate((element) => [element.type, element.value]);
				if (name === 'clientSecret' || name === 'applicationToken') {
					expect(type).toBe('password'); // shown as dots
					expect(value).not.toBe('');
					summary.push(`- ${label}: (masked)`);
				} else {
					summary.push(`- ${label}: ${placeholders(value)}`);
				}
			}
			const values = Object.fromEntries(summary.slice(1).map((line) => line.slice(2).split(': ')));
			expect(values).toEqual({
				'Portal URL': '<sandbox portal URL>',
				'Client ID': '<sandbox client ID>',
				'Client Secret': '(masked)',
				'Application Token': '(masked)',
				'Portal Plan (Rate Limit)': 'Standard',
			});
			const connected = dialog.getByTestId('oauth-connect-success-banner');
			await expect(connected.isVisible()).resolves.toBe(true);
			summary.push(`Banner: ${(await connected.innerText()).split('\n')[0].trim()}`);
			// No secret anywhere in the page: not in its HTML, its text, nor any field's value.
			const html = await page.content();
			const text = await page.locator('body').innerText();
			const fieldValues = (await page.locator('input, textarea').evaluateAll((elements) => elements.map((element) => element.value))).join('\n');
			for (const secret of secrets) {
				expect([html.includes(secret), text.includes(secret), fieldValues.includes(secret)]).toEqual([false, false, false]);
			}
			// The form scrolls: from Client ID down, every field this test names is in the picture.
			await dialog.getByTestId('clientId').evaluate((element) => element.scrollIntoView({ block: 'start' }));
			await page.waitForTimeout(500); // the dialog's opening animation
			await screenshot('editor-oauth2-credential', summary);
			await page.keyboard.press('Escape');
		}, 120_000);

		test('the Bizproc Trigger\'s panel: the OAuth2 credential, Register As Action, Code, Name, Properties', async () => {
			const labels = builtLabels('Bitrix24BizprocTrigger', ['registerAs', 'activityCode', 'activityName', 'inputProperties']);
			const { ndv, parameters } = await openNodePanel(REGISTERED_ID, trigger.name);
			const item = (name) => parameters.getByTestId('parameter-item').filter({ has: page.getByTestId(`parameter-input-${name}`) }).first();
			const summary = [`Panel of "${trigger.name}" in "${registered.name}"`];
			const credential = ndv.getByTestId('node-credentials-select').locator('input').first();
			await credential.waitFor();
			summary.push(`- Credential: ${await credential.inputValue()}`);
			// n8n 2.x folds the Authentication field into the Credential list (it picks the type with the credential).
			for (const name of ['registerAs', 'activityCode', 'activityName']) {
				await item(name).waitFor();
				await expect(item(name).getByText(labels[name], { exact: true }).first().isVisible()).resolves.toBe(true);
				summary.push(`- ${labels[name]}: ${await parameters.getByTestId(`parameter-input-${name}`).locator('input').first().inputValue()}`);
			}
			const properties = parameters.getByTestId('parameter-item').filter({ has: page.getByText(labels.inputProperties, { exact: true }) }).first();
			await expect(properties.isVisible()).resolves.toBe(true);
			const propertyValues = await properties.locator('input:not([type="checkbox"])').evaluateAll((elements) => elements.map((element) => element.value).filter(Boolean));
			summary.push(`- ${labels.inputProperties}: ${propertyValues.join(', ')}`);
			expect(summary.slice(1)).toEqual([
				'- Credential: Bitrix24 OAuth2',
				'- Register As: Action',
				`- Code: ${trigger.parameters.activityCode}`,
				`- Name: ${trigger.parameters.activityName}`,
				'- Properties: Order, Order, String',
			]);
			await page.waitForTimeout(300);
			await screenshot('editor-trigger-registration', summary);
			await page.keyboard.press('Escape');
		}, 120_000);

		test('a finished execution of the example loop, called by the sandbox portal: the trigger\'s output, the Log and Send Result nodes', async () => {
			const exampleTrigger = EXAMPLE.nodes.find((node) => node.type === `${PACKAGE_NAME}.bitrix24BizprocTrigger`);
			await n8n.setActive(EXAMPLE_ID, true);
			const handlerUrl = await waitForExampleHandler(n8n);
			const run = await portal.startWorkflow({ handlerUrl, code: 'n8n_check_order', properties: { Order: 'ORD-7' }, documentId: ['crm', 'CCrmDocumentDeal', 'DEAL_7'] });
			expect(run.handlerStatus).toBe(200);
			await until(() => portal.workflow(run.workflowId).state === 'completed');
			// The lines the business process log of the sandbox portal holds, and the value sent back.
			const logLines = portal.workflow(run.workflowId).logLines.map((line) => line.message);
			expect(logLines).toEqual(expectedLines(7));
			expect(portal.workflow(run.workflowId).returnValues).toEqual({ result: 'approved' });
			/** @type {any} */
			let execution;
			await until(async () => (execution = (await n8n.readExecutions({ workflowId: EXAMPLE_ID })).find((e) => e.status === 'success')));

			await page.setViewportSize({ width: 1400, height: 1000 }); // room for the logs panel under the canvas
			await page.goto(`${n8n.baseUrl}/workflow/${EXAMPLE_ID}/executions/${execution.id}`);
			const preview = page.getByTestId('execution-preview-host');
			await preview.getByTestId('canvas-node').first().waitFor({ timeout: 60_000 });
			const checklist = page.getByTestId('suggested-actions-close');
			if (await checklist.isVisible()) await checklist.click();
			await preview.getByTestId('logs-overview-header').click();
			await page.waitForTimeout(1000);
			await preview.getByTestId('logs-overview').getByText(exampleTrigger.name, { exact: true }).first().click();
			const output = preview.getByTestId('logs-panel').locator('table th');
			await output.first().waitFor();
			const status = (await page.getByTestId('execution-preview-label').innerText()).trim();
			expect(status).toBe('Succeeded');
			const nodes = await preview.getByTestId('canvas-node').evaluateAll((elements) =>
				elements.map((element) => `${element.getAttribute('data-node-name')}: ${element.querySelector('[data-test-id="canvas-node-status-success"]') ? 'success' : 'NOT success'}`),
			);
			expect(nodes.sort()).toEqual(EXAMPLE.nodes.map((node) => `${node.name}: success`).sort());
			const columns = (await output.allInnerTexts()).map((text) => text.trim()).filter(Boolean);
			expect(columns).toEqual(expect.arrayContaining(['event_token', 'workflow_id', 'code', 'document_id']));
			await page.waitForTimeout(500);
			await screenshot('editor-execution', [
				`Execution of "${EXAMPLE.name}": ${status}`,
				...nodes.map((node) => `- ${node}`),
				`Output of "${exampleTrigger.name}" in the logs panel, columns: ${columns.join(', ')}`,
				'Lines in the sandbox portal\'s business process log:',
				...logLines.map((line) => `- ${line.replace(/\n/g, ' / ')}`),
			]);
			await page.setViewportSize({ width: 1400, height: 900 });
		}, 180_000);
	});
});
