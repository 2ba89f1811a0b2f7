// @ts-check
'use strict';

const { RestError } = require('./errors');
const { newWorkflowId } = require('./ids');
const { portalDate } = require('./timing');
const { substitute, checkTemplate } = require('./processTemplates');
const { TASK_STATUS, COMPLETABLE_ACTIVITIES, newTask, checkTaskAnswer, taskOutcome } = require('./processTasks');

/**
 * The processes running business process templates (processTemplates.js): a process runs its steps
 * one after another, calls the action's HANDLER like a portal, waits for bizproc.event.send or for the
 * task's answer (processTasks.js), and finishes after the last step. Simplified from the bizproc
 * runtime (CBPRuntime, CBPDocument).
 *
 * @typedef {import('./documents').DocumentId} DocumentId
 * @typedef {import('./processTemplates').TemplateDefinition} TemplateDefinition
 * @typedef {import('./processTemplates').Template} Template
 * @typedef {import('./processTemplates').ActionStep} ActionStep
 * @typedef {import('./processTemplates').TaskStep} TaskStep
 * @typedef {import('./processTasks').Task} Task
 * @typedef {import('./processTasks').TaskUser} TaskUser
 * @typedef {{ code: string, activityName: string, handlerUrl: string, handlerStatus?: number, error?: string }} HandlerCall
 * @typedef {{
 *   id: string, template: Template, documentId: DocumentId, documentName: string, startedBy: number, started: number, modified: number,
 *   parameters: Record<string, any>, state: 'running' | 'completed' | 'terminated', stateTitle: string, stepIndex: number,
 *   waitingFor: { kind: 'action', activityName: string } | { kind: 'task', taskId: number } | null,
 *   returnValues: Record<string, any>, handlerCalls: HandlerCall[], taskResults: Array<Record<string, any>>,
 * }} Instance
 */

/** setTimeout's longest wait. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * @param {{
 *   workflows: ReturnType<typeof import('./workflows').createWorkflowStore>,
 *   findActivity: (code: string) => Record<string, any> | undefined,
 *   prepareActionCall: (run: { workflowId: string, code: string, documentId: DocumentId, documentType: DocumentId, properties: Record<string, any>,
 *     useSubscription: boolean, timeoutDuration: number, userId: number, handlerUrl: string }) => { activityName: string, send: () => Promise<{ handlerStatus: number }> },
 *   later: (run: () => unknown, ms: number) => void,
 * }} deps
 */
function createProcessEngine({ workflows, findActivity, prepareActionCall, later }) {
	/** @type {Map<number, Template>} */
	const templates = new Map();
	/** @type {Map<string, Instance>} */
	const instances = new Map();
	/** @type {Map<number, Task>} */
	const tasks = new Map();
	let lastTemplateId = 0;
	let lastTaskId = 0;
	/** @type {Set<() => void>} */
	const listeners = new Set();
	const changed = () => {
		for (const listener of [...listeners]) listener();
	};

	/** @param {Instance} instance @param {'completed' | 'terminated'} state @param {string} [title] */
	function finish(instance, state, title) {
		instance.state = state;
		instance.waitingFor = null;
		if (title !== undefined) instance.stateTitle = title;
		instance.modified = Date.now();
	}

	/** Runs steps until the process waits or ends. @param {Instance} instance */
	function advance(instance) {
		while (instance.state === 'running' && !instance.waitingFor) {
			const step = instance.template.steps[instance.stepIndex];
			instance.modified = Date.now();
			if (!step) return finish(instance, 'completed');
			if (step.type === 'action') runAction(instance, step);
			else createTask(instance, step);
		}
	}

	/** @param {Instance} instance @param {ActionStep} step */
	function runAction(instance, step) {
		const activity = findActivity(step.code);
		if (!activity) return finish(instance, 'terminated', `The action "${step.code}" is not installed`);
		// The registration decides; an action registered without USE_SUBSCRIPTION leaves it to the template.
		const registered = activity.USE_SUBSCRIPTION;
		const useSubscription = registered === 'Y' ? true : registered === 'N' ? false : (step.useSubscription ?? true);
		const timeoutDuration = step.timeoutDuration ?? 7200;
		const authUserId = Number(activity.AUTH_USER_ID) || 0;
		const call = prepareActionCall({
			workflowId: instance.id,
			code: step.code,
			documentId: instance.documentId,
			documentType: instance.template.documentType,
			properties: /** @type {Record<string, any>} */ (substitute(step.properties ?? {}, instance.parameters)),
			useSubscription,
			timeoutDuration,
			userId: authUserId > 0 ? authUserId : instance.startedBy,
			handlerUrl: activity.HANDLER,
		});
		/** @type {HandlerCall} */
		const record = { code: step.code, activityName: call.activityName, handlerUrl: activity.HANDLER };
		instance.handlerCalls.push(record);
		// A portal queues the call and sends it after the request that reached the action.
		later(async () => {
			try {
				record.handlerStatus = (await call.send()).handlerStatus;
			} catch (error) {
				record.error = error instanceof Error ? error.message : String(error);
			}
			changed();
		}, 0);
		if (!useSubscription) {
			instance.stepIndex += 1;
			return undefined;
		}
		instance.waitingFor = { kind: 'action', activityName: call.activityName };
		// The action closes by itself after timeout_duration seconds: look at it then (a timer cannot wait
		// past 2^31 ms; a longer timeout is noticed whenever the action is looked up).
		const timeoutMs = timeoutDuration * 1000 + 5;
		if (timeoutDuration > 0 && timeoutMs <= MAX_TIMER_MS) later(() => workflows.find(instance.id), timeoutMs);
		return undefined;
	}

	/** @param {Instance} instance @param {TaskStep} step */
	function createTask(instance, step) {
		lastTaskId += 1;
		const task = newTask(lastTaskId, instance.id, step, instance.parameters);
		tasks.set(task.id, task);
		if (step.statusMessage) instance.stateTitle = step.statusMessage;
		instance.waitingFor = { kind: 'task', taskId: task.id };
	}

	/** The task is decided: record it and let the process go on. @param {Task} task @param {number} status @param {Record<string, any>} result */
	function closeTask(task, status, result) {
		task.status = status;
		task.modified = Date.now();
		const instance = instances.get(task.workflowId);
		if (!instance || instance.state !== 'running') return;
		instance.taskResults.push({ taskId: task.id, name: task.name, status, ...result });
		instance.waitingFor = null;
		instance.stepIndex += 1;
		advance(instance);
	}

	/** bizproc.event.send (or the timeout) closed an action: the process waiting on it goes on. */
	workflows.onActionClosed((/** @type {import('./workflows').Workflow} */ action) => {
		const instance = instances.get(action.id);
		const waiting = instance?.waitingFor;
		if (!instance || instance.state !== 'running' || waiting?.kind !== 'action' || waiting.activityName !== action.activityName) return;
		instance.returnValues = { ...instance.returnValues, ...action.returnValues };
		instance.waitingFor = null;
		instance.stepIndex += 1;
		advance(instance);
		changed();
	});

	/** The running process, or the core's error for an unknown or finished one. @param {unknown} id */
	function runningInstance(id) {
		const instance = typeof id === 'string' ? instances.get(id) : undefined;
		// CBPWorkflowPersister::retrieveWorkflow: a finished process's row is gone (BPCGWP_INVALID_WF).
		if (!instance || instance.state !== 'running') throw new RestError(400, '', 'The business process is not found.');
		return instance;
	}

	return {
		/** @param {TemplateDefinition} definition @returns {number} the template ID */
		addTemplate(definition) {
			checkTemplate(definition);
			lastTemplateId += 1;
			templates.set(lastTemplateId, { ...structuredClone(definition), id: lastTemplateId, modified: Date.now() });
			return lastTemplateId;
		},
		/** @param {number} id */
		template: (id) => templates.get(id),
		templates: () => [...templates.values()],

		/**
		 * Starts a process; it runs at once until its first wait. @returns {string} the workflow ID
		 * @param {{ template: Template, documentId: DocumentId, documentName: string, parameters: Record<string, any>, startedBy: number }} start
		 */
		start({ template, documentId, documentName, parameters, startedBy }) {
			/** @type {Record<string, any>} */
			const values = {};
			// A missing parameter takes the template's default; given values are not validated.
			for (const [name, parameter] of Object.entries(template.parameters ?? {})) values[name] = parameter.Default ?? '';
			Object.assign(values, structuredClone(parameters));
			const now = Date.now();
			/** @type {Instance} */
			const instance = {
				id: newWorkflowId(),
				template,
				documentId,
				documentName,
				startedBy,
				started: now,
				modified: now,
				parameters: values,
				state: 'running',
				stateTitle: '',
				stepIndex: 0,
				waitingFor: null,
				returnValues: {},
				handlerCalls: [],
				taskResults: [],
			};
			instances.set(instance.id, instance);
			advance(instance);
			changed();
			return instance.id;
		},

		/** Running processes only: a finished one's row is deleted (CBPWorkflowPersister::insertWorkflow). */
		running: () => [...instances.values()].filter((instance) => instance.state === 'running'),
		/** @param {string} id */
		instance: (id) => instances.get(id),

		/** bizproc.workflow.terminate: stops the process, deletes its unfinished tasks. @param {unknown} id @param {string} statusText */
		terminate(id, statusText) {
			const instance = runningInstance(id);
			finish(instance, 'terminated', statusText);
			for (const task of tasks.values()) if (task.workflowId === instance.id && task.status === TASK_STATUS.running) tasks.delete(task.id);
			workflows.abandon(instance.id);
			changed();
		},
		/** bizproc.workflow.kill: terminates, then deletes the process and all its tasks. @param {unknown} id */
		kill(id) {
			const instance = runningInstance(id);
			this.terminate(id, '');
			for (const task of tasks.values()) if (task.workflowId === instance.id) tasks.delete(task.id);
			instances.delete(instance.id);
			changed();
		},

		tasks: () => [...tasks.values()],
		/** @param {number} id */
		task: (id) => tasks.get(id),
		isCompletableActivity: (/** @type {string} */ activity) => COMPLETABLE_ACTIVITIES.includes(activity),

		/**
		 * The user answers the task (CBPDocument::postTaskForm → the activity's PostTaskForm); throws
		 * ERROR_TASK_EXECUTION when the activity refuses.
		 * @param {Task} task @param {TaskUser} user
		 * @param {{ status: number, comment: string | null, fields: Record<string, any> | null }} answer
		 */
		answerTask(task, user, answer) {
			const result = checkTaskAnswer(task, user, answer);
			user.status = answer.status;
			task.modified = Date.now();
			const outcome = taskOutcome(task, answer.status);
			if (outcome !== undefined) closeTask(task, outcome, result);
			changed();
		},

		/** Moves a waiting user's place in a task to another user. @param {Task} task @param {TaskUser} user @param {number} toUserId */
		delegateTask(task, user, toUserId) {
			user.userId = toUserId;
			task.modified = Date.now();
			changed();
		},

		/** Calls `listener` after every change (handler answered, step ran, task answered). @param {() => void} listener */
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
	};
}

/** A process as tests see it (no event tokens). @param {Instance} instance @param {Task[]} allTasks */
function processSnapshot(instance, allTasks) {
	const { id, documentId, startedBy, parameters, state, stateTitle, returnValues, handlerCalls, taskResults } = instance;
	return structuredClone({
		id,
		templateId: instance.template.id,
		documentId,
		startedBy,
		started: portalDate(instance.started),
		parameters,
		state,
		stateTitle,
		step: instance.stepIndex,
		waitingFor: instance.waitingFor,
		returnValues,
		handlerCalls,
		taskResults,
		tasks: allTasks.filter((task) => task.workflowId === id).map((task) => ({ id: task.id, name: task.name, activity: task.activity, status: task.status, users: task.users })),
	});
}

module.exports = { createProcessEngine, processSnapshot };
