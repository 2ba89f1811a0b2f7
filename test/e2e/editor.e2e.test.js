/**
 * The package in the n8n editor, in a real browser: a real n8n 2.x with our packed package installed the
 * way n8n installs community packages, the README's example workflow imported, and Debian's Chromium
 * (headless, driven by playwright-core) looking at the node search, the node icons, the canvas and the
 * Log node's panel. Writes the README's screenshots to docs/ (or to E2E_SCREENSHOT_DIR).
 */
const fs = require('node:fs');
const path = require('node:path');

const { startSandbox } = require('../sandbox');
const { fixture } = require('./fixtures');
const { launchBrowser, addSessionCookie, assertChromium } = require('./browser');
const { createN8nInstance, packPackage, PACKAGE_NAME, REPO } = require('./n8n-harness');

const LINES = (process.env.N8N_E2E_LINES || '2,1').split(',');
const SCREENSHOTS = process.env.E2E_SCREENSHOT_DIR || path.join(REPO, 'docs');
const EXAMPLE_FILE = path.join(REPO, 'examples', 'bitrix24-bizproc-loop.workflow.json');
const EXAMPLE_ID = 'e2eEditorExample';
const STARTER_ID = 'e2eEditorStarter';
const LOG_TYPE = `${PACKAGE_NAME}.bitrix24BizprocLog`;
const LOG_DISPLAY_NAME = 'Bitrix24 Bizproc Log';

/** The Log node's fields as the package defines them (the compiled node, `npm run build` first). */
function logNodeFields() {
	const { Bitrix24BizprocLog } = require(path.join(REPO, 'dist', 'nodes', 'Bitrix24BizprocLog', 'Bitrix24BizprocLog.node.js'));
	const { description } = new Bitrix24BizprocLog();
	const field = (name) => {
		const property = description.properties.find((p) => p.name === name);
		if (!property?.hint) throw new Error(`the Log node has no ${name} field with a hint`);
		return { name, label: property.displayName, hint: property.hint, default: property.default };
	};
	return { displayName: description.displayName, eventToken: field('eventToken'), logMessage: field('logMessage') };
}

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

const describeOn2x = LINES.includes('2') ? describe : describe.skip;

describeOn2x('the n8n 2.x editor in headless Chromium', () => {
	const fields = logNodeFields();
	const example = JSON.parse(fs.readFileSync(EXAMPLE_FILE, 'utf8'));
	let tarball;
	let portal;
	let n8n;
	let browser;
	let page;

	beforeAll(async () => {
		assertChromium(); // fails (never skips) with how to install it
		fs.mkdirSync(SCREENSHOTS, { recursive: true });
		portal = await startSandbox({ rateLimit: false, maxLifetimeMs: 20 * 60 * 1000 });
		tarball = packPackage();
		n8n = await createN8nInstance({ line: '2', tarball, maxLifetimeMs: 20 * 60 * 1000 });
		const credentials = credentialsFor(example, portal);
		if (credentials.length > 0) await n8n.importCredentials(credentials);
		await n8n.importWorkflow({ ...example, id: EXAMPLE_ID, active: false });
		const hook = credentials.find((credential) => credential.type === 'bitrix24WebhookApi');
		await n8n.importWorkflow(
			fixture('start-process.workflow.json', { __WORKFLOW_ID__: STARTER_ID, __AUTHENTICATION__: 'webhook', __CREDENTIAL_TYPE__: hook.type, __CREDENTIAL_ID__: hook.id }),
		);
		await n8n.start();
		await n8n.login();
		browser = await launchBrowser({ viewport: { width: 1400, height: 900 } });
		page = browser.page;
		await addSessionCookie(browser.context, n8n.baseUrl, n8n.cookie);
	}, 10 * 60 * 1000);

	afterAll(async () => {
		await browser?.close();
		await n8n?.dispose();
		await portal?.close();
		if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
	}, 60 * 1000);

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
		await page.getByTestId('canvas-wrapper').waitFor();
		expect(new URL(page.url()).pathname).not.toMatch(/signin|setup/);
		await dismissInterruptions();
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
		await page.waitForTimeout(300); // the panel's slide-in animation
		await page.screenshot({ path: path.join(SCREENSHOTS, 'editor-node-search.png') });
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
		expect(shown.sort()).toEqual(example.nodes.map((node) => node.name).sort());
		for (const node of example.nodes.filter((n) => n.type.startsWith(`${PACKAGE_NAME}.`))) {
			const icons = await loadedImages(page.locator(`[data-test-id="canvas-node"][data-node-name="${node.name}"] img`));
			expect(icons).toEqual([{ src: expect.stringMatching(/\/bitrix24(\.dark)?\.svg$/), loaded: true }]);
		}
		await page.waitForTimeout(500); // zoom-to-fit animates
		await page.screenshot({ path: path.join(SCREENSHOTS, 'editor-workflow.png') });
	}, 120_000);

	test('the Log node\'s panel shows Event Token and Log Message with their hints', async () => {
		const logNodes = example.nodes.filter((node) => node.type === LOG_TYPE);
		expect(logNodes.length).toBeGreaterThan(0);
		// n8n shows a field's hint only while the field holds a fixed value (an expression gets its preview
		// instead), so the panel shown is the Log node with a fixed message when the example has one.
		const logNode = logNodes.find((node) => !isExpression(node.parameters.logMessage)) ?? logNodes[0];
		await openEditor(`/workflow/${EXAMPLE_ID}`);
		await page.locator(`[data-test-id="canvas-node"][data-node-name="${logNode.name}"]`).dblclick();
		const ndv = page.getByTestId('ndv');
		await ndv.waitFor();
		const parameters = ndv.getByTestId('node-parameters');
		await parameters.waitFor();

		const item = (field) => parameters.getByTestId('parameter-item').filter({ has: page.getByTestId(`parameter-input-${field.name}`) });
		const hint = (field) => item(field).getByText(field.hint, { exact: true });
		const values = { eventToken: logNode.parameters.eventToken ?? fields.eventToken.default, logMessage: logNode.parameters.logMessage };
		for (const field of [fields.eventToken, fields.logMessage]) {
			await item(field).waitFor();
			await expect(item(field).getByText(field.label, { exact: true }).isVisible()).resolves.toBe(true);
			await expect(hint(field).isVisible()).resolves.toBe(!isExpression(values[field.name]));
		}
		await page.waitForTimeout(300); // the panel's opening animation
		await page.screenshot({ path: path.join(SCREENSHOTS, 'editor-log-node.png') });

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
		await openEditor(`/workflow/${STARTER_ID}`);
		await page.locator('[data-test-id="canvas-node"][data-node-name="Start the approval process"]').dblclick();
		const ndv = page.getByTestId('ndv');
		await ndv.waitFor();
		const parameters = ndv.getByTestId('node-parameters');
		await parameters.waitFor();
		for (const label of ['Resource', 'Operation', 'Template', 'Document Type', 'Record ID', 'Parameters']) {
			await expect(parameters.getByText(label, { exact: true }).first().isVisible()).resolves.toBe(true);
		}
		await page.waitForTimeout(300); // the panel's opening animation
		await page.screenshot({ path: path.join(SCREENSHOTS, 'editor-business-process-node.png') });
	}, 120_000);
});
