// @ts-check
'use strict';
/**
 * B7 lists: Template Get Many and Task Get Many with Return All over 1,000 records, inside a real n8n
 * against the sandbox portal at the standard plan (50 requests at once, then 2/s): HTTP requests the
 * portal received and time from the node's first request to its last, with Combine Calls Into Batches
 * on (pages after the first share one batch) and off (one request per page). Prints figures side by
 * side and never asserts timings. Run after `npm run build`:
 *
 *   node bench/lists.js [--lines=2|1] [--records=1000]
 */
const { startSandbox } = require('../sandbox');
const { createN8nInstance, packPackage } = require('../harness/n8n-harness');
const { say } = require('./format');

const args = process.argv.slice(2);
const LINE = /** @type {'1'|'2'} */ (args.find((a) => a.startsWith('--lines='))?.slice('--lines='.length) ?? '2');
const RECORDS = Number(args.find((a) => a.startsWith('--records='))?.slice('--records='.length) ?? 1000);
const STANDARD = { burst: 50, drainPerSecond: 2 };
/** @type {import('../sandbox/documents').DocumentId} */
const DEAL = ['crm', 'CCrmDocumentDeal', 'DEAL'];
/** @type {import('../sandbox/documents').DocumentId} */
const LIST = ['lists', 'Bitrix\\Lists\\BizprocDocumentLists', 'iblock_42'];
const NODE = 'Bitrix24 Business Process';

/** A Manual Trigger → the node, with one credential per case (each case starts with an empty client-side bucket). */
function workflow(id, parameters, credentialId) {
	return {
		id,
		name: `bench lists ${id}`,
		active: false,
		nodes: [
			{ parameters: {}, id: `${id}-start`, name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] },
			{
				parameters,
				id: `${id}-node`,
				name: NODE,
				type: 'n8n-nodes-bitrix24-bizproc.bitrix24Bizproc',
				typeVersion: 1,
				position: [240, 0],
				credentials: { bitrix24WebhookApi: { id: credentialId, name: credentialId } },
			},
		],
		connections: { Start: { main: [[{ node: NODE, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

async function main() {
	let portal;
	let n8n;
	try {
		portal = await startSandbox({ rateLimit: false, maxLifetimeMs: 30 * 60 * 1000 });
		say(`Seeding ${RECORDS} templates (a list's) and ${RECORDS} tasks (user 3, one process each) on the sandbox portal`);
		for (let n = 1; n <= RECORDS; n++) portal.addTemplate({ documentType: LIST, name: `Template ${n}`, steps: [{ type: 'review', users: [1], name: 'x' }] });
		const approval = portal.addTemplate({ documentType: DEAL, name: 'Approve', steps: [{ type: 'approve', users: [3], name: 'Approve' }] });
		for (let n = 1; n <= RECORDS; n++) {
			const { documentId } = portal.addDocument(['crm', 'CCrmDocumentDeal', `DEAL_${n}`]);
			const response = await fetch(`${portal.webhookUrl}bizproc.workflow.start`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ TEMPLATE_ID: approval, DOCUMENT_ID: documentId }),
			});
			if (!(/** @type {any} */ (await response.json())).result) throw new Error('seeding: a process did not start');
		}
		portal.setRateLimit(STANDARD);

		n8n = await createN8nInstance({ line: LINE, tarball: packPackage() });
		const cases = [
			['Template Get Many', { resource: 'template', operation: 'getAll', documentType: 'listElement', listId: 42, returnAll: true }],
			['Task Get Many', { resource: 'task', operation: 'getAll', returnAll: true, filters: { userId: 3 } }],
		].flatMap(([label, parameters], index) =>
			[true, false].map((batches) => ({
				label: `${label}, batches ${batches ? 'on' : 'off'}`,
				id: `benchLists${index}${batches ? 'B' : 'P'}`,
				parameters: { .../** @type {object} */ (parameters), options: { combineIntoBatches: batches } },
			})),
		);
		await n8n.importCredentials(
			cases.map((c) => ({ id: `${c.id}Cred`, name: `${c.id}Cred`, type: 'bitrix24WebhookApi', data: { webhookUrl: portal.webhookUrl, portalPlan: 'standard' } })),
		);
		for (const c of cases) await n8n.importWorkflow(workflow(c.id, c.parameters, `${c.id}Cred`));

		const rows = [];
		for (const c of cases) {
			// An empty bucket on the portal for each case: wait until 50 requests may go at once again.
			await new Promise((resolve) => setTimeout(resolve, (STANDARD.burst / STANDARD.drainPerSecond) * 1000));
			portal.clearJournal();
			const result = await n8n.execute(c.id);
			const stored = (await n8n.readExecutions({ workflowId: c.id })).at(-1);
			const output = stored?.data.resultData.runData[NODE]?.[0]?.data?.main?.[0] ?? [];
			const journal = portal.journal().filter((entry) => entry.restMethod !== 'profile');
			const times = journal.map((entry) => Date.parse(entry.at));
			rows.push({
				case: c.label,
				items: output.length,
				requests: journal.length,
				refused: journal.filter((entry) => entry.status === 503).length,
				commands: journal.reduce((sum, entry) => sum + (entry.batchCommands ?? 1), 0),
				firstToLastMs: times.length ? Math.max(...times) - Math.min(...times) : 0,
				status: stored?.status ?? `exit ${result.exitCode}`,
			});
		}
		say(`\nB7 lists, n8n ${n8n.version}, ${RECORDS} records, sandbox at the standard plan (50 at once, then 2/s)\n`);
		say('| Case | Items out | HTTP requests | Refused (503) | Pages read | First to last request | Execution |');
		say('|---|---|---|---|---|---|---|');
		for (const row of rows) say(`| ${row.case} | ${row.items} | ${row.requests} | ${row.refused} | ${row.commands} | ${row.firstToLastMs} ms | ${row.status} |`);
	} finally {
		await n8n?.dispose();
		await portal?.close();
	}
}

main().catch((error) => {
	process.stderr.write(`\nThe bench failed: ${error.stack ?? error.message}\n`);
	process.exitCode = 1;
});
