// @ts-check
'use strict';
/**
 * Processes that tests start, each in its own process group and bounded: whatever is still running
 * when the test process ends, however it ends (a failed test, Ctrl-C, a killed jest or jest worker),
 * is killed as a whole group, and the throw-away folders registered here are removed. A small
 * detached reaper (reaper.js) does that, because a jest test sees a copy of `process` that never
 * receives signals or `exit`. Shared by n8n-harness.js (n8n) and services.js (Postgres, Redis).
 */
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');


/** @type {string | undefined} the reaper's ledger, once something was started */
let ledger;

/** Writes a line to the reaper's ledger, starting the reaper on first use. */
function record(entry) {
	if (!ledger) {
		ledger = path.join(os.tmpdir(), `n8n-e2e-reaper-${process.pid}-${crypto.randomBytes(4).toString('hex')}.jsonl`);
		fs.writeFileSync(ledger, '');
		// Watches this process and its parent (jest, when this is a jest worker).
		const reaper = spawn(process.execPath, [path.join(__dirname, 'reaper.js'), ledger, String(process.pid), String(process.ppid)], { detached: true, stdio: 'ignore' });
		reaper.unref();
	} else if (!fs.existsSync(ledger)) {
		return; // the reaper has done its work already (its watched parent died): nothing is watched now
	}
	fs.appendFileSync(ledger, `${JSON.stringify(entry)}\n`);
}

/** Signals a whole process group; quiet when it is gone already. */
function killGroup(pid, signal) {
	try {
		process.kill(-pid, signal);
	} catch {
		// already gone
	}
}

/**
 * spawn() in a new process group, tracked until it exits; on exit the rest of its group (children
 * it left behind, such as n8n's task runner) is killed too.
 * @param {string} command
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions} options
 */
function spawnGroup(command, args, options) {
	const child = spawn(command, args, { ...options, detached: true });
	const pid = child.pid;
	if (pid) record({ group: pid });
	child.once('exit', () => {
		if (!pid) return;
		killGroup(pid, 'SIGKILL');
		record({ reaped: pid });
	});
	return child;
}

/**
 * Stops a process started with spawnGroup: `signal` to its group, SIGKILL after `graceMs`.
 * Resolves once it exited.
 * @param {import('node:child_process').ChildProcess | undefined} child
 */
async function stopGroup(child, { signal = /** @type {NodeJS.Signals} */ ('SIGTERM'), graceMs = 15_000 } = {}) {
	if (!child || child.pid === undefined) return;
	const pid = child.pid;
	if (child.exitCode === null && child.signalCode === null) {
		const exited = new Promise((resolve) => child.once('exit', resolve));
		killGroup(pid, signal);
		const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
		await exited;
		clearTimeout(timer);
	}
	killGroup(pid, 'SIGKILL'); // anything of the group still there
}

/** A folder removed when the test process exits, if nobody removed it before. */
function throwAwayDir(prefix) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	record({ dir });
	return dir;
}

function removeDir(dir) {
	fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
	record({ removed: dir });
}

/** A TCP port free on 127.0.0.1 right now. */
async function freePort() {
	return await new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = /** @type {net.AddressInfo} */ (server.address());
			server.close(() => resolve(port));
		});
	});
}

/** A process's exit as a number: its code, or 128 + the signal's number (as a shell reports it). */
function exitNumber(code, signal) {
	if (code !== null && code !== undefined) return code;
	return 128 + (signal ? (os.constants.signals[/** @type {NodeJS.Signals} */ (signal)] ?? 0) : 0);
}

/**
 * Keeps the last `limit` characters of a child's stdout and stderr (for error messages).
 * @param {import('node:child_process').ChildProcess} child
 * @returns {() => string} the output so far
 */
function keepOutput(child, limit) {
	let output = '';
	const keep = (chunk) => {
		output = (output + chunk.toString()).slice(-limit);
	};
	child.stdout?.on('data', keep);
	child.stderr?.on('data', keep);
	return () => output;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));


module.exports = { spawnGroup, stopGroup, killGroup, throwAwayDir, removeDir, freePort, exitNumber, keepOutput, sleep };
