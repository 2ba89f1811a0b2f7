// @ts-check
'use strict';
/** What n8n stored or printed of its executions: the database's rows, and `n8n execute`'s output. */
const fs = require('node:fs');

/** Cuts the run JSON that `n8n execute` prints after its ==== line (absent on failure or with --rawOutput off). */
function parseExecuteOutput(stdout) {
	const marker = stdout.indexOf('====================================');
	const start = stdout.indexOf('{', marker === -1 ? 0 : marker);
	if (start === -1) return undefined;
	try {
		return JSON.parse(stdout.slice(start));
	} catch {
		return undefined;
	}
}

/**
 * Every stored execution of `instance`, oldest first, with its run data decoded from n8n's flatted
 * format. Read with Node 24 through n8n's own database drivers (sqlite3 read-only, or pg when the
 * instance runs on Postgres) and its flatted; works while n8n runs.
 * @param {{ env: Record<string, string | undefined>, dbFile: string, n8n: { n8nDir: string }, runNode: (args: string[], timeoutMs: number) => Promise<{ exitCode: number, stdout: string, stderr: string }> }} instance
 * @param {{ workflowId?: string }} [filter]
 * @returns {Promise<Array<{ id: string, workflowId: string, status: string, finished: boolean, mode: string, startedAt: string, stoppedAt: string, data: any, workflowData: any, raw: string }>>}
 */
async function readExecutions(instance, { workflowId } = {}) {
	const postgres = instance.env.DB_TYPE === 'postgresdb';
	if (!postgres && !fs.existsSync(instance.dbFile)) return [];
	const resolveFromN8n = (request) => JSON.stringify(require.resolve(request, { paths: [instance.n8n.n8nDir] }));
	const where = workflowId === undefined ? '' : `where e."workflowId" = ${postgres ? '$1' : '?'}`;
	const query = JSON.stringify(`select e.id, e."workflowId", e.status, e.finished, e.mode, e."startedAt", e."stoppedAt", d.data, d."workflowData"
		from execution_entity e join execution_data d on d."executionId" = e.id ${where} order by e.id`);
	const parameters = JSON.stringify(workflowId === undefined ? [] : [String(workflowId)]);
	const { DB_POSTGRESDB_HOST, DB_POSTGRESDB_PORT, DB_POSTGRESDB_DATABASE, DB_POSTGRESDB_USER, DB_POSTGRESDB_PASSWORD } = instance.env;
	const connection = JSON.stringify({ host: DB_POSTGRESDB_HOST, port: Number(DB_POSTGRESDB_PORT), database: DB_POSTGRESDB_DATABASE, user: DB_POSTGRESDB_USER, password: DB_POSTGRESDB_PASSWORD });
	const readRows = postgres
		? `const { Client } = require(${resolveFromN8n('pg')});
			const client = new Client(${connection});
			const rowsRead = client.connect().then(() => client.query(${query}, ${parameters})).then((result) => { void client.end(); return result.rows; });`
		: `const sqlite3 = require(${resolveFromN8n('sqlite3')});
			const db = new sqlite3.Database(${JSON.stringify(instance.dbFile)}, sqlite3.OPEN_READONLY);
			db.configure('busyTimeout', 10000);
			const rowsRead = new Promise((resolve, reject) => db.all(${query}, ${parameters}, (error, rows) => { db.close(); error ? reject(error) : resolve(rows); }));`;
	const script = `
		const { parse } = require(${resolveFromN8n('flatted')});
		${readRows}
		rowsRead.then((rows) => process.stdout.write(JSON.stringify(rows.map((row) => ({
			id: String(row.id), workflowId: row.workflowId, status: row.status, finished: !!row.finished, mode: row.mode,
			startedAt: row.startedAt, stoppedAt: row.stoppedAt,
			data: parse(row.data), workflowData: typeof row.workflowData === 'string' ? JSON.parse(row.workflowData) : row.workflowData, raw: row.data,
		}))))).catch((error) => { console.error(error.message); process.exit(1); });`;
	const { exitCode, stdout, stderr } = await instance.runNode(['-e', script], 60_000);
	if (exitCode !== 0) throw new Error(`reading executions from ${postgres ? 'Postgres' : instance.dbFile} failed:\n${stderr}`);
	return JSON.parse(stdout);
}

module.exports = { parseExecuteOutput, readExecutions };
