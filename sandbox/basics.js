// @ts-check
'use strict';

const { portalDate } = require('./timing');
const { errors } = require('./errors');

/**
 * Methods every portal has without a scope; handy as a credential test (`profile`, `scope`). The
 * `app.*` methods need an application's token (a webhook gets "Application context required"):
 * `app.info` tells which application a token belongs to; `app.option.get/set` keep each
 * application's settings on the portal (set: administrators only; a JSON value keeps its type; there
 * is no delete, a key set to "" stays).
 * @param {{ adminUserIds: number[], applications: Record<'this' | 'other', { ID: number, CODE: string }> }} settings
 */
function createBasicMethods({ adminUserIds, applications }) {
	/** @typedef {{ params: Record<string, any>, auth: { kind: string, userId: number, scopes: string[], application?: 'this' | 'other' } }} Context */
	/** @type {Map<string, Map<string, unknown>>} */
	const optionsByApplication = new Map();
	const applicationOf = (/** @type {Context['auth']} */ auth) => {
		if (auth.kind !== 'oauth' || !auth.application) throw errors.applicationContextRequired();
		return auth.application;
	};
	const optionsOf = (/** @type {string} */ application) => {
		let options = optionsByApplication.get(application);
		if (!options) optionsByApplication.set(application, (options = new Map()));
		return options;
	};
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
		'app.info': {
			scope: null,
			run: (/** @type {Context} */ { auth }) => ({
				...applications[applicationOf(auth)],
				VERSION: 1,
				STATUS: 'L',
				INSTALLED: true,
				PAYMENT_EXPIRED: 'N',
				DAYS: null,
				LANGUAGE_ID: 'en',
				LICENSE: 'en_pro100',
				LICENSE_TYPE: 'pro100',
				LICENSE_FAMILY: 'pro',
			}),
		},
		'app.option.set': {
			scope: null,
			run: (/** @type {Context} */ { params, auth }) => {
				const application = applicationOf(auth);
				if (!adminUserIds.includes(auth.userId)) throw errors.administratorRequired();
				const given = params.options ?? params;
				if (!given || typeof given !== 'object' || Array.isArray(given) || Object.keys(given).length === 0) throw errors.emptyArgument('options');
				const options = optionsOf(application);
				for (const [key, value] of Object.entries(given)) options.set(key, structuredClone(value));
				return true;
			},
		},
		'app.option.get': {
			scope: null,
			run: (/** @type {Context} */ { params, auth }) => {
				const options = optionsOf(applicationOf(auth));
				if (params.option !== undefined) return options.has(String(params.option)) ? structuredClone(options.get(String(params.option))) : null;
				return options.size === 0 ? [] : Object.fromEntries([...options].map(([key, value]) => [key, structuredClone(value)]));
			},
		},
	};
}

module.exports = { createBasicMethods };
