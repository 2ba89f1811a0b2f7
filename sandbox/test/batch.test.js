'use strict';

const { startSandbox } = require('..');
const { call, TIME_FIELDS, logMessages } = require('./helpers');

let portal;
beforeAll(async () => {
	portal = await startSandbox({ rateLimit: false });
});
afterAll(() => portal.close());

const batchUrl = () => `${portal.webhookUrl}batch`;
/** What a client must encode in a command's value: everything but RFC 3986 unreserved characters. */
const encode = (text) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const logCommand = (eventToken, message) => `bizproc.activity.log?event_token=${encode(eventToken)}&log_message=${encode(message)}`;
/** The message put into the command as it is, not encoded (the token still is). */
const rawLogCommand = (eventToken, rawMessage) => `bizproc.activity.log?event_token=${encode(eventToken)}&log_message=${rawMessage}`;
const batch = (cmd, extra = {}) => call(batchUrl(), { json: { halt: 0, cmd, ...extra } });
const commandsFor = (eventToken, n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, logCommand(eventToken, `m${i}`)]));

describe('batch: the answer', () => {
	test('200 with results, errors and times per command; empty sections are [] as PHP sends them', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const answer = await batch({ first: logCommand(eventToken, 'one & two'), bad: 'bizproc.activity.log?event_token=forged&log_message=x', second: logCommand(eventToken, 'три') });
		expect(answer.status).toBe(200);
		expect(answer.body.result).toEqual({
			result: { first: true, second: true },
			result_error: { bad: { error: 'ACCESS_DENIED', error_description: 'Access denied!' } },
			result_total: [],
			result_next: [],
			result_time: { first: expect.any(Object), second: expect.any(Object) },
		});
		expect(Object.keys(answer.body.result.result_time.first).sort()).toEqual([...TIME_FIELDS].sort());
		expect(Object.keys(answer.body.time).sort()).toEqual([...TIME_FIELDS].sort());
		expect(logMessages(portal, workflowId)).toEqual(['one & two', 'три']);
	});

	test('no errors: result_error is []; no cmd at all: every section is []', async () => {
		const { eventToken } = portal.issueEventToken();
		expect((await batch({ a: logCommand(eventToken, 'x') })).body.result.result_error).toEqual([]);
		const empty = await call(batchUrl(), { json: {} });
		expect(empty.body.result).toEqual({ result: [], result_error: [], result_total: [], result_next: [], result_time: [] });
	});

	test('cmd as a JSON list: the sections are lists too (PHP arrays with keys 0..n-1)', async () => {
		const { eventToken } = portal.issueEventToken();
		const answer = await call(batchUrl(), { json: { cmd: [logCommand(eventToken, 'a'), logCommand(eventToken, 'b')] } });
		expect(answer.body.result.result).toEqual([true, true]);
	});

	test('form body: cmd[key] with the command URL-encoded once more', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const form = new URLSearchParams({ halt: '0', 'cmd[a]': logCommand(eventToken, 'a+b=c&d') }).toString();
		const answer = await call(batchUrl(), { form });
		expect(answer.body.result.result).toEqual({ a: true });
		expect(logMessages(portal, workflowId)).toEqual(['a+b=c&d']);
	});

	test('halt=1 stops at the first error; later commands are missing from the answer', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const answer = await batch({ a: logCommand(eventToken, 'before'), b: `bizproc.activity.log?event_token=${encode(eventToken)}`, c: logCommand(eventToken, 'after') }, { halt: 1 });
		expect(answer.status).toBe(200);
		expect(answer.body.result.result).toEqual({ a: true });
		expect(answer.body.result.result_error).toEqual({ b: { error: 'ERROR_EMPTY_LOG_MESSAGE', error_description: 'Empty log message!' } });
		expect(logMessages(portal, workflowId)).toEqual(['before']);
	});

	test('halt is read as PHP (bool): "0", 0, "" and false go on; "false" or "no" stop', async () => {
		for (const [halt, stops] of [['0', false], [0, false], ['', false], [false, false], ['false', true], ['no', true], [2, true]]) {
			const { eventToken, workflowId } = portal.issueEventToken();
			await batch({ a: 'no.such.method', b: logCommand(eventToken, 'after') }, { halt });
			expect([halt, logMessages(portal, workflowId)]).toEqual([halt, stops ? [] : ['after']]);
		}
	});

	test('51 commands: the first 50 run, the 51st gets ERROR_BATCH_LENGTH_EXCEEDED; the batch is 200', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const answer = await batch(commandsFor(eventToken, 51));
		expect(answer.status).toBe(200);
		expect(Object.keys(answer.body.result.result)).toHaveLength(50);
		expect(answer.body.result.result_error).toEqual({ c50: { error: 'ERROR_BATCH_LENGTH_EXCEEDED', error_description: 'Max batch length exceeded' } });
		expect(logMessages(portal, workflowId)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
	});

	test('120 commands: 70 length errors; with halt=1 the 51st stops the batch', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const answer = await batch(commandsFor(eventToken, 120));
		expect(Object.keys(answer.body.result.result_error)).toHaveLength(70);
		const halted = await batch(commandsFor(eventToken, 120), { halt: 1 });
		expect(Object.keys(halted.body.result.result_error)).toEqual(['c50']);
		expect(logMessages(portal, workflowId)).toHaveLength(100);
	});

	test('a command that is not a string is skipped (no entry anywhere) but counts toward the 50', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const cmd = { n: 5, o: { method: 'profile' }, ...commandsFor(eventToken, 49) };
		const answer = await batch(cmd);
		expect(Object.keys(answer.body.result.result)).toHaveLength(48);
		expect(Object.keys(answer.body.result.result_error)).toEqual(['c48']);
		expect(answer.body.result.result_error.c48.error).toBe('ERROR_BATCH_LENGTH_EXCEEDED');
		expect(logMessages(portal, workflowId)).toHaveLength(48);
	});

	test('download and upload (exact case) and a nested batch are refused per command', async () => {
		const answer = await batch({ inner: 'batch?cmd[x]=profile', dl: 'download?id=1', up: 'upload', ok: 'profile' });
		const notAllowed = { error: 'ERROR_BATCH_METHOD_NOT_ALLOWED', error_description: 'Method is not allowed for batch usage' };
		expect(answer.status).toBe(200);
		expect(answer.body.result.result_error).toEqual({ inner: notAllowed, dl: notAllowed, up: notAllowed });
		expect(answer.body.result.result.ok.ID).toBe('1');
	});

	test('the method is the path as given (the core tries it lower-cased first); ".json" is not stripped', async () => {
		const answer = await batch({ upper: 'PROFILE', suffixed: 'profile.json', none: '?a=1', proto: 'constructor' });
		expect(answer.body.result.result.upper.ID).toBe('1');
		expect(Object.keys(answer.body.result.result_error)).toEqual(['suffixed', 'none', 'proto']);
		expect(new Set(Object.values(answer.body.result.result_error).map((e) => e.error))).toEqual(new Set(['ERROR_METHOD_NOT_FOUND']));
	});

	test('commands run with the batch authorization and its scopes', async () => {
		const hook = portal.createWebhook({ scopes: ['crm'] });
		const { eventToken } = portal.issueEventToken();
		const answer = await call(`${hook.url}batch`, { json: { cmd: { a: logCommand(eventToken, 'x') } } });
		expect(answer.body.result.result_error.a.error).toBe('insufficient_scope');
	});

	test('the journal has one entry per batch, with how many commands it held', async () => {
		portal.clearJournal();
		const { eventToken } = portal.issueEventToken();
		await batch({ a: logCommand(eventToken, '1'), b: logCommand(eventToken, '2'), c: 7 });
		await call(`${portal.webhookUrl}profile`);
		const journal = portal.journal();
		expect(journal).toHaveLength(2);
		expect(journal[0]).toMatchObject({ restMethod: 'batch', status: 200, batchCommands: 3 });
		expect(journal[1]).not.toHaveProperty('batchCommands');
	});
});

// What the node author needs: which texts a batch command carries unchanged, and what the server
// does to the rest (CRestProvider::methodsBatch: parse_url, parse_str, processBatchElement).
describe('batch: what a command carries', () => {
	const verbatimTexts = [
		'+ & = % # ? [ ] { } $',
		'a+b=c&d=e#f?g',
		'100% done, %41 is not A, %zz, 50%',
		'[x]{y}$z $ $$ $result $result[] $Result [k0]',
		'price $5 [x], total: $ total[k0], $5[a]',
		'line 1\nline 2\r\n\ttabbed\u000bvt\u000cff',
		'Привет 👋 — 中文 ✓ \u00a0nbsp \u2028ls',
		'  leading and trailing  ',
		'quotes \' " ` \\ / : ; , < > | ^ ~ ! * ( ) @',
		'x'.repeat(20000),
	];

	test.each([
		['JSON body', (cmd) => call(batchUrl(), { json: { halt: 0, cmd } })],
		['form body', (cmd) => call(batchUrl(), { form: new URLSearchParams(Object.entries(cmd).map(([k, v]) => /** @type {[string, string]} */ ([`cmd[${k}]`, String(v)]))).toString() })],
	])('properly percent-encoded, every text lands exactly, in order (%s)', async (_, send) => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const cmd = Object.fromEntries(verbatimTexts.map((text, i) => [`t${i}`, logCommand(eventToken, text)]));
		const answer = await send(cmd);
		expect(answer.body.result.result_error).toEqual([]);
		expect(logMessages(portal, workflowId)).toEqual(verbatimTexts);
	});

	test.each([
		['a raw "+" is a space', 'a+b', 'a b'],
		['a raw "%XX" is decoded, a "%" without two hex digits stays', '100%25 %41%zz%', '100% A%zz%'],
		['a raw "#" cuts the command there', 'before#after', 'before'],
		['a raw "&" ends the value', 'a&b=c', 'a'],
		['a raw "=" inside the value stays', 'a=b', 'a=b'],
		['a raw "?" inside the value stays', 'why?', 'why?'],
		['a raw line break or tab (a control character) becomes "_"', 'a\nb\tc', 'a_b_c'],
	])('not encoded: %s', async (_, raw, written) => {
		const { eventToken, workflowId } = portal.issueEventToken();
		await batch({ a: rawLogCommand(eventToken, raw) });
		expect(logMessages(portal, workflowId)).toEqual([written]);
	});

	test('names inside brackets are parsed after decoding: "]" ends a name even encoded, "" or one space appends; values are strings', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const values = [['plain', 'x'], ['dots.and spaces', 'y'], ['a]b', 'z'], [' ', 'w'], ['n', 3]];
		const query = [`event_token=${encode(eventToken)}`, ...values.map(([name, value]) => `return_values[${encode(name)}]=${encode(String(value))}`)].join('&');
		await batch({ s: `bizproc.event.send?${query}` });
		expect(portal.workflow(workflowId).returnValues).toEqual({ plain: 'x', 'dots.and spaces': 'y', a: 'z', 0: 'w', n: '3' });
	});

	test('"$result[k0]" as the whole value becomes command k0\'s result (true: not a string, so the default text)', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		await batch({ k0: logCommand(eventToken, 'first'), k1: logCommand(eventToken, '$result[k0]') });
		expect(logMessages(portal, workflowId)).toEqual(['first', 'Activity log']);
	});

	test('inside a longer text: a scalar is put in; "$error[...]" reaches an earlier error', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		await batch({
			k0: logCommand(eventToken, 'first'),
			bad: 'bizproc.activity.log?event_token=forged&log_message=x',
			k1: logCommand(eventToken, 'ok=$result[k0] code=$ERROR[bad][error]; $error[bad][error], $error_description[bad][error_description]!'),
			k2: logCommand(eventToken, '$error[bad][error]'),
		});
		// A match runs to the next white space, so the ";", "," and "!" right after go with it.
		// "$ERROR" is matched (case-insensitive) but reaches $arResult['ERROR'], which does not exist: replaced by "".
		// "$error_description[...]" matches as "$error" + "_description[bad][error_description]!".
		expect(logMessages(portal, workflowId)).toEqual(['first', 'ok=1 code= ACCESS_DENIED Access denied!', 'ACCESS_DENIED']);
	});

	test('a path that ends on an array inside a longer text: 500, earlier commands ran, later ones did not', async () => {
		// $arResult['result'] lacks "x" (the walk keeps the whole section), "$resultados" is "$result" + "ados[1]",
		// a time block is an array, and the error section is an (empty) array.
		for (const text of ['see $result[x]', 'hola $resultados[1]', 'took $time[k0] ms', 'x $error[k0]']) {
			const { eventToken, workflowId } = portal.issueEventToken();
			const answer = await batch({ k0: logCommand(eventToken, 'first'), k1: logCommand(eventToken, text), k2: logCommand(eventToken, 'after') });
			expect([text, answer.status, answer.contentType]).toEqual([text, 500, expect.stringMatching(/^text\/html/)]);
			expect(logMessages(portal, workflowId)).toEqual(['first']);
		}
	});

	test('the whole value reaching nothing or an empty section: the message is empty', async () => {
		const { eventToken, workflowId } = portal.issueEventToken();
		const answer = await batch({ a: logCommand(eventToken, '$RESULT[x]'), b: logCommand(eventToken, '$total[x]') });
		expect(answer.body.result.result_error).toEqual({
			a: { error: 'ERROR_EMPTY_LOG_MESSAGE', error_description: 'Empty log message!' },
			b: { error: 'ERROR_EMPTY_LOG_MESSAGE', error_description: 'Empty log message!' },
		});
		expect(logMessages(portal, workflowId)).toEqual([]);
	});
});

describe('batch and the rate limit', () => {
	test('a batch counts once', async () => {
		const limited = await startSandbox({ rateLimit: { burst: 2, drainPerSecond: 0.001 } });
		try {
			const { eventToken, workflowId } = limited.issueEventToken();
			const cmd = commandsFor(eventToken, 10);
			expect((await call(`${limited.webhookUrl}batch`, { json: { cmd } })).status).toBe(200);
			expect((await call(`${limited.webhookUrl}batch`, { json: { cmd } })).status).toBe(200);
			const refused = await call(`${limited.webhookUrl}batch`, { json: { cmd } });
			expect(refused.status).toBe(503);
			expect(limited.workflow(workflowId).logLines).toHaveLength(20);
			expect(limited.journal().map((entry) => entry.batchCommands)).toEqual([10, 10, 10]);
		} finally {
			await limited.close();
		}
	});
});
