// @ts-check
'use strict';

/** Waits until `condition` (sync or async) holds, checking every 200 ms; throws after `timeoutMs`. */
async function until(condition, timeoutMs = 60_000, what = 'condition') {
	const deadline = Date.now() + timeoutMs;
	while (!(await condition())) {
		if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

module.exports = { until };
