// @ts-check
'use strict';
/**
 * The B1-B4 benchmarks' business processes on the sandbox portal and what the portal saw of them:
 * the lines each process is given, which landed (once, lost, duplicated, in order) and the REST
 * requests that carried them, read from the portal's log and journal. Also the portal's plan and
 * the least time it allows.
 */
const { fmt } = require('./format');

/** Bitrix24's standard plan, on the sandbox portal and in the credential: 50 requests at once, then 2 per second. */
const STANDARD = { burst: 50, drainPerSecond: 2 };
/** The portal's "parallel workers" for B2 and B4: each REST request waits a random 0..N ms before it runs. */
const WORKERS_MS = 40;
/** Commands the portal runs in one batch request. */
const BATCH_SIZE = 50;

/** The least time the plan allows for `lines`: the burst's requests at once, then the drain rate. */
const boundS = (requests) => Math.max(0, requests - STANDARD.burst) / STANDARD.drainPerSecond;
const oneCallPerLineS = (lines) => boundS(lines);
const batchedBoundS = (lines) => boundS(Math.ceil(lines / BATCH_SIZE));

/**
 * @typedef {{ workflowId: string, eventToken: string, lines: string[] }} BusinessProcess a waiting
 *   process (one event token) and the lines to write into it, in this order; every text is unique
 */

/** Starts `processes` waiting business processes with `linesPerProcess` lines each. @returns {BusinessProcess[]} */
function startProcesses(portal, { processes, linesPerProcess }, label) {
	return Array.from({ length: processes }, (_, p) => {
		const { eventToken, workflowId } = portal.issueEventToken({});
		return { workflowId, eventToken, lines: Array.from({ length: linesPerProcess }, (_, n) => `${label}: process ${p + 1}, line ${n + 1} of ${linesPerProcess}`) };
	});
}

/** The items (`event_token`, `text`) that write these processes' lines, each process's lines in order. */
function callsOf(processes) {
	return processes.flatMap((process) => process.lines.map((text) => ({ event_token: process.eventToken, text })));
}

/** One execution's items with the processes' lines interleaved: every process's line 1, then every line 2, ... */
function interleavedCalls(processes) {
	const longest = Math.max(...processes.map((process) => process.lines.length));
	return Array.from({ length: longest }, (_, n) => processes.filter((process) => n < process.lines.length).map((process) => ({ event_token: process.eventToken, text: process.lines[n] }))).flat();
}

/**
 * What the portal's log holds for these processes: each line landed once, never (lost) or more than
 * once (duplicated); a process is out of order when its lines, as written, are not in the order given.
 * @param {BusinessProcess[]} processes
 */
function countLanded(portal, processes) {
	const position = new Map(processes.flatMap((process) => process.lines.map((text, n) => [text, n])));
	/** @type {Map<string, number[]>} */
	const written = new Map(processes.map((process) => [process.workflowId, []]));
	/** @type {Map<string, number>} */
	const times = new Map();
	let firstAt;
	let lastAt;
	for (const line of portal.logLines()) {
		const positions = written.get(line.workflowId);
		if (!positions) continue;
		positions.push(position.get(line.message) ?? -1);
		times.set(line.message, (times.get(line.message) ?? 0) + 1);
		const at = Date.parse(line.time);
		firstAt = firstAt === undefined ? at : Math.min(firstAt, at);
		lastAt = lastAt === undefined ? at : Math.max(lastAt, at);
	}
	const counts = [...position.keys()].map((text) => times.get(text) ?? 0);
	const inOrder = (positions) => positions.every((p, n) => p >= 0 && (n === 0 || p > positions[n - 1]));
	return {
		expected: position.size,
		once: counts.filter((c) => c === 1).length,
		lost: counts.filter((c) => c === 0).length,
		duplicated: counts.filter((c) => c > 1).length,
		extraLines: counts.reduce((sum, c) => sum + Math.max(0, c - 1), 0),
		processes: processes.length,
		outOfOrder: [...written.values()].filter((positions) => !inOrder(positions)).length,
		firstAt,
		lastAt,
	};
}

/** The REST requests the portal received since its journal was cleared: plain calls, batches (and their commands), refusals. */
function portalCalls(portal) {
	const requests = portal.journal().filter((entry) => entry.path.startsWith('/rest/'));
	const batches = requests.filter((entry) => entry.restMethod === 'batch');
	const accepted = requests
		.filter((entry) => entry.status === 200)
		.map((entry) => Date.parse(entry.at))
		.sort((a, b) => a - b);
	const afterBurst = accepted.slice(STANDARD.burst - 1);
	// The portal's bucket replayed over the accepted requests: time it stood empty between the first and
	// the last, draining nothing. The last request cannot arrive before (N − burst) / drain + that time.
	let level = 0;
	let idleMs = 0;
	accepted.forEach((at, n) => {
		if (n > 0) {
			const drainedMs = (level / STANDARD.drainPerSecond) * 1000;
			const gapMs = at - accepted[n - 1];
			idleMs += Math.max(0, gapMs - drainedMs);
			level = Math.max(0, level - (gapMs / 1000) * STANDARD.drainPerSecond);
		}
		level += 1;
	});
	return {
		total: requests.length,
		plain: requests.filter((entry) => entry.restMethod === 'bizproc.activity.log').length,
		batches: batches.length,
		commands: batches.reduce((sum, entry) => sum + (entry.batchCommands ?? 0), 0),
		largestBatch: Math.max(0, ...batches.map((entry) => entry.batchCommands ?? 0)),
		refused: requests.filter((entry) => entry.error === 'QUERY_LIMIT_EXCEEDED').length,
		otherFailures: requests.filter((entry) => entry.status !== 200 && entry.error !== 'QUERY_LIMIT_EXCEEDED').length,
		firstAt: requests.length ? Math.min(...requests.map((entry) => Date.parse(entry.at))) : undefined,
		lastAt: requests.length ? Math.max(...requests.map((entry) => Date.parse(entry.at))) : undefined,
		/** Seconds the portal's bucket (at the standard plan) stood empty while no request came. */
		bucketIdleS: idleMs / 1000,
		/** Requests the portal accepted per second after the burst: its drain rate when the bucket is the limit. */
		drainPerSecond: afterBurst.length > 1 ? (afterBurst.length - 1) / ((afterBurst[afterBurst.length - 1] - afterBurst[0]) / 1000) : undefined,
	};
}

/** "12 (2 plain + 10 batches of 500 commands) / 0 refused" */
function callsCell(calls) {
	const parts = [calls.plain ? `${calls.plain} plain` : '', calls.batches ? `${calls.batches} batch${calls.batches === 1 ? '' : 'es'} (${calls.commands} commands)` : ''].filter(Boolean);
	return `${calls.total}${parts.length ? ` = ${parts.join(' + ')}` : ''}; ${calls.refused} refused${calls.otherFailures ? `, ${calls.otherFailures} other failures` : ''}`;
}

/** One B2 or B4 row for the console: what landed, the HTTP calls, the time. */
function describeRow(row) {
	return `${row.landed.once}/${row.landed.expected} once, ${row.landed.lost} lost, ${row.landed.duplicated} duplicated, ${row.landed.outOfOrder}/${row.landed.processes} processes out of order; HTTP calls ${callsCell(row.calls)}; first call to last line ${fmt(row.spanS, 1)} s`;
}

module.exports = { STANDARD, WORKERS_MS, BATCH_SIZE, oneCallPerLineS, batchedBoundS, startProcesses, callsOf, interleavedCalls, countLanded, portalCalls, callsCell, describeRow };
