// `npm run lint`: n8n's own configuration (eslint.config.mjs, which must stay n8n-node's default for
// n8n Cloud: `npx n8n-node cloud-support`), plus the one rule of eslint-plugin-n8n-nodes-base's node set
// that n8n-node's configuration turns off and we keep, plus ESLint's recommended rules for the
// JavaScript around the package (sandbox, harness, real-n8n tests, benchmarks, scripts), which n8n's
// configuration does not look at.
import js from '@eslint/js';
import { config } from '@n8n/node-cli/eslint';
import globals from 'globals';

export default [
	...config,
	{
		files: ['nodes/**/*.ts'],
		rules: { 'n8n-nodes-base/node-param-type-options-max-value-present': 'error' },
	},
	{
		files: ['**/*.js', '**/*.mjs'],
		...js.configs.recommended,
		languageOptions: {
			ecmaVersion: 2022,
			sourceType: 'commonjs',
			globals: { ...globals.node },
		},
		rules: {
			...js.configs.recommended.rules,
			'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
		},
	},
	{ files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
	// These match control characters on purpose: n8n's coloured log lines (ANSI escapes) and what PHP's
	// parse_url and json_decode do with raw control characters. Off here, not inline, because
	// `npm run lint:n8n` (n8n's own configuration) reports inline directives for rules it does not run.
	{ files: ['bench/burst.js', 'sandbox/phpJson.js', 'sandbox/phpUrl.js'], rules: { 'no-control-regex': 'off' } },
	{ files: ['**/*.test.js', 'test/**/*.js', 'sandbox/test/**/*.js'], languageOptions: { globals: { ...globals.node, ...globals.jest } } },
];
