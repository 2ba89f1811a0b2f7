/** Real-n8n tests: n8n installed from the npm registry (cached), our packed tarball, the sandbox portal. */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.test.js'],
	testTimeout: 20 * 60 * 1000,
	maxWorkers: 1,
};
