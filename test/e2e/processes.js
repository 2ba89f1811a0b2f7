// @ts-check
'use strict';
/**
 * Processes that tests start, each in its own process group and bounded: whatever is still running
 * when the test process exits (or is killed by SIGINT/SIGTERM/SIGHUP) is killed as a whole group,
 * and the throw-away folders registered here are removed. Shared by n8n-harness.js (n8n) and
 * services.js (Postgres, Redis).
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');

const LIVE = Symbol.for('n8n-nodes-bitrix24-bizproc.e2e.liveGroups');
/**
 * Every process group started and not reaped yet, and every folder to remove at exit. One set per
 * test process, shared by every copy of this module (jest loads it once per test file).
 * @type {{ groups: Set<number>, dirs: Set<string> }}
 */
const live = /** @type {any} */ (process)[LIVE] ?? { groups: new Set(), dirs: new Set() };
if (!(/** @type {any} */ (process)[LIVE])) {
	/** @type {any} */ (process)[LIVE] = live;
	let cleaning = false;
	const cleanUp = () => {
		if (cleaning) return;
		cleaning = true;
		for (const pid of live.groups) killGroup(pid, 'SIGKILL');
		for (const dir of live.dirs) {
			try {
				fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
			} catch {
				// a process of the group may still be dying in it; the others still go
			}
		}
	};
	process.once('exit', cleanUp);
	for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
		// Ctrl-C or a killed test run: take the processes down, then die of the same signal. A second
		// signal while cleaning up (Ctrl-C reaches a whole process group) must not cut the clean-up short.
		process.on(signal, () => {
			if (cleaning) return;
			cleanUp();
			process.removeAllListeners(signal);
			process.kill(process.pid, signal);
		});
	}
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
	if (pid) live.groups.add(pid);
	child.once('exit', () => {
		if (!pid) return;
		killGroup(pid, 'SIGKILL');
		live.groups.delete(pid);
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
	const dir = fs.mkdtempSync(`${os.tmpdir()}/${prefix}`);
	live.dirs.add(dir);
	return dir;
}

function removeDir(dir) {
	fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
	live.dirs.delete(dir);
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

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns true; throws after `timeoutMs` or as soon as `child` (when given)
 * has exited, with `describe()` in the message (a log tail).
 * @param {() => Promise<boolean>} check
 * @param {{ timeoutMs: number, what: string, child?: import('node:child_process').ChildProcess, describe?: () => string, intervalMs?: number }} options
 */
async function waitFor(check, { timeoutMs, what, child, describe = () => '', intervalMs = 500 }) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${what}: the process exited (${child.exitCode ?? child.signalCode}):\n${describe()}`);
		if (await check()) return;
		await sleep(intervalMs);
	}
	throw new Error(`${what}: not ready within ${timeoutMs} ms:\n${describe()}`);
}

module.exports = { spawnGroup, stopGroup, killGroup, throwAwayDir, removeDir, freePort, exitNumber, sleep, waitFor };
