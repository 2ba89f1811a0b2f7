// @ts-check
'use strict';

/**
 * Waits until `condition` (sync or async) holds, checking every `intervalMs` (200 ms); throws after
 * `timeoutMs`, or as soon as `child` (when given) has exited, with `describe()` (a log tail) in the
 * message. The one polling helper of the harness, the real-n8n tests and the benchmarks.
 * @param {() => unknown} condition
 * @param {number} [timeoutMs]
 * @param {string} [what] named in the error
 * @param {{ child?: import('node:child_process').ChildProcess, describe?: () => string, intervalMs?: number }} [options]
 */
async function until(condition, timeoutMs = 60_000, what = 'condition', { child, describe = () => '', intervalMs = 200 } = {}) {
	const deadline = Date.now() + timeoutMs;
	const details = () => {
		const text = describe();
		return text ? `:\n${text}` : '';
	};
	for (;;) {
		if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${what}: the process exited (${child.exitCode ?? child.signalCode})${details()}`);
		if (await condition()) return;
		if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms${details()}`);
		await new Promise((resolve) => setTimeout(resolve, intervalMs));
	}
}

module.exports = { until };
