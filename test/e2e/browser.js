// @ts-check
'use strict';
/**
 * Headless Chromium for the editor tests: Debian's `chromium` driven by playwright-core (browsers are
 * never downloaded). A fresh profile per launch, no network beyond what the page asks for, and
 * everything closed and removed by `close()`, bounded in time.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const INSTALL_HINT = 'Install Debian\'s Chromium: `apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH to a Chromium binary). `npx playwright install` is not used here.';

const ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--disable-dev-shm-usage',
];

/** Throws (never skips) when Chromium is not there, saying how to install it. */
function assertChromium() {
	try {
		fs.accessSync(CHROMIUM, fs.constants.X_OK);
	} catch {
		throw new Error(`Chromium not found at ${CHROMIUM}. ${INSTALL_HINT}`);
	}
}

/**
 * Launches Chromium with a fresh profile and opens one page.
 * @param {{ viewport?: { width: number, height: number }, timeoutMs?: number }} [options]
 */
async function launchBrowser({ viewport = { width: 1400, height: 900 }, timeoutMs = 30_000 } = {}) {
	assertChromium();
	const { chromium, selectors } = require('playwright-core');
	selectors.setTestIdAttribute('data-test-id'); // n8n's attribute, as its own Playwright tests use
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'b24-chromium-'));
	let context;
	try {
		context = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM,
			headless: true,
			args: ARGS,
			viewport,
			deviceScaleFactor: 1,
			timeout: 60_000,
			colorScheme: 'light',
			locale: 'en-US',
		});
	} catch (error) {
		fs.rmSync(profile, { recursive: true, force: true });
		throw new Error(`Chromium at ${CHROMIUM} did not start: ${/** @type {Error} */ (error).message}\n${INSTALL_HINT}`);
	}
	context.setDefaultTimeout(timeoutMs);
	context.setDefaultNavigationTimeout(60_000);
	const page = context.pages()[0] ?? (await context.newPage());
	const consoleErrors = [];
	page.on('console', (message) => {
		if (message.type() === 'error') consoleErrors.push(message.text());
	});
	page.on('pageerror', (error) => consoleErrors.push(error.message));

	let closed = false;
	/** Closes the browser (waits at most 15 s; playwright-core also kills it when this process exits) and removes its profile. */
	async function close() {
		if (closed) return;
		closed = true;
		await Promise.race([context.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
		fs.rmSync(profile, { recursive: true, force: true });
	}

	return { context, page, consoleErrors, close };
}

/** Puts `name=value` session cookie (as `fetch` got it from n8n) into the browser for `baseUrl`. */
async function addSessionCookie(context, baseUrl, cookie) {
	const separator = cookie.indexOf('=');
	if (separator <= 0) throw new Error(`not a cookie: ${cookie}`);
	await context.addCookies([{ name: cookie.slice(0, separator), value: cookie.slice(separator + 1), url: baseUrl, httpOnly: true, sameSite: 'Lax' }]);
}

module.exports = { launchBrowser, addSessionCookie, assertChromium, CHROMIUM, INSTALL_HINT };
