// @ts-check
'use strict';

/**
 * Business process templates: what a test adds with `portal.addTemplate`. A template is a sequence of
 * steps, each our application's action or a task for people; processes.js runs them. Simplified from
 * the bizproc runtime (CBPRuntime, CBPDocument).
 *
 * @typedef {import('./documents').DocumentId} DocumentId
 * @typedef {{ Name: string, Description?: string, Type?: string, Required?: boolean | 'Y' | 'N', Multiple?: boolean | 'Y' | 'N', Options?: unknown, Default?: unknown }} TemplateParameter
 * @typedef {{ id: string, name: string, type?: string, description?: string, required?: boolean, multiple?: boolean, options?: unknown, default?: unknown }} RequestField
 * @typedef {{ type: 'action', code: string, properties?: Record<string, any>, useSubscription?: boolean, timeoutDuration?: number, title?: string }} ActionStep
 * @typedef {{
 *   type: 'approve' | 'review' | 'request' | 'requestOptional', users: number[], name: string, description?: string,
 *   approveType?: 'any' | 'all', showComment?: boolean, commentRequired?: 'N' | 'Y' | 'YA' | 'YR', fields?: RequestField[],
 *   delegationType?: 'subordinates' | 'all' | 'none', statusMessage?: string, activity?: string,
 * }} TaskStep `activity` overrides the activity class (e.g. one REST cannot complete, for ERROR_TASK_TYPE)
 * @typedef {ActionStep | TaskStep} Step
 * @typedef {{
 *   documentType: DocumentId, name: string, description?: string, parameters?: Record<string, TemplateParameter>,
 *   steps: Step[], autoExecute?: number, userId?: number, systemCode?: string,
 * }} TemplateDefinition
 * @typedef {TemplateDefinition & { id: number, modified: number }} Template
 */

/** The activity class each task step runs: those bizproc.task.complete accepts (RestService::ALLOWED_TASK_ACTIVITIES). */
const ACTIVITY_OF_STEP = { approve: 'ApproveActivity', review: 'ReviewActivity', request: 'RequestInformationActivity', requestOptional: 'RequestInformationOptionalActivity' };

/**
 * `{=Template:Name}` in texts of a step takes the process's parameter value.
 * @param {unknown} value
 * @param {Record<string, any>} parameters
 * @returns {unknown}
 */
function substitute(value, parameters) {
	if (typeof value === 'string') {
		return value.replace(/\{=Template:([A-Za-z0-9_]+)\}/g, (_, name) => {
			const given = parameters[name];
			return Array.isArray(given) ? given.join(', ') : String(given ?? '');
		});
	}
	/** @type {(item: unknown) => unknown} */
	const inner = (item) => substitute(item, parameters);
	if (Array.isArray(value)) return value.map(inner);
	if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inner(v)]));
	return value;
}

/** Throws, naming what to fix, where a test's template could not run. */
function checkTemplate(/** @type {TemplateDefinition} */ definition) {
	const fail = (/** @type {string} */ why) => {
		throw new Error(`addTemplate: ${why}`);
	};
	if (!definition || typeof definition.name !== 'string' || definition.name === '') fail('a template needs a name');
	const type = definition.documentType;
	if (!Array.isArray(type) || type.length !== 3) fail('documentType is [module, entity, type], e.g. [\'crm\', \'CCrmDocumentDeal\', \'DEAL\']');
	if (!Array.isArray(definition.steps)) fail('steps is a list');
	for (const step of definition.steps) {
		if (step.type === 'action') {
			if (typeof step.code !== 'string' || step.code === '') fail('an action step needs the code of an installed action or robot');
		} else if (Object.hasOwn(ACTIVITY_OF_STEP, step.type)) {
			if (!Array.isArray(step.users) || step.users.length === 0) fail(`a ${step.type} step needs users`);
			if (typeof step.name !== 'string' || step.name === '') fail(`a ${step.type} step needs a name`);
		} else fail(`unknown step type ${JSON.stringify(/** @type {any} */ (step).type)}`);
	}
}

module.exports = { ACTIVITY_OF_STEP, substitute, checkTemplate };
