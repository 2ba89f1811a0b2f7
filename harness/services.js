// @ts-check
'use strict';
/**
 * Postgres and Redis for queue-mode tests, from Debian's packages (`postgresql`, `redis-server`;
 * `.ci/run` installs them when missing). Each is started on 127.0.0.1 on a free port with a
 * throw-away data folder, in its own process group (processes.js: killed with the test process at
 * the latest), and stopped by `stop()`, which also removes the folder. Nothing is persisted: Redis
 * without RDB/AOF, Postgres with fsync off.
 *
 *   const postgres = await startPostgres();   // { host, port, user, database, env, stop() }
 *   const redis = await startRedis();         // { host, port, env, stop() }
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const { spawnGroup, stopGroup, throwAwayDir, removeDir, freePort, keepOutput } = require('./processes');
const { until } = require('./until');

const POSTGRES_USER = 'postgres';
const DATABASE = 'n8n';

/**
 * Debian's Postgres binaries: /usr/lib/postgresql/<version>/bin, the newest version that has initdb
 * and postgres (not /usr/local/bin, which may hold anything). `N8N_QUEUE_PG_BIN` overrides it.
 */
function postgresBinDir() {
	const wanted = ['initdb', 'postgres', 'pg_isready', 'createdb'];
	const complete = (dir) => wanted.every((name) => fs.existsSync(path.join(dir, name)));
	if (process.env.N8N_QUEUE_PG_BIN) {
		if (!complete(process.env.N8N_QUEUE_PG_BIN)) throw new Error(`N8N_QUEUE_PG_BIN=${process.env.N8N_QUEUE_PG_BIN} lacks one of ${wanted.join(', ')}`);
		return process.env.N8N_QUEUE_PG_BIN;
	}
	const root = '/usr/lib/postgresql';
	const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : [];
	const found = versions.map((version) => path.join(root, version, 'bin')).find(complete);
	if (!found) throw new Error(`No Postgres server under ${root}/<version>/bin: install Debian's package (apt-get install postgresql), or set N8N_QUEUE_PG_BIN`);
	return found;
}

/**
 * Postgres refuses to run as root: as root, its processes run as the `postgres` user (Debian's
 * package creates it), the data folder is handed to that user.
 * @returns {{ uid?: number, gid?: number }}
 */
function postgresIdentity() {
	if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
	const entry = fs
		.readFileSync('/etc/passwd', 'utf8')
		.split('\n')
		.map((line) => line.split(':'))
		.find((fields) => fields[0] === POSTGRES_USER);
	if (!entry) throw new Error(`Running as root, Postgres needs a non-root user "${POSTGRES_USER}" (Debian's postgresql package creates it)`);
	return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

/**
 * Starts a server in the foreground in its own process group (killed with everything else if the
 * test dies) and waits until `isReady()`; stops it (and removes `dir`) and throws when it exits or
 * is not ready within `timeoutMs`. Its output (the last 200 kB) is kept for error messages.
 * @param {{ what: string, command: string, args: string[], dir: string, spawnOptions?: import('node:child_process').SpawnOptions, stopSignal: NodeJS.Signals, isReady: () => Promise<boolean>, timeoutMs: number }} options
 */
async function startServer({ what, command, args, dir, spawnOptions = {}, stopSignal, isReady, timeoutMs }) {
	const server = spawnGroup(command, args, { ...spawnOptions, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
	const log = keepOutput(server, 200_000);
	const stop = async () => {
		await stopGroup(server, { signal: stopSignal, graceMs: 10_000 });
		removeDir(dir);
	};
	try {
		await until(isReady, timeoutMs, what, { child: server, describe: log, intervalMs: 200 });
	} catch (error) {
		await stop();
		throw error;
	}
	return { log, stop };
}

/**
 * A fresh Postgres cluster (trust authentication, user `postgres`) with an empty database `n8n`.
 * @param {{ timeoutMs?: number }} [options]
 */
async function startPostgres({ timeoutMs = 60_000 } = {}) {
	const bin = postgresBinDir();
	const identity = postgresIdentity();
	const root = throwAwayDir('n8n-queue-postgres-');
	const dataDir = path.join(root, 'data');
	fs.mkdirSync(dataDir, { mode: 0o700 });
	if (identity.uid !== undefined) {
		fs.chownSync(root, identity.uid, /** @type {number} */ (identity.gid));
		fs.chownSync(dataDir, identity.uid, /** @type {number} */ (identity.gid));
	}
	const asPostgres = { ...identity, env: { PATH: process.env.PATH, LANG: 'C', LC_ALL: 'C' } };
	try {
		execFileSync(path.join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', POSTGRES_USER, '--no-sync', '--encoding=UTF8', '--locale=C'], { ...asPostgres, stdio: 'pipe', timeout: 120_000 });
	} catch (error) {
		removeDir(root);
		throw new Error(`initdb failed: ${/** @type {any} */ (error).stderr ?? /** @type {Error} */ (error).message}`);
	}
	const port = await freePort();
	const isReady = async () => {
		try {
			execFileSync(path.join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)], { stdio: 'ignore', timeout: 5000 });
			return true;
		} catch {
			return false;
		}
	};
	const { log, stop } = await startServer({
		what: 'Postgres',
		command: path.join(bin, 'postgres'),
		args: ['-D', dataDir, '-p', String(port), '-k', root, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
		dir: root,
		spawnOptions: asPostgres,
		stopSignal: 'SIGINT', // Postgres's "fast shutdown"; it stops its own backends
		isReady,
		timeoutMs,
	});
	try {
		execFileSync(path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', POSTGRES_USER, DATABASE], { stdio: 'pipe', timeout: 30_000 });
	} catch (error) {
		await stop();
		throw error;
	}
	return {
		host: '127.0.0.1',
		port,
		user: POSTGRES_USER,
		database: DATABASE,
		/** What every n8n process of a cluster needs to share this database. */
		env: {
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(port),
			DB_POSTGRESDB_DATABASE: DATABASE,
			DB_POSTGRESDB_USER: POSTGRES_USER,
			DB_POSTGRESDB_PASSWORD: '',
		},
		log,
		stop,
	};
}

/** Answers true once a Redis server says +PONG to PING. */
function redisAnswers(port) {
	return new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		let answer = '';
		const done = (ok) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(2000, () => done(false));
		socket.once('error', () => done(false));
		socket.once('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			answer += chunk.toString();
			if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
		});
	});
}

/**
 * A fresh Redis on 127.0.0.1, nothing written to disk.
 * @param {{ timeoutMs?: number }} [options]
 */
async function startRedis({ timeoutMs = 30_000 } = {}) {
	const binary = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((file) => fs.existsSync(file));
	if (!binary) throw new Error("No redis-server: install Debian's package (apt-get install redis-server)");
	const dir = throwAwayDir('n8n-queue-redis-');
	const port = await freePort();
	const { log, stop } = await startServer({
		what: 'Redis',
		command: binary,
		args: ['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', ''],
		dir,
		stopSignal: 'SIGTERM',
		isReady: () => redisAnswers(port),
		timeoutMs,
	});
	return {
		host: '127.0.0.1',
		port,
		/** What every n8n process of a cluster needs to share this Redis (a prefix of its own per cluster). */
		env: { QUEUE_BULL_REDIS_HOST: '127.0.0.1', QUEUE_BULL_REDIS_PORT: String(port) },
		log,
		stop,
	};
}

module.exports = { startPostgres, startRedis, postgresBinDir };
