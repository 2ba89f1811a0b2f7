// @ts-check
'use strict';

const { portalDate } = require('./timing');

/**
 * Methods every portal has without a scope; handy as a credential test (`profile`, `scope`).
 * @param {{ adminUserIds: number[] }} settings
 */
function createBasicMethods({ adminUserIds }) {
	/** @typedef {{ auth: { userId: number, scopes: string[] } }} Context */
	return {
		profile: {
			scope: null,
			run: (/** @type {Context} */ { auth }) => ({
				ID: String(auth.userId),
				ADMIN: adminUserIds.includes(auth.userId),
				NAME: 'Sandbox',
				LAST_NAME: `User ${auth.userId}`,
				PERSONAL_GENDER: '',
				TIME_ZONE: '',
				TIME_ZONE_OFFSET: 0,
			}),
		},
		scope: { scope: null, run: (/** @type {Context} */ { auth }) => [...auth.scopes] },
		'user.admin': { scope: null, run: (/** @type {Context} */ { auth }) => adminUserIds.includes(auth.userId) },
		'server.time': { scope: null, run: () => portalDate(Date.now()) },
	};
}

module.exports = { createBasicMethods };
