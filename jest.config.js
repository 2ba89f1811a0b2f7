/** Unit, engine and sandbox tests. Real-n8n tests (*.e2e.test.*, *.queue.test.*) have their own configs. */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test', '<rootDir>/sandbox', '<rootDir>/nodes', '<rootDir>/credentials'],
	testMatch: ['**/*.test.ts', '**/*.test.js'],
	testPathIgnorePatterns: ['/node_modules/', '\\.e2e\\.test\\.', '\\.queue\\.test\\.'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
	setupFiles: ['<rootDir>/test/jest.setup.js'],
	testTimeout: 30000,
};
