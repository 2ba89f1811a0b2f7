/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code: it runs in Jest, not inside n8n, and needs Node built-ins and n8n internals */
/**
 * What n8n's AI Workflow Builder reads from the built package: each node's builderHint (what it is for,
 * which of our nodes it works with) and the codex aliases people search by.
 */
import { readFileSync } from 'fs';
import path from 'path';
import type { INodeType } from 'n8n-workflow';

import { ensureBuilt, packageRoot } from './builtPackage';

const manifest = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8'));

function builtNodes(): Array<{ file: string; node: INodeType; codex: { alias?: string[] } }> {
	ensureBuilt();
	return (manifest.n8n.nodes as string[]).map((file) => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports -- the built CommonJS file, loaded as n8n loads it
		const module = require(path.join(packageRoot, file)) as Record<string, new () => INodeType>;
		const [NodeClass] = Object.values(module);
		const codex = JSON.parse(readFileSync(path.join(packageRoot, file.replace(/\.js$/, '.json')), 'utf8'));
		return { file, node: new NodeClass(), codex };
	});
}

test('every built node has a builderHint whose related nodes are nodes of this package, both ways', () => {
	const nodes = builtNodes();
	const typeOf = (node: INodeType) => `${manifest.name}.${node.description.name}`;
	const types = new Set(nodes.map(({ node }) => typeOf(node)));
	for (const { node } of nodes) {
		const hint = node.description.builderHint;
		expect(hint?.searchHint?.length).toBeGreaterThan(80);
		// The nodes of the loop (a process calls n8n) name what ties them together: the event token.
		if (node.description.name !== 'bitrix24Bizproc') expect(hint?.searchHint).toMatch(/event_token/);
		const related = hint?.relatedNodes ?? [];
		expect(related.length).toBeGreaterThan(0);
		for (const { nodeType, relationHint } of related) {
			expect(types).toContain(nodeType);
			expect(nodeType).not.toBe(typeOf(node));
			expect(relationHint.length).toBeGreaterThan(10);
			const other = nodes.find(({ node: candidate }) => typeOf(candidate) === nodeType)!.node;
			expect(other.description.builderHint?.relatedNodes?.map((entry) => entry.nodeType)).toContain(typeOf(node));
		}
	}
});

test('every built node can be found as bitrix, bizproc, robot and business process', () => {
	for (const { codex } of builtNodes()) expect(codex.alias).toEqual(expect.arrayContaining(['bitrix', 'bizproc', 'robot', 'business process']));
});
