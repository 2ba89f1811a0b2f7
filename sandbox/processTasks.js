// @ts-check
'use strict';

/**
 * Tasks for people: what a task step of a process creates, and how its activity takes a user's answer
 * (CBPDocument::postTaskForm → the activity's PostTaskForm). processes.js keeps the tasks and moves
 * the process on when one closes.
 *
 * @typedef {import('./processTemplates').TaskStep} TaskStep
 * @typedef {{ userId: number, status: number, originalUserId: number }} TaskUser
 * @typedef {{
 *   id: number, workflowId: string, step: TaskStep, activity: string, activityName: string, name: string, description: string,
 *   users: TaskUser[], status: number, modified: number, parameters: Record<string, any>,
 * }} Task
 */

const { RestError } = require('./errors');
const { newActivityName } = require('./ids');
const { ACTIVITY_OF_STEP, substitute } = require('./processTemplates');

/** CBPTaskStatus: the task as a whole. */
const TASK_STATUS = { running: 0, yes: 1, no: 2, ok: 3, timeout: 4, cancel: 5 };
/** CBPTaskUserStatus: one user's answer. */
const USER_STATUS = { waiting: 0, yes: 1, no: 2, ok: 3, cancel: 4 };
/** The activities bizproc.task.complete accepts (RestService::ALLOWED_TASK_ACTIVITIES). */
const COMPLETABLE_ACTIVITIES = Object.values(ACTIVITY_OF_STEP);

/**
 * Texts the activities answer when they refuse a task form. Unconfirmed: the core's language files
 * (BPAA_ACT_NO_ACTION, BPAA_ACT_COMMENT_ERROR, the request's required-field message) were not seen.
 */
const TASK_TEXTS = {
	noAction: 'This action is not available for the task',
	commentRequired: (/** @type {string} */ label) => `The field "${label}" is required`,
	fieldRequired: (/** @type {string} */ name) => `The field "${name}" is required`,
};

const taskError = (/** @type {string} */ text) => new RestError(400, 'ERROR_TASK_EXECUTION', text);

/**
 * The task a task step creates, running, every user waiting; its parameters are the form the
 * activity shows (labels, comment rule, a request's fields).
 * @param {number} id @param {string} workflowId @param {TaskStep} step
 * @param {Record<string, any>} processParameters for `{=Template:Name}` in the name and description
 * @returns {Task}
 */
function newTask(id, workflowId, step, processParameters) {
	const showComment = step.showComment ?? true;
	/** @type {Record<string, any>} */
	const parameters = { CommentLabel: 'Comment', CommentRequired: step.commentRequired ?? 'N', ShowComment: showComment ? 'Y' : 'N' };
	if (step.type === 'approve') Object.assign(parameters, { StatusYesLabel: 'Approve', StatusNoLabel: 'Reject' });
	else if (step.type === 'review') parameters.StatusOkLabel = 'Reviewed';
	else {
		parameters.StatusOkLabel = 'Save';
		if (step.type === 'requestOptional') parameters.StatusCancelLabel = 'Reject';
		parameters.Fields = (step.fields ?? []).map((field) => ({
			Id: field.id,
			Type: field.type ?? 'string',
			Name: field.name,
			Description: field.description ?? '',
			Multiple: field.multiple ?? false,
			Required: field.required ?? false,
			Options: field.options ?? null,
			Settings: null,
			Default: field.default ?? '',
		}));
	}
	return {
		id,
		workflowId,
		step,
		activity: step.activity ?? ACTIVITY_OF_STEP[step.type],
		activityName: newActivityName(),
		name: String(substitute(step.name, processParameters)),
		description: String(substitute(step.description ?? '', processParameters)),
		users: [...new Set(step.users)].map((userId) => ({ userId, status: USER_STATUS.waiting, originalUserId: userId })),
		status: TASK_STATUS.running,
		modified: Date.now(),
		parameters,
	};
}

/**
 * The activity's PostTaskForm checks one user's answer: throws ERROR_TASK_EXECUTION when it refuses
 * (an action the task has not, a missing comment or required field); else returns what the process
 * records of the answer.
 * @param {Task} task @param {TaskUser} user
 * @param {{ status: number, comment: string | null, fields: Record<string, any> | null }} answer
 */
function checkTaskAnswer(task, user, { status, comment, fields }) {
	const { step } = task;
	const approving = status === USER_STATUS.yes;
	if (step.type === 'approve' ? status !== USER_STATUS.yes && status !== USER_STATUS.no : step.type === 'requestOptional' ? status !== USER_STATUS.ok && status !== USER_STATUS.cancel : status !== USER_STATUS.ok) {
		throw taskError(TASK_TEXTS.noAction);
	}
	const required = task.parameters.CommentRequired;
	const needsComment = task.parameters.ShowComment === 'Y' && (required === 'Y' || (step.type === 'approve' && ((required === 'YA' && approving) || (required === 'YR' && !approving))));
	if (needsComment && !comment?.trim()) throw taskError(TASK_TEXTS.commentRequired(task.parameters.CommentLabel));
	/** @type {Record<string, any>} */
	const values = {};
	if (status === USER_STATUS.ok && (step.type === 'request' || step.type === 'requestOptional')) {
		for (const field of step.fields ?? []) {
			const value = fields?.[field.id];
			if (field.required && (value === undefined || value === '' || value === null)) throw taskError(TASK_TEXTS.fieldRequired(field.name));
			if (value !== undefined) values[field.id] = value;
		}
	}
	return { userId: user.userId, comment: comment ?? '', ...(Object.keys(values).length ? { fields: values } : {}) };
}

/**
 * The status that closes the task once a user answered `status` (their own status already set), or
 * undefined while it waits for the other users (an "all" approval or review).
 * @param {Task} task @param {number} status
 */
function taskOutcome(task, status) {
	const { step } = task;
	const everyone = (/** @type {number} */ wanted) => task.users.every((u) => u.status === wanted);
	if (step.type === 'approve') {
		if (status !== USER_STATUS.yes) return TASK_STATUS.no;
		return (step.approveType ?? 'any') === 'any' || everyone(USER_STATUS.yes) ? TASK_STATUS.yes : undefined;
	}
	if (step.type === 'review') return (step.approveType ?? 'any') === 'any' || everyone(USER_STATUS.ok) ? TASK_STATUS.ok : undefined;
	return status === USER_STATUS.cancel ? TASK_STATUS.cancel : TASK_STATUS.ok;
}

module.exports = { TASK_STATUS, USER_STATUS, COMPLETABLE_ACTIVITIES, newTask, checkTaskAnswer, taskOutcome };
