/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code: it runs in Jest, not inside n8n, and needs timers and __dirname, Node built-ins and n8n internals */
/** The package as n8n and npm see it: metadata, the `n8n` section, and index.js pointing at the same files. */
import { existsSync, readFileSync } from 'fs';
import path from 'path';

const root = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const sourceOf = (distFile: string) => path.join(root, distFile.replace(/^dist\//, '').replace(/\.js$/, '.ts'));

test('community-package metadata: MIT, keyword, files, peer n8n-workflow, no runtime dependencies, no install scripts', () => {
	expect(manifest).toMatchObject({ name: 'n8n-nodes-bitrix24-bizproc', license: 'MIT', files: ['dist', 'CHANGELOG.md'], peerDependencies: { 'n8n-workflow': '*' } });
	expect(manifest.keywords).toContain('n8n-community-node-package');
	expect(manifest.dependencies ?? {}).toEqual({});
	for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(manifest.scripts[hook]).toBeUndefined();
	expect(manifest.devDependencies['n8n-workflow']).toBe('2.41.0');
	expect(manifest.devDependencies['n8n-core']).toBe('2.41.1');
});

test('every node and credential listed for n8n has its source, icons and (nodes) codex file', () => {
	const listed = [...manifest.n8n.nodes, ...manifest.n8n.credentials];
	expect(manifest.n8n.nodes).toHaveLength(4);
	expect(manifest.n8n.credentials).toHaveLength(2);
	for (const file of listed) {
		const source = sourceOf(file);
		expect(existsSync(source)).toBe(true);
		expect(existsSync(path.join(path.dirname(source), 'bitrix24.svg'))).toBe(true);
		expect(existsSync(path.join(path.dirname(source), 'bitrix24.dark.svg'))).toBe(true);
	}
	for (const file of manifest.n8n.nodes) expect(existsSync(sourceOf(file).replace(/\.ts$/, '.json'))).toBe(true);
});

test('index.js exports exactly the classes listed for n8n', () => {
	const index = readFileSync(path.join(root, 'index.js'), 'utf8');
	const required = [...index.matchAll(/require\('\.\/(dist\/[^']+)'\)/g)].map((match) => `${match[1]}.js`).sort();
	expect(required).toEqual([...manifest.n8n.nodes, ...manifest.n8n.credentials].sort());
});

test('the action nodes are usable as tools by an AI agent; the trigger is not', () => {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const load = (folder: string, name: string) => new (require(path.join(root, 'nodes', folder, `${name}.node.ts`))[name])();
	for (const name of ['Bitrix24Bizproc', 'Bitrix24BizprocLog', 'Bitrix24BizprocSendResult']) expect(load(name, name).description.usableAsTool).toBe(true);
	expect(load('Bitrix24BizprocTrigger', 'Bitrix24BizprocTrigger').description.usableAsTool).toBeUndefined();
});
