// The same rules the n8n community-package scanner applies (eslint-plugin-n8n-nodes-base's
// community, credentials and nodes sets plus @n8n/eslint-plugin-community-nodes), so that
// `npm run lint` at zero warnings means the scanner is clean too.
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

export default [
	{ ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/**', 'scripts/**', 'bench/**', 'examples/**', 'docs/**', '*.js', '*.mjs', 'package-lock.json'] },
	n8nCommunityNodesPlugin.configs.recommended,
	{ rules: { 'no-console': 'error' } },
	{ plugins: { 'n8n-nodes-base': n8nNodesBase } },
	{ files: ['package.json'], languageOptions: { parser: tseslint.parser }, rules: { ...n8nNodesBase.configs.community.rules } },
	{
		files: ['credentials/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// The scanner turns these two off for community nodes; so do we, to lint the same way.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// As in the scanner: inputs/outputs use NodeConnectionTypes instead of the string "main".
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
		},
	},
	{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
	{ files: ['**/*.json'], languageOptions: { parser: tseslint.parser } },
];
