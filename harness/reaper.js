// @ts-check
'use strict';
/**
 * Started by processes.js, detached, one per test process: `node reaper.js <ledger file> <pid>...`.
 * Once any of the watched processes (the test process and its parent, e.g. a jest worker and jest)
 * is gone, it kills the process groups and removes the folders the ledger still lists, then exits.
 * It exists because a jest test runs with a copy of `process` that never sees signals or `exit`:
 * handlers registered from a test cannot clean up after a killed run. Ledger lines (JSON):
 * {group}, {reaped: group}, {dir}, {removed: dir}.
 */
const fs = require('node:fs');

const [ledger, ...watched] = process.argv.slice(2);
const pids = watched.map(Number).filter((pid) => pid > 1);

/** Whether a process runs (a zombie nobody reaps, as under an init that does not, counts as gone). */
const alive = (pid) => {
	try {
		return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
	} catch {
		return false;
	}
};

function readLedger() {
	const groups = new Set();
	const dirs = new Set();
	const text = fs.existsSync(ledger) ? fs.readFileSync(ledger, 'utf8') : '';
	for (const line of text.split('\n').filter(Boolean)) {
		try {
			const entry = JSON.parse(line);
			if (entry.group) groups.add(entry.group);
			if (entry.reaped) groups.delete(entry.reaped);
			if (entry.dir) dirs.add(entry.dir);
			if (entry.removed) dirs.delete(entry.removed);
		} catch {
			// a line cut short by the writer's death
		}
	}
	return { groups, dirs };
}

const timer = setInterval(() => {
	if (pids.every(alive)) return;
	clearInterval(timer);
	const { groups, dirs } = readLedger();
	for (const group of groups) {
		try {
			process.kill(-group, 'SIGKILL');
		} catch {
			// gone already
		}
	}
	for (const dir of dirs) {
		try {
			fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
		} catch {
			// nothing more to do
		}
	}
	fs.rmSync(ledger, { force: true });
}, 1000);
