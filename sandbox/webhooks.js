// @ts-check
'use strict';

const { randomHex } = require('./ids');

/** Incoming webhooks: /rest/{userId}/{code}/ with their scopes. */
function createWebhookStore() {
	/** @type {Map<string, { userId: number, scopes: string[] }>} */
	const byCode = new Map();

	return {
		/** @param {{ userId?: number, scopes?: string[] }} [options] */
		create({ userId = 1, scopes = ['bizproc'] } = {}) {
			const code = randomHex(8);
			byCode.set(code, { userId, scopes: [...scopes] });
			return { code, userId };
		},
		revoke(/** @type {string} */ code) {
			byCode.delete(code);
		},
		/** The webhook if this user owns this code, else undefined. */
		find(/** @type {number} */ userId, /** @type {string} */ code) {
			const hook = byCode.get(code);
			return hook && hook.userId === userId ? hook : undefined;
		},
	};
}

module.exports = { createWebhookStore };
