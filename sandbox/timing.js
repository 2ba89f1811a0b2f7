// @ts-check
'use strict';

/** How long the portal's "operating time" window lasts: 10 minutes. */
const OPERATING_WINDOW_SECONDS = 600;

/** "2025-01-29T15:02:26+00:00": the portal's date format (seconds, explicit offset). */
function portalDate(/** @type {number} */ ms) {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/**
 * The `time` block every answer carries.
 * @param {number} startMs
 * @param {number} [finishMs]
 */
function timeBlock(startMs, finishMs = Date.now()) {
	const duration = (finishMs - startMs) / 1000;
	return {
		start: startMs / 1000,
		finish: finishMs / 1000,
		duration,
		processing: duration,
		date_start: portalDate(startMs),
		date_finish: portalDate(finishMs),
		operating_reset_at: Math.floor(startMs / 1000) + OPERATING_WINDOW_SECONDS,
		operating: 0,
	};
}

module.exports = { timeBlock, portalDate, OPERATING_WINDOW_SECONDS };
