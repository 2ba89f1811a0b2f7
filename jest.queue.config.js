/** Queue-mode tests: real n8n (main, webhook processor, workers) on Postgres and Redis, against the sandbox portal. */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.queue.test.js'],
	testTimeout: 20 * 60 * 1000,
	maxWorkers: 1,
};
