/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code: it runs in Jest, not inside n8n, and needs Node built-ins and n8n internals */
/**
 * The release path: the GitHub workflows are valid YAML with the jobs RELEASING.md describes, and
 * the tarball holds exactly what a user's n8n needs.
 */
import { readFileSync } from 'fs';
import path from 'path';
import { parse } from 'yaml';

import { packageRoot, tarballFiles } from './builtPackage';

interface Step {
	name?: string;
	run?: string;
	uses?: string;
	with?: Record<string, unknown>;
	env?: Record<string, unknown>;
}
interface Workflow {
	on: Record<string, unknown>;
	permissions?: Record<string, string>;
	jobs: Record<string, { permissions?: Record<string, string>; steps: Step[]; container?: string; 'timeout-minutes'?: number }>;
}

const workflow = (name: string) => parse(readFileSync(path.join(packageRoot, '.github', 'workflows', name), 'utf8'), { strict: true, uniqueKeys: true }) as Workflow;
const runs = (steps: Step[]) => steps.map((step) => step.run ?? '').join('\n');

test('ci.yml runs .ci/run on pull requests and pushes to main, within the 90 minutes CI allows', () => {
	const ci = workflow('ci.yml');
	expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
	expect(ci.on.push).toEqual({ branches: ['main'] });
	const [job] = Object.values(ci.jobs);
	expect(job['timeout-minutes']).toBeLessThanOrEqual(90);
	expect(job.steps.some((step) => step.uses?.startsWith('actions/checkout@'))).toBe(true);
	expect(runs(job.steps)).toMatch(/^bash \.ci\/run$/m);
});

test('publish.yml publishes a version tag with npm provenance after lint, build and test', () => {
	const publish = workflow('publish.yml');
	expect(publish.on).toEqual({ push: { tags: ['v*.*.*'] } });
	const [job] = Object.values(publish.jobs);
	expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
	const commands = runs(job.steps);
	const order = ['npm ci', 'npm run lint', 'npm run lint:n8n', 'npm run build', 'npm test', 'npm publish --provenance'].map((command) => commands.indexOf(command));
	expect(order.every((index) => index >= 0)).toBe(true);
	expect([...order].sort((a, b) => a - b)).toEqual(order);
});

test('.ci/run checks the tarball with npm publish --dry-run and runs n8n-node lint', () => {
	const ciRun = readFileSync(path.join(packageRoot, '.ci', 'run'), 'utf8');
	expect(ciRun).toMatch(/^npm publish --dry-run/m);
	expect(ciRun).toMatch(/^npm run lint:n8n$/m);
});

test('eslint.config.mjs is n8n-node\'s default, so `n8n-node cloud-support` says eligible; strict mode is on', () => {
	const normalized = readFileSync(path.join(packageRoot, 'eslint.config.mjs'), 'utf8').replace(/\s+/g, ' ').trim();
	expect(normalized).toBe("import { config } from '@n8n/node-cli/eslint'; export default config;");
	expect(JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')).n8n.strict).toBe(true);
});

// index.js is the package's `main` (it requires the listed classes from dist/), and npm always packs
// the main file: the one file beyond the five the listing asks for.
test('the tarball holds exactly dist/, README.md, LICENSE, CHANGELOG.md, package.json and its main index.js', () => {
	const files = tarballFiles();
	const outsideDist = files.filter((file) => !file.startsWith('dist/'));
	expect(outsideDist).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'index.js', 'package.json']);
	const manifest = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8'));
	for (const file of [...manifest.n8n.nodes, ...manifest.n8n.credentials]) expect(files).toContain(file);
	expect(files.filter((file) => /\.test\.|\.map$|\.ts$/.test(file) && !file.endsWith('.d.ts'))).toEqual([]);
}, 300_000);
