// @ts-check
'use strict';

const { errors } = require('./errors');
const { upperKeys, isPhpEmpty } = require('./bodies');

/** What the portal writes when the log message is not a string (it never writes the value as given). */
const DEFAULT_LOG_TEXT = 'Activity log';
/** What bizproc.event.send writes when LOG_MESSAGE is missing. */
const DEFAULT_EVENT_LOG_TEXT = 'Received response from the application';

/**
 * bizproc.activity.log and bizproc.event.send.
 * @param {{
 *   signer: ReturnType<typeof import('./eventTokens').createEventTokenSigner>,
 *   workflows: ReturnType<typeof import('./workflows').createWorkflowStore>,
 *   returnPropertyNames: (code: string) => string[] | undefined,
 * }} deps
 */
function createBizprocMethods({ signer, workflows, returnPropertyNames }) {
	/**
	 * Checks the token (ACCESS_DENIED if it is not ours) and returns the action it addresses, or null
	 * when that action no longer takes events (completed, timed out, without subscription, an older run).
	 * @param {unknown} eventToken
	 */
	function actionFor(eventToken) {
		const parts = signer.verify(eventToken);
		const workflow = parts && workflows.find(parts.workflowId);
		if (!parts || !workflow) throw errors.accessDenied();
		const isCurrentRun = workflow.activityName === parts.activityName && workflow.eventId === parts.eventId;
		return isCurrentRun && workflow.state === 'waiting' ? workflow : null;
	}

	/** Keeps the declared return properties (matched case-insensitively, named as declared); all keys if none are declared. */
	function pickReturnValues(/** @type {string} */ code, /** @type {unknown} */ given) {
		const values = given && typeof given === 'object' ? /** @type {Record<string, any>} */ (given) : {};
		const declared = returnPropertyNames(code);
		if (!declared) return { ...values };
		const byUpper = new Map(Object.entries(values).map(([k, v]) => [k.toUpperCase(), v]));
		return Object.fromEntries(declared.filter((name) => byUpper.has(name.toUpperCase())).map((name) => [name, byUpper.get(name.toUpperCase())]));
	}

	return {
		'bizproc.activity.log': {
			scope: 'bizproc',
			run(/** @type {{ params: Record<string, any> }} */ { params }) {
				const { EVENT_TOKEN, LOG_MESSAGE } = upperKeys(params);
				const action = actionFor(EVENT_TOKEN); // the token is checked before the message
				if (isPhpEmpty(LOG_MESSAGE)) throw errors.emptyLogMessage();
				if (action) workflows.writeLog(action, typeof LOG_MESSAGE === 'string' ? LOG_MESSAGE : DEFAULT_LOG_TEXT);
				return true;
			},
		},
		'bizproc.event.send': {
			scope: 'bizproc',
			run(/** @type {{ params: Record<string, any> }} */ { params }) {
				const { EVENT_TOKEN, RETURN_VALUES, LOG_MESSAGE } = upperKeys(params);
				const action = actionFor(EVENT_TOKEN);
				if (!action) return true;
				const message = typeof LOG_MESSAGE === 'string' && LOG_MESSAGE !== '' ? LOG_MESSAGE : DEFAULT_EVENT_LOG_TEXT;
				workflows.writeLog(action, message);
				workflows.complete(action, pickReturnValues(action.code, RETURN_VALUES));
				return true;
			},
		},
	};
}

module.exports = { createBizprocMethods, DEFAULT_LOG_TEXT, DEFAULT_EVENT_LOG_TEXT };
