// @ts-check
'use strict';
/**
 * What the editor test (editor.e2e.test.js) checks its pages against: the built nodes' own fields,
 * and the pictures in docs/ with their text summaries.
 *
 * Each screenshot comes with a text summary of what the page shows (labels, values, node names and
 * statuses, log lines; the sandbox's random port and client ID replaced by placeholders), written as
 * docs/editor-*.txt next to docs/editor-*.png. Pixels are not compared (fonts, antialiasing and
 * timing differ between machines): the summary is.
 * - A normal run writes the pictures and summaries to a temp dir (or E2E_SCREENSHOT_DIR) and fails
 *   when a summary differs from the one in docs/ (or docs/ lacks the picture), naming UPDATE_COMMAND.
 * - UPDATE_COMMAND (E2E_UPDATE_SCREENSHOTS=1) rewrites docs/editor-*.png and docs/editor-*.txt;
 *   commit both.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { REPO } = require('../../harness/n8n-harness');

const DOCS = path.join(REPO, 'docs');
const UPDATE_COMMAND = 'E2E_UPDATE_SCREENSHOTS=1 npx jest -c jest.e2e.config.js test/e2e/editor.e2e.test.js';

/**
 * The description of a built node (`npm run build` first), and its property `name` (throws naming
 * the node when it has none).
 * @param {string} nodeDir e.g. 'Bitrix24BizprocLog'
 */
function builtNode(nodeDir) {
	const module = require(path.join(REPO, 'dist', 'nodes', nodeDir, `${nodeDir}.node.js`));
	const { description } = new module[nodeDir]();
	const property = (name) => {
		const found = description.properties.find((p) => p.name === name);
		if (!found) throw new Error(`${nodeDir} has no ${name} field`);
		return found;
	};
	return { description, property };
}

/** The Log node's fields with their hints, as the package defines them. */
function logNodeFields() {
	const { description, property } = builtNode('Bitrix24BizprocLog');
	const field = (name) => {
		const { displayName, hint, default: defaultValue } = property(name);
		if (!hint) throw new Error(`the Log node has no ${name} field with a hint`);
		return { name, label: displayName, hint, default: defaultValue };
	};
	return { displayName: description.displayName, eventToken: field('eventToken'), logMessage: field('logMessage') };
}

/** The label (displayName) of each named property of a built node. */
function builtLabels(nodeDir, names) {
	const { property } = builtNode(nodeDir);
	return Object.fromEntries(names.map((name) => [name, property(name).displayName]));
}

/**
 * The screenshots of one run: `take(page, name, summaryLines)` takes `name`.png with its summary
 * `name`.txt and checks both against docs/ (or rewrites docs/ with E2E_UPDATE_SCREENSHOTS=1);
 * `cleanUp()` removes this run's temp dir unless a picture was out of step (kept for a look).
 */
function editorScreenshots() {
	const update = process.env.E2E_UPDATE_SCREENSHOTS === '1';
	const dir = update ? DOCS : process.env.E2E_SCREENSHOT_DIR || fs.mkdtempSync(path.join(os.tmpdir(), 'b24-editor-screenshots-'));
	fs.mkdirSync(dir, { recursive: true });
	let outOfStep = false;
	/** @param {import('playwright-core').Page} page @param {string} name @param {string[]} summaryLines */
	const take = async (page, name, summaryLines) => {
		const summary = `${summaryLines.join('\n')}\n`;
		await page.screenshot({ path: path.join(dir, `${name}.png`) });
		fs.writeFileSync(path.join(dir, `${name}.txt`), summary);
		if (update) return;
		const docsSummary = path.join(DOCS, `${name}.txt`);
		const inDocs = fs.existsSync(docsSummary) ? fs.readFileSync(docsSummary, 'utf8') : undefined;
		if (inDocs === summary && fs.existsSync(path.join(DOCS, `${name}.png`))) return;
		outOfStep = true;
		throw new Error(
			`docs/${name}.png is out of step with the editor: ` +
				(inDocs === undefined ? `docs/${name}.txt is missing` : `docs/${name}.txt says\n${inDocs}\nthe editor shows now\n${summary}`) +
				`\n(this run's picture: ${path.join(dir, `${name}.png`)}). If the change is intended, run\n  ${UPDATE_COMMAND}\nand commit docs/.`,
		);
	};
	const cleanUp = () => {
		if (!update && !process.env.E2E_SCREENSHOT_DIR && !outOfStep) fs.rmSync(dir, { recursive: true, force: true });
	};
	return { take, cleanUp };
}

module.exports = { logNodeFields, builtLabels, editorScreenshots };
