/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code: it runs in Jest, not inside n8n, and reads the repository's files with Node built-ins from __dirname */
/**
 * The Markdown files a user or a maintainer reads: every relative link and image resolves to a file of
 * the repository, every `#anchor` into a Markdown file names one of its headings (GitHub's slugs), and
 * README.md opens with the two commands (the demo and the tests).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const DOCS = [
	'README.md',
	'CONTRIBUTING.md',
	'RELEASING.md',
	'CHANGELOG.md',
	...readdirSync(join(ROOT, 'docs'))
		.filter((name) => name.endsWith('.md'))
		.map((name) => `docs/${name}`),
];

/** The text outside fenced code blocks and inline code, where a link is a link. */
function proseOf(markdown: string): string {
	return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, each space a hyphen; repeats get -1, -2, … */
function anchorsOf(markdown: string): Set<string> {
	const anchors = new Set<string>();
	const seen = new Map<string, number>();
	const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
	for (const [, heading] of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
		const text = heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
		const slug = text
			.toLowerCase()
			.replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
			.replace(/ /g, '-');
		const count = seen.get(slug) ?? 0;
		seen.set(slug, count + 1);
		anchors.add(count === 0 ? slug : `${slug}-${count}`);
	}
	return anchors;
}

/** Every link and image target of a file: inline `[text](target)`, `![alt](target)` and `[name]: target`. */
function targetsOf(markdown: string): string[] {
	const prose = proseOf(markdown);
	const inline = [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]);
	const references = [...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((match) => match[1]);
	return [...inline, ...references];
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** What is wrong with the local links of `file` (a path from the repository's root), one line per link. */
function brokenLinksOf(file: string, markdown: string): string[] {
	const broken: string[] = [];
	for (const target of targetsOf(markdown).filter((link) => !isExternal(link))) {
		const [rawPath, anchor] = target.split('#') as [string, string | undefined];
		const path = decodeURIComponent(rawPath);
		const linked = path === '' ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), path);
		if (!linked.startsWith(ROOT) || !existsSync(linked)) {
			broken.push(`${target}: no such file`);
			continue;
		}
		if (anchor === undefined) continue;
		if (!linked.endsWith('.md') || statSync(linked).isDirectory()) {
			broken.push(`${target}: an anchor into a file that is not Markdown`);
			continue;
		}
		if (!anchorsOf(path === '' ? markdown : readFileSync(linked, 'utf8')).has(decodeURIComponent(anchor))) {
			broken.push(`${target}: no heading "#${anchor}" in ${relative(ROOT, linked)}`);
		}
	}
	return broken;
}

describe.each(DOCS)('%s', (file) => {
	it('every relative link and image resolves to a file, and every #anchor to a heading', () => {
		expect(brokenLinksOf(file, readFileSync(join(ROOT, file), 'utf8'))).toEqual([]);
	});
});

describe('the link check', () => {
	it('reads the README\'s links and images, and none inside code', () => {
		const targets = targetsOf(readFileSync(join(ROOT, 'README.md'), 'utf8')).filter((link) => !isExternal(link));
		expect(targets).toEqual(expect.arrayContaining(['docs/editor-oauth2-credential.png', 'CHANGELOG.md', '#installation', 'docs/queue-mode.md']));
		expect(targetsOf('`[not](a-link.md)`\n```\n[nor](this.md)\n```\n[yes](that.md "title")\n[ref]: there.md')).toEqual(['that.md', 'there.md']);
	});

	it('finds a missing file, a missing heading and an anchor into a file that is not Markdown', () => {
		const markdown = [
			'# Title',
			'[ok](#title) [ok](docs/architecture.md#decisions) ![ok](docs/editor-execution.png) [ok](https://example.com/x.md)',
			'[gone](docs/no-such-file.md) [no heading](#no-such-heading) [no heading](CONTRIBUTING.md#nowhere) [not md](package.json#name)',
		].join('\n');
		expect(brokenLinksOf('README.md', markdown)).toEqual([
			'docs/no-such-file.md: no such file',
			'#no-such-heading: no heading "#no-such-heading" in README.md',
			'CONTRIBUTING.md#nowhere: no heading "#nowhere" in CONTRIBUTING.md',
			'package.json#name: an anchor into a file that is not Markdown',
		]);
	});
});

describe('GitHub heading anchors', () => {
	it('are made the way GitHub makes them', () => {
		const anchors = anchorsOf(
			[
				'# n8n-nodes-bitrix24-bizproc',
				'## The loop: Trigger → Log → Send Result',
				"### Registration over the workflow's life (OAuth2)",
				'## `npm run bench`: B1 *overhead*',
				'## Usage',
				'## Usage',
				'```sh',
				'# not a heading',
				'```',
			].join('\n'),
		);
		expect([...anchors]).toEqual([
			'n8n-nodes-bitrix24-bizproc',
			'the-loop-trigger--log--send-result',
			'registration-over-the-workflows-life-oauth2',
			'npm-run-bench-b1-overhead',
			'usage',
			'usage-1',
		]);
	});
});

describe('README.md', () => {
	it('starts with the two commands: the demo, then the tests', () => {
		const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
		expect(lines[0]).toBe('# n8n-nodes-bitrix24-bizproc');
		const block = lines.slice(1, 7).filter((line) => line.trim() !== '');
		expect(block[0]).toBe('```sh');
		expect(block[1]).toMatch(/^npm ci && npm run demo {3}# /);
		expect(block[2]).toMatch(/^npm ci && npm test {7}# /);
		expect(block[3]).toBe('```');
	});
});
