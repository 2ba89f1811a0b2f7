// @ts-check
'use strict';

const { errors } = require('./errors');
const { upperKeys, isPhpEmpty } = require('./bodies');

/**
 * @typedef {{ kind: 'webhook'|'oauth', userId: number, scopes: string[], application?: 'this' | 'other' }} Auth
 * @typedef {{ params: Record<string, any>, auth: Auth }} CallContext
 */

/** Upper-cases keys like the core's prepareActivityData: property names (keys of PROPERTIES, RETURN_PROPERTIES, OPTIONS) are kept as given. */
function prepareFields(/** @type {Record<string, any>} */ data, keepKeys = false) {
	const prepared = keepKeys ? { ...data } : upperKeys(data);
	for (const [key, value] of Object.entries(prepared)) {
		if (value && typeof value === 'object' && !Array.isArray(value)) {
			prepared[key] = prepareFields(value, ['PROPERTIES', 'RETURN_PROPERTIES', 'OPTIONS'].includes(key));
		}
	}
	return prepared;
}

function validateCode(/** @type {unknown} */ code) {
	if (isPhpEmpty(code)) throw errors.activityValidation('Empty activity code!');
	if (typeof code !== 'string' || !/^[a-z0-9.\-_]+$/i.test(code)) throw errors.activityValidation('Wrong activity code!');
}

/**
 * The core's rule, rest module lib/handlerhelper.php `HandlerHelper::checkCallback` (called by bizproc
 * `RestService::validateActivityHandler`): `parse_url`'s host must hold a dot after its first
 * character, else ERROR_WRONG_HANDLER_URL; then the scheme must be exactly `http` or `https` (PHP
 * compares as written: `HTTPS` is refused), else ERROR_UNSUPPORTED_PROTOCOL. No domain is compared, so
 * `http://localhost:5678/` is refused and `http://127.0.0.1:5678/` accepted. Simplified `parse_url`:
 * scheme, optional user info, then the host up to `:`, `/`, `?` or `#` (or a bracketed IPv6 address).
 * @param {unknown} handler
 */
function validateHandler(handler) {
	const parts = typeof handler === 'string' ? /^(?:([a-z][a-z0-9+.-]*):)?\/\/(?:[^/?#@]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(handler) : null;
	if (!parts || !(parts[2].indexOf('.') > 0)) throw errors.wrongHandlerUrl();
	if (parts[1] !== 'http' && parts[1] !== 'https') throw errors.unsupportedProtocol();
}

function validateProperties(/** @type {unknown} */ properties) {
	if (!properties || typeof properties !== 'object' || Array.isArray(properties)) throw errors.activityValidation('Wrong properties array!');
	for (const [key, property] of Object.entries(properties)) {
		if (!/^[a-z][a-z0-9_]*$/i.test(key)) throw errors.activityValidation(`Wrong property key (${key})!`);
		if (!property || isPhpEmpty(property.NAME)) throw errors.activityValidation(`Empty property NAME (${key})!`);
	}
}

/** @param {Record<string, any>} fields */
function validateActivity(fields) {
	if (isPhpEmpty(fields)) throw errors.activityValidation('Empty data!');
	validateCode(fields.CODE);
	validateHandler(fields.HANDLER);
	if (isPhpEmpty(fields.NAME)) throw errors.activityValidation('Empty activity NAME!');
	if (fields.PROPERTIES !== undefined) validateProperties(fields.PROPERTIES);
	if (fields.RETURN_PROPERTIES !== undefined) validateProperties(fields.RETURN_PROPERTIES);
	if (fields.DOCUMENT_TYPE !== undefined && !(Array.isArray(fields.DOCUMENT_TYPE) && fields.DOCUMENT_TYPE.length === 3)) {
		throw errors.activityValidation('Wrong activity DOCUMENT_TYPE!');
	}
	if (fields.FILTER !== undefined && (fields.FILTER === null || typeof fields.FILTER !== 'object')) {
		throw errors.activityValidation('Wrong activity FILTER!');
	}
}

/**
 * Application actions and robots (bizproc.activity.* / bizproc.robot.*). They share one set of codes
 * per application, as on the portal (INTERNAL_CODE = md5(APP_ID@CODE), RestService::generateInternalCode):
 * a robot cannot take the code of an installed action of the same application; list, update and
 * delete see only the calling application's.
 * @param {{ adminUserIds: number[] }} settings
 */
function createRegistry({ adminUserIds }) {
	/** @type {Map<string, { isRobot: boolean, application: string, fields: Record<string, any> }>} */
	const installed = new Map();
	const keyOf = (/** @type {string} */ application, /** @type {string} */ code) => `${application}|${code}`;

	/** Application context first, then administrator, as the portal checks them; the calling application. */
	const requireAdminApp = (/** @type {Auth} */ auth) => {
		if (auth.kind !== 'oauth' || !auth.application) throw errors.applicationContextRequired();
		if (!adminUserIds.includes(auth.userId)) throw errors.accessDenied();
		return auth.application;
	};

	/** @param {boolean} isRobot @param {string} application @param {string} code */
	const findInstalled = (isRobot, application, code) => {
		const entry = installed.get(keyOf(application, code));
		if (!entry || entry.isRobot !== isRobot) throw errors.activityNotFound();
		return entry;
	};

	/** The four methods for one kind. @param {'activity'|'robot'} kind */
	const methodsFor = (kind) => {
		const isRobot = kind === 'robot';
		return {
			[`bizproc.${kind}.add`]: {
				scope: 'bizproc',
				run(/** @type {CallContext} */ { params, auth }) {
					const application = requireAdminApp(auth);
					const fields = prepareFields(params);
					validateActivity(fields);
					if (installed.has(keyOf(application, fields.CODE))) throw errors.activityAlreadyInstalled();
					fields.AUTH_USER_ID = Number.parseInt(fields.AUTH_USER_ID, 10) || 0;
					installed.set(keyOf(application, fields.CODE), { isRobot, application, fields });
					return true;
				},
			},
			[`bizproc.${kind}.update`]: {
				scope: 'bizproc',
				run(/** @type {CallContext} */ { params, auth }) {
					const application = requireAdminApp(auth);
					const { CODE, FIELDS } = upperKeys(params);
					validateCode(CODE);
					const entry = findInstalled(isRobot, application, CODE);
					if (isPhpEmpty(FIELDS) || typeof FIELDS !== 'object') throw errors.activityValidation('Empty data!');
					const merged = { ...entry.fields, ...prepareFields(FIELDS), CODE };
					validateActivity(merged);
					entry.fields = merged;
					return true;
				},
			},
			[`bizproc.${kind}.delete`]: {
				scope: 'bizproc',
				run(/** @type {CallContext} */ { params, auth }) {
					const application = requireAdminApp(auth);
					const { CODE } = upperKeys(params);
					validateCode(CODE);
					findInstalled(isRobot, application, CODE);
					installed.delete(keyOf(application, CODE));
					return true;
				},
			},
			[`bizproc.${kind}.list`]: {
				scope: 'bizproc',
				run(/** @type {CallContext} */ { auth }) {
					const application = requireAdminApp(auth);
					return [...installed.values()].filter((entry) => entry.isRobot === isRobot && entry.application === application).map((entry) => entry.fields.CODE);
				},
			},
		};
	};

	/** @param {boolean} isRobot */
	const listFields = (isRobot) => [...installed.values()].filter((e) => e.isRobot === isRobot).map((e) => structuredClone(e.fields));

	return {
		methods: { ...methodsFor('activity'), ...methodsFor('robot') },
		activities: () => listFields(false),
		robots: () => listFields(true),
		/** This application's installed action or robot with this code, if any. @param {string} code */
		find: (code) => installed.get(keyOf('this', code))?.fields,
	};
}

module.exports = { createRegistry };
