// @ts-check
'use strict';

const { RestError, errors } = require('./errors');
const { upperKeys, isPhpEmpty } = require('./bodies');
const { portalDate } = require('./timing');
const { readDocumentId, sameDocumentType, documentUrl } = require('./documents');
const { readListQuery, startOf, offsetPage, pageNumberPage } = require('./listQuery');
const { USER_STATUS } = require('./processTasks');

/**
 * The business process methods of the bizproc scope: bizproc.workflow.start / instances / terminate /
 * kill, bizproc.workflow.template.list, bizproc.task.list / complete / delegate. Source: the bizproc
 * module's lib/restservice.php (RestService), b24restdocs api-reference/bizproc/; the facts are in
 * docs/bitrix24-bizproc-methods.md. None of them needs an application: a webhook may call them.
 *
 * @typedef {{ kind: 'webhook'|'oauth', userId: number, scopes: string[] }} Auth
 * @typedef {{ params: Record<string, any>, auth: Auth }} CallContext
 */

/** PHP's (int) cast of a parameter ("12abc" → 12, "abc" → 0). */
function phpInt(/** @type {unknown} */ value) {
	if (typeof value === 'number') return Math.trunc(value);
	const parsed = Number.parseInt(String(value ?? ''), 10);
	return Number.isFinite(parsed) ? parsed : 0;
}

/** A positive user or task ID, or undefined. */
function positiveId(/** @type {unknown} */ value) {
	if (typeof value !== 'number' && !(typeof value === 'string' && /^\d+$/.test(value.trim()))) return undefined;
	const id = Number(value);
	return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

const INSTANCE_FIELDS = ['ID', 'MODIFIED', 'OWNED_UNTIL', 'MODULE_ID', 'ENTITY', 'DOCUMENT_ID', 'STARTED', 'STARTED_BY', 'TEMPLATE_ID'];
const TEMPLATE_FIELDS = ['ID', 'MODULE_ID', 'ENTITY', 'DOCUMENT_TYPE', 'AUTO_EXECUTE', 'NAME', 'DESCRIPTION', 'TEMPLATE', 'PARAMETERS', 'VARIABLES', 'CONSTANTS', 'MODIFIED', 'IS_MODIFIED', 'USER_ID', 'SYSTEM_CODE'];
const TASK_FIELDS = [
	'ID', 'ACTIVITY', 'ACTIVITY_NAME', 'WORKFLOW_ID', 'DOCUMENT_NAME', 'DESCRIPTION', 'NAME', 'MODIFIED', 'WORKFLOW_STARTED',
	'WORKFLOW_STARTED_BY', 'OVERDUE_DATE', 'WORKFLOW_TEMPLATE_ID', 'WORKFLOW_TEMPLATE_NAME', 'WORKFLOW_STATE', 'STATUS', 'USER_ID',
	'USER_STATUS', 'MODULE_ID', 'ENTITY', 'DOCUMENT_ID', 'PARAMETERS',
];
/** CBPDocumentEventType::Automation: template.list never shows robot templates ('<AUTO_EXECUTE' => 8). */
const AUTOMATION = 8;

/** The template's steps the way TEMPLATE shows an activity tree (simplified). @param {import('./processTemplates').Template} template */
function templateTree(template) {
	const children = template.steps.map((step) =>
		step.type === 'action'
			? { Type: `rest_${step.code}`, Name: `A_${step.code}`, Properties: { Title: step.title ?? step.code, ...(step.properties ?? {}) }, Children: [] }
			: { Type: step.activity ?? step.type, Name: step.name, Properties: { Title: step.name, Users: step.users.map((id) => `user_${id}`) }, Children: [] },
	);
	return [{ Type: 'SequentialWorkflowActivity', Name: 'Template', Properties: { Title: template.name }, Children: children }];
}

/**
 * @param {{
 *   engine: ReturnType<typeof import('./processes').createProcessEngine>,
 *   documents: ReturnType<typeof import('./documents').createDocumentStore>,
 *   adminUserIds: number[],
 *   subordinates: Record<number, number[]>,
 *   extranetUserIds: number[],
 * }} deps
 */
function createProcessMethods({ engine, documents, adminUserIds, subordinates, extranetUserIds }) {
	const isAdmin = (/** @type {number} */ userId) => adminUserIds.includes(userId);
	/** RestService::checkAdminPermissions: before any parameter is read. */
	const requireAdmin = (/** @type {Auth} */ auth) => {
		if (!isAdmin(auth.userId)) throw errors.accessDenied();
	};
	/** CBPHelper::checkUserSubordination: is `userId` under `managerId`? */
	const isSubordinate = (/** @type {number} */ managerId, /** @type {number} */ userId) => (subordinates[managerId] ?? []).includes(userId);

	/** @param {import('./processes').Instance} instance */
	const instanceRow = (instance) => ({
		ID: instance.id,
		MODIFIED: portalDate(instance.modified),
		OWNED_UNTIL: null,
		MODULE_ID: instance.documentId[0],
		ENTITY: instance.documentId[1],
		DOCUMENT_ID: instance.documentId[2],
		STARTED: portalDate(instance.started),
		STARTED_BY: String(instance.startedBy),
		TEMPLATE_ID: String(instance.template.id),
	});

	/** @param {import('./processTemplates').Template} template */
	const templateRow = (template) => ({
		ID: String(template.id),
		MODULE_ID: template.documentType[0],
		ENTITY: template.documentType[1],
		DOCUMENT_TYPE: template.documentType[2],
		AUTO_EXECUTE: String(template.autoExecute ?? 0),
		NAME: template.name,
		DESCRIPTION: template.description ?? '',
		TEMPLATE: templateTree(template),
		PARAMETERS: template.parameters && Object.keys(template.parameters).length > 0 ? structuredClone(template.parameters) : [],
		VARIABLES: [],
		CONSTANTS: [],
		MODIFIED: portalDate(template.modified),
		IS_MODIFIED: 'N',
		USER_ID: String(template.userId ?? 1),
		SYSTEM_CODE: template.systemCode ?? '',
	});

	/** One row per task and user, as CBPTaskService::GetList joins b_bp_task_user. */
	const taskRows = () =>
		engine.tasks().flatMap((task) => {
			const instance = engine.instance(task.workflowId);
			if (!instance) return [];
			return task.users.map((user) => ({
				ID: String(task.id),
				ACTIVITY: task.activity,
				ACTIVITY_NAME: task.activityName,
				WORKFLOW_ID: task.workflowId,
				DOCUMENT_NAME: instance.documentName,
				DESCRIPTION: task.description,
				NAME: task.name,
				MODIFIED: portalDate(task.modified),
				WORKFLOW_STARTED: portalDate(instance.started),
				WORKFLOW_STARTED_BY: String(instance.startedBy),
				OVERDUE_DATE: null,
				WORKFLOW_TEMPLATE_ID: String(instance.template.id),
				WORKFLOW_TEMPLATE_NAME: instance.template.name,
				WORKFLOW_STATE: instance.stateTitle,
				STATUS: String(task.status),
				USER_ID: String(user.userId),
				USER_STATUS: String(user.status),
				MODULE_ID: instance.documentId[0],
				ENTITY: instance.documentId[1],
				DOCUMENT_ID: instance.documentId[2],
				PARAMETERS: structuredClone(task.parameters),
				DOCUMENT_URL: documentUrl(instance.documentId, instance.template.documentType),
			}));
		});

	/** The caller's place in a task (RestService::getTask filters on the caller's USER_ID). @param {unknown} taskId @param {number} userId */
	const taskOf = (taskId, userId) => {
		const task = engine.task(phpInt(taskId));
		const user = task?.users.find((u) => u.userId === userId);
		if (!task || !user) throw new RestError(400, 'ERROR_TASK_NOT_FOUND', 'Task not found');
		// A task the others already decided counts as completed too (unconfirmed; the stricter reading).
		if (user.status !== USER_STATUS.waiting || task.status !== 0) throw new RestError(400, 'ERROR_TASK_COMPLETED', 'Task already completed');
		return { task, user };
	};

	/** bizproc.workflow.instances (and its old name). @param {CallContext} context */
	const listInstances = ({ params, auth }) => {
		requireAdmin(auth);
		const query = readListQuery({ params: upperKeys(params), fields: INSTANCE_FIELDS, defaultSelect: ['ID', 'MODIFIED', 'OWNED_UNTIL'], defaultOrder: { MODIFIED: 'DESC' }, plainStringIsLike: true });
		const page = offsetPage(query.apply(engine.running().map(instanceRow)), startOf(params));
		page.rows = page.rows.map((row) => query.pick(/** @type {Record<string, any>} */ (row)));
		return page;
	};

	return {
		'bizproc.workflow.start': {
			scope: 'bizproc',
			run(/** @type {CallContext} */ { params, auth }) {
				const { TEMPLATE_ID, DOCUMENT_ID, PARAMETERS } = upperKeys(params);
				if (isPhpEmpty(TEMPLATE_ID)) throw new RestError(400, 'ERROR_WRONG_WORKFLOW_ID', 'Empty TEMPLATE_ID');
				const template = engine.template(phpInt(TEMPLATE_ID));
				if (!template) throw new RestError(400, 'ERROR_WRONG_WORKFLOW_ID', 'Template not found');
				const documentId = readDocumentId(DOCUMENT_ID);
				const document = documentId && documents.find(documentId);
				// RestException with a message only: the error code is empty.
				if (!document) throw new RestError(400, '', 'Wrong DOCUMENT_ID!');
				if (!sameDocumentType(template.documentType, document.documentType)) throw new RestError(400, '', 'Template type and DOCUMENT_ID mismatch!');
				// checkStartWorkflowPermissions: an administrator, or a user the document lets start processes.
				if (!isAdmin(auth.userId) && !document.startableBy.includes(auth.userId)) throw errors.accessDenied();
				const parameters = PARAMETERS && typeof PARAMETERS === 'object' && !Array.isArray(PARAMETERS) ? PARAMETERS : {};
				return engine.start({ template, documentId: document.documentId, documentName: document.name, parameters, startedBy: auth.userId });
			},
		},
		'bizproc.workflow.instances': { scope: 'bizproc', run: listInstances },
		// The old name, still served (docs: bizproc-workflow-instances.md).
		'bizproc.workflow.instance.list': { scope: 'bizproc', run: listInstances },
		'bizproc.workflow.terminate': {
			scope: 'bizproc',
			run(/** @type {CallContext} */ { params, auth }) {
				requireAdmin(auth);
				const { ID, STATUS } = upperKeys(params);
				if (isPhpEmpty(ID)) throw new RestError(400, 'ERROR_WRONG_WORKFLOW_ID', 'Empty workflow instance ID');
				engine.terminate(ID, STATUS === undefined || STATUS === null ? '' : String(STATUS));
				return true;
			},
		},
		'bizproc.workflow.kill': {
			scope: 'bizproc',
			run(/** @type {CallContext} */ { params, auth }) {
				requireAdmin(auth);
				const { ID } = upperKeys(params);
				if (isPhpEmpty(ID)) throw new RestError(400, 'ERROR_WRONG_WORKFLOW_ID', 'Empty workflow instance ID');
				engine.kill(ID);
				return true;
			},
		},
		'bizproc.workflow.template.list': {
			scope: 'bizproc',
			run(/** @type {CallContext} */ { params, auth }) {
				requireAdmin(auth);
				const query = readListQuery({ params: upperKeys(params), fields: TEMPLATE_FIELDS, defaultSelect: ['ID'], defaultOrder: { ID: 'ASC' }, plainStringIsLike: true });
				const rows = engine.templates().filter((template) => (template.autoExecute ?? 0) < AUTOMATION).map(templateRow);
				const page = offsetPage(query.apply(rows), startOf(params));
				page.rows = page.rows.map((row) => query.pick(/** @type {Record<string, any>} */ (row)));
				return page;
			},
		},
		'bizproc.task.list': {
			scope: 'bizproc',
			run(/** @type {CallContext} */ { params, auth }) {
				const upper = upperKeys(params);
				const filter = upper.FILTER && typeof upper.FILTER === 'object' && !Array.isArray(upper.FILTER) ? { ...upper.FILTER } : {};
				// Without a USER_ID filter a non-administrator sees their own tasks.
				if (!isAdmin(auth.userId) && !Object.hasOwn(filter, 'USER_ID')) filter.USER_ID = auth.userId;
				const target = Object.hasOwn(filter, 'USER_ID') ? phpInt(filter.USER_ID) : 0;
				if (target !== auth.userId && !isSubordinate(auth.userId, target)) requireAdmin(auth);
				const query = readListQuery({ params: { ...upper, FILTER: filter }, fields: TASK_FIELDS, defaultSelect: ['ID', 'WORKFLOW_ID', 'DOCUMENT_NAME', 'NAME'], defaultOrder: { ID: 'DESC' }, plainStringIsLike: false });
				const page = pageNumberPage(query.apply(taskRows()), startOf(params));
				// The core always selects ENTITY and DOCUMENT_ID first and appends DOCUMENT_URL.
				page.rows = page.rows.map((row) => {
					const source = /** @type {Record<string, any>} */ (row);
					return { ENTITY: source.ENTITY, DOCUMENT_ID: source.DOCUMENT_ID, ...query.pick(source), DOCUMENT_URL: source.DOCUMENT_URL };
				});
				return page;
			},
		},
		'bizproc.task.complete': {
			scope: 'bizproc',
			run(/** @type {CallContext} */ { params, auth }) {
				const { TASK_ID, STATUS, COMMENT, FIELDS } = upperKeys(params);
				if (isPhpEmpty(TASK_ID)) throw new RestError(400, 'ERROR_TASK_VALIDATION', 'empty TASK_ID');
				// CBPTaskUserStatus::resolveStatus: 1/yes, 2/no, 3/ok, 4/cancel (0/waiting passes, then the activity refuses it).
				const status = isPhpEmpty(STATUS) ? undefined : { 0: 0, waiting: 0, 1: 1, yes: 1, 2: 2, no: 2, 3: 3, ok: 3, 4: 4, cancel: 4 }[String(STATUS).toLowerCase()];
				if (status === undefined) throw new RestError(400, 'ERROR_TASK_VALIDATION', 'incorrect STATUS');
				const { task, user } = taskOf(TASK_ID, auth.userId);
				if (!engine.isCompletableActivity(task.activity)) throw new RestError(400, 'ERROR_TASK_TYPE', 'Incorrect task type');
				const comment = typeof COMMENT === 'string' && COMMENT !== '' ? COMMENT : null;
				const fields = FIELDS && typeof FIELDS === 'object' && !isPhpEmpty(FIELDS) ? FIELDS : null;
				engine.answerTask(task, user, { status, comment, fields });
				return true;
			},
		},
		'bizproc.task.delegate': {
			scope: 'bizproc',
			// Docs only (bizproc-task-delegate.md); the checks' order and the HTTP statuses are assumed.
			run(/** @type {CallContext} */ { params, auth }) {
				const { TASK_IDS, FROM_USER_ID, TO_USER_ID } = upperKeys(params);
				const taskIds = TASK_IDS && typeof TASK_IDS === 'object' ? Object.values(TASK_IDS).map(positiveId) : [];
				if (taskIds.length === 0 || taskIds.some((id) => id === undefined)) throw new RestError(400, 'ERROR_TASK_VALIDATION', 'Invalid TASK_IDS');
				const fromUserId = positiveId(FROM_USER_ID);
				if (!fromUserId) throw new RestError(400, 'ERROR_INVALID_USER_ID', 'Invalid FROM_USER_ID');
				const toUserId = positiveId(TO_USER_ID);
				if (!toUserId) throw new RestError(400, 'ERROR_INVALID_USER_ID', 'Invalid TO_USER_ID');
				// "You can only delegate your own task" (docs); what another caller gets is unconfirmed.
				if (fromUserId !== auth.userId) throw errors.accessDenied();
				if (extranetUserIds.includes(toUserId)) throw new RestError(400, 'ERROR_DELEGATION_NOT_ALLOWED', 'Task delegation is only available for intranet users');
				/** @type {string[]} */
				const problems = [];
				let delegated = 0;
				for (const id of /** @type {number[]} */ (taskIds)) {
					const task = engine.task(id);
					const user = task?.status === 0 ? task.users.find((u) => u.userId === fromUserId && u.status === USER_STATUS.waiting) : undefined;
					if (!task || !user) continue;
					// CBPTaskDelegationType: subordinates only by default; texts unconfirmed (BPCGDOC_ERROR_DELEGATE_<type>).
					const type = task.step.delegationType ?? 'subordinates';
					if (type === 'none') problems.push(`The task "${task.name}" cannot be delegated`);
					else if (type === 'subordinates' && !isSubordinate(fromUserId, toUserId)) problems.push(`The task "${task.name}" can be delegated to a subordinate only`);
					else {
						engine.delegateTask(task, user, toUserId);
						delegated += 1;
					}
				}
				if (problems.length > 0) throw new RestError(400, 'ERROR_DELEGATION_NOT_ALLOWED', problems.join('; '));
				if (delegated === 0) throw new RestError(400, 'ERROR_DELEGATION_NOT_ALLOWED', 'User is not responsible for the task');
				return true;
			},
		},
	};
}

module.exports = { createProcessMethods };
