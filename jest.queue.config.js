/** Queue-mode tests: real n8n (main, webhook processor, workers) on Postgres and Redis, against the sandbox portal; the rest as jest.e2e.config.js. */
module.exports = { ...require('./jest.e2e.config'), testMatch: ['**/*.queue.test.js'] };
