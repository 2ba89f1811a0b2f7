// @ts-check
'use strict';

/** @typedef {{ burst: number, drainPerSecond: number }} RateLimit */

/** The cloud "standard plan" limit: 50 requests at once, then 2 per second. */
const STANDARD_RATE_LIMIT = { burst: 50, drainPerSecond: 2 };

/**
 * The portal's leaky bucket: each request adds one; the bucket drains continuously; a request that
 * finds it full is refused (QUERY_LIMIT_EXCEEDED) and not run.
 * @param {RateLimit | false} initial
 */
function createLeakyBucket(initial) {
	/** @type {RateLimit | false} */
	let limit = initial;
	let level = 0;
	let drainedAt = Date.now();

	const drain = () => {
		const now = Date.now();
		if (limit) level = Math.max(0, level - ((now - drainedAt) / 1000) * limit.drainPerSecond);
		drainedAt = now;
	};

	return {
		/** @param {RateLimit | false} next */
		set(next) {
			drain();
			limit = next;
			level = 0;
		},
		/** Counts one request; false if the bucket is full. */
		tryTake() {
			if (!limit) return true;
			drain();
			if (level + 1 > limit.burst) return false;
			level += 1;
			return true;
		},
	};
}

/**
 * @typedef {object} Fault
 * @property {'internalError'|'operationTimeLimit'|'methodNotFound'|'htmlPage'|'slow'|'drop'|'error'} kind
 * @property {number} [count] how many matching calls it hits (default 1)
 * @property {string} [method] only calls of this REST method count; a command inside a batch counts too
 *   for kinds internalError, operationTimeLimit, methodNotFound, error (it gets a result_error entry)
 * @property {number} [delayMs] for 'slow'
 * @property {boolean} [afterRun] for 'drop': run the call, then drop the connection
 * @property {number} [operatingResetAt] for 'operationTimeLimit' (unix seconds)
 * @property {number} [status] for 'error'
 * @property {string} [error] for 'error'
 * @property {string} [errorDescription] for 'error'
 */

const FAULT_KINDS = ['internalError', 'operationTimeLimit', 'methodNotFound', 'htmlPage', 'slow', 'drop', 'error'];

/** Faults queued by tests; each REST call takes the first one that matches it. */
function createFaultQueue() {
	/** @type {Array<Fault & { remaining: number }>} */
	let queue = [];

	return {
		/** @param {Fault} fault */
		add(fault) {
			if (!FAULT_KINDS.includes(fault.kind)) throw new Error(`Unknown fault kind "${fault.kind}"; known: ${FAULT_KINDS.join(', ')}`);
			queue.push({ ...fault, method: fault.method?.toLowerCase(), remaining: fault.count ?? 1 });
		},
		clear() {
			queue = [];
		},
		/**
		 * The first fault for a call of `method`: one with no method or that method. With `kinds` (a
		 * command inside a batch): only one that names the method and is of one of those kinds.
		 * @param {string} method
		 * @param {string[]} [kinds]
		 */
		take(method, kinds) {
			const fault = queue.find((f) => (kinds ? f.method === method && kinds.includes(f.kind) : !f.method || f.method === method));
			if (!fault) return undefined;
			fault.remaining -= 1;
			if (fault.remaining <= 0) queue = queue.filter((f) => f !== fault);
			return fault;
		},
	};
}

module.exports = { STANDARD_RATE_LIMIT, createLeakyBucket, createFaultQueue };
