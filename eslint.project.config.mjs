// `npm run lint`: n8n's own configuration (eslint.config.mjs, which must stay n8n-node's default for
// n8n Cloud: `npx n8n-node cloud-support`), plus the one rule of eslint-plugin-n8n-nodes-base's node set
// that n8n-node's configuration turns off and we keep.
import { config } from '@n8n/node-cli/eslint';

export default [
	...config,
	{
		files: ['nodes/**/*.ts'],
		rules: { 'n8n-nodes-base/node-param-type-options-max-value-present': 'error' },
	},
];
