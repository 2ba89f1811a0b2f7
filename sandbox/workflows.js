// @ts-check
'use strict';

const { newWorkflowId, newActivityName, newEventId } = require('./ids');

/**
 * @typedef {object} Workflow
 * @property {string} id
 * @property {string} activityName the action currently waiting (or last run)
 * @property {string} eventId changes on every run of the action; older tokens stop counting
 * @property {string} code the action's CODE
 * @property {'waiting'|'completed'} state
 * @property {boolean} useSubscription
 * @property {number} deadline ms; the action closes by timeout then
 * @property {Record<string, any>} returnValues
 * @property {Array<{ time: string, message: string }>} logLines
 */

/**
 * Business processes that have reached an application action. An action waits for events only with
 * USE_SUBSCRIPTION=Y; otherwise it completes as soon as it has been sent to the handler.
 * @param {{ onLogLine?: (line: { workflowId: string, time: string, message: string }) => void }} hooks
 */
function createWorkflowStore({ onLogLine }) {
	/** @type {Map<string, Workflow>} */
	const workflows = new Map();
	/** @type {Array<{ workflowId: string, time: string, message: string }>} */
	const lines = [];

	/** @type {Set<(workflow: Workflow) => void>} */
	const closedListeners = new Set();
	const closed = (/** @type {Workflow} */ workflow) => {
		for (const listener of closedListeners) listener(workflow);
	};

	/** The action closes by itself after timeout_duration seconds (0: never). */
	const closeIfTimedOut = (/** @type {Workflow} */ workflow) => {
		if (workflow.state === 'waiting' && Date.now() >= workflow.deadline) {
			workflow.state = 'completed';
			closed(workflow);
		}
		return workflow;
	};

	return {
		/**
		 * Runs an action in a (new or existing) workflow; returns the workflow with a fresh eventId.
		 * @param {{ workflowId?: string, activityName?: string, code?: string, useSubscription?: boolean, timeoutDuration?: number }} options
		 */
		runAction({ workflowId = newWorkflowId(), activityName = newActivityName(), code = '', useSubscription = true, timeoutDuration = 7200 }) {
			const existing = workflows.get(workflowId);
			/** @type {Workflow} */
			const workflow = {
				id: workflowId,
				activityName,
				eventId: newEventId(),
				code,
				state: useSubscription ? 'waiting' : 'completed',
				useSubscription,
				deadline: timeoutDuration > 0 ? Date.now() + timeoutDuration * 1000 : Infinity,
				returnValues: existing?.returnValues ?? {},
				logLines: existing?.logLines ?? [],
			};
			workflows.set(workflowId, workflow);
			return workflow;
		},

		/** @param {string} workflowId */
		find(workflowId) {
			const workflow = workflows.get(workflowId);
			return workflow && closeIfTimedOut(workflow);
		},

		/** @param {Workflow} workflow @param {string} message */
		writeLog(workflow, message) {
			const line = { time: new Date().toISOString(), message };
			workflow.logLines.push(line);
			const entry = { workflowId: workflow.id, ...line };
			lines.push(entry);
			onLogLine?.(entry);
		},

		/** @param {Workflow} workflow @param {Record<string, any>} returnValues */
		complete(workflow, returnValues) {
			workflow.returnValues = returnValues;
			workflow.state = 'completed';
			closed(workflow);
		},

		/** The process was terminated: its waiting action takes no more events, and nobody is told. @param {string} workflowId */
		abandon(workflowId) {
			const workflow = workflows.get(workflowId);
			if (workflow) workflow.state = 'completed';
		},

		/** Calls `listener` when a waiting action closes (event received or timed out). @param {(workflow: Workflow) => void} listener */
		onActionClosed(listener) {
			closedListeners.add(listener);
		},

		/** A copy for tests. @param {string} workflowId */
		snapshot(workflowId) {
			const workflow = this.find(workflowId);
			if (!workflow) return undefined;
			const { id, state, useSubscription, returnValues, logLines, activityName, code } = workflow;
			return structuredClone({ id, state, useSubscription, returnValues, logLines, activityName, code });
		},

		allLines() {
			return structuredClone(lines);
		},
	};
}

module.exports = { createWorkflowStore };
