// @ts-check
'use strict';

const crypto = require('node:crypto');

/**
 * Event tokens as the portal makes them: `{workflowId}|{activityName}|{eventId}.{signature}`, the
 * signature being HMAC-SHA256 (hex) over the first part, keyed with a secret only the portal knows.
 * @param {string} secret
 */
function createEventTokenSigner(secret) {
	const sign = (/** @type {string} */ payload) => crypto.createHmac('sha256', secret).update(payload, 'utf8').digest('hex');

	return {
		/** @param {{ workflowId: string, activityName: string, eventId: string }} parts */
		issue({ workflowId, activityName, eventId }) {
			const payload = `${workflowId}|${activityName}|${eventId}`;
			return `${payload}.${sign(payload)}`;
		},

		/**
		 * The token's parts if the signature is ours, otherwise null (forged, malformed, not a string).
		 * @param {unknown} token
		 */
		verify(token) {
			if (typeof token !== 'string') return null;
			const dot = token.lastIndexOf('.');
			const payload = token.slice(0, dot);
			const signature = token.slice(dot + 1);
			if (dot < 0 || !/^[0-9a-f]{64}$/.test(signature)) return null;
			const expected = Buffer.from(sign(payload), 'hex');
			if (!crypto.timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return null;
			const parts = payload.split('|');
			if (parts.length !== 3) return null;
			const [workflowId, activityName, eventId] = parts;
			return { workflowId, activityName, eventId };
		},
	};
}

module.exports = { createEventTokenSigner };
