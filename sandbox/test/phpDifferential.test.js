'use strict';

/**
 * The sandbox's PHP against real PHP: the same batch commands, form bodies and JSON bodies go through
 * `php` (sandbox/test/phpDifferential.php: parse_url + parse_str as the core's batch uses them,
 * parse_str, json_decode($body, true)) and through the sandbox's parsers, and the results must be
 * equal, PHP's int, float and string kept apart. One php process reads the whole corpus.
 *
 * Two differences are representation, not behaviour, and the comparison allows for them: the sandbox
 * holds text as UTF-8 (bytes that are not UTF-8 become U+FFFD, so PHP's bytes are decoded the same
 * way before comparing), and a JS object lists integer-like keys first, in ascending order (PHP's
 * arrays are put in that order before comparing).
 */

const { spawn, spawnSync } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const { parsePhpQueryString, parsePhpUrl } = require('../phpUrl');
const { phpJsonDecode } = require('../phpJson');
const { isPhpIntKey } = require('../phpValues');
const { parseRequestParams } = require('../bodies');
const { batchCommandFor } = require('../../nodes/shared/batchCommands');

const PHP_SCRIPT = path.join(__dirname, 'phpDifferential.php');

/** Runs the whole corpus through real PHP once. */
function runPhp(/** @type {{ urls: Buffer[], forms: Buffer[], jsons: Buffer[] }} */ corpus) {
	const input = JSON.stringify(Object.fromEntries(Object.entries(corpus).map(([kind, cases]) => [kind, cases.map((c) => c.toString('base64'))])));
	const run = spawnSync('php', ['-d', 'memory_limit=1G', PHP_SCRIPT], { input, maxBuffer: 1 << 30, timeout: 120_000 });
	if (run.error && /** @type {NodeJS.ErrnoException} */ (run.error).code === 'ENOENT') {
		throw new Error('php is not installed: apt-get install php-cli (this test compares the sandbox with real PHP; .ci/run installs it)');
	}
	if (run.error || run.status !== 0) throw new Error(`php failed: ${run.error?.message ?? run.stderr.toString()}`);
	return JSON.parse(run.stdout.toString());
}

/**
 * Posts every form body to one `php -S` on 127.0.0.1 (the same script answers with $_POST): PHP fills
 * $_POST with its POST handler, not parse_str. Stopped before returning.
 * @param {Buffer[]} forms
 */
async function postToPhp(forms) {
	const port = await new Promise((resolve, reject) => {
		const probe = net.createServer().listen(0, '127.0.0.1', () => {
			const { port: free } = /** @type {net.AddressInfo} */ (probe.address());
			probe.close(() => resolve(free));
		});
		probe.on('error', reject);
	});
	const server = spawn('php', ['-S', `127.0.0.1:${port}`, PHP_SCRIPT], { stdio: 'ignore' });
	const post = async (/** @type {Buffer} */ body) => {
		const answer = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body, signal: AbortSignal.timeout(10_000) });
		return answer.json();
	};
	try {
		for (let tries = 0; ; tries += 1) {
			try {
				await post(Buffer.from('ready=1'));
				break;
			} catch (error) {
				if (tries > 100) throw error;
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
		}
		const answers = [];
		for (const body of forms) answers.push(await post(body));
		return answers;
	} finally {
		server.kill();
	}
}

// ---- the corpus -------------------------------------------------------------------------------

/** A small seeded generator, so that every run checks the same corpus. */
function random(seed) {
	let state = seed >>> 0;
	const next = () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const int = (/** @type {number} */ n) => Math.floor(next() * n);
	return { int, pick: (/** @type {any[]} */ list) => list[int(list.length)] };
}

/**
 * What the nodes and PHP treat specially (nodes/shared/batchCommands.ts header): `$` and section
 * names, brackets, NUL, white space, percent signs, plus, `&`, `=`, `#`, `?`, `:`, dots and spaces in
 * names, integer-like names, unicode (also percent-encoded, invalid and surrogate bytes), long text.
 */
const ATOMS = [
	'a', 'b', 'key', 'X1', '0', '5', '05', '-3', '-0', '1.5', '9223372036854775807', '9223372036854775808', '-9223372036854775809',
	'$', '$result', '$RESULT[c0][ID]', '$result[c0]', '$error_description', '$next[x]',
	'[', ']', '[]', '[0]', '[a]', '[ ]', '[ a]', '[\t]', '[\n]', '][', '[[', ']]', '[a][b]', '[]x', '%5B', '%5D', '%5b1%5d', '%5B%5D',
	'%00', '\0', ' ', '  ', '\t', '\n', '\r', '\v', '\f', '%20', '%09', '%0A', '%0B', '%0C', '%0D',
	'+', '%2B', '%2b', '%', '%4', '%zz', '%%', '%%41', '%41', '%FF', '%C3', '%C3%A9', '%F0%9F%98%80', '%ED%A0%BD', '%C0%80',
	'é', 'привет', '😀', '中', '\u2028', '\u00a0',
	'.', '..', '%2E', '=', '%3D', '&', '%26', '#', '%23', '?', '%3F', ':', '/', '//', '\\', '"', "'", '%22', '\x7f', '\x01', '\x1f',
	'__Host-', '__Secure-', '_', '.Host-', '__proto__', 'constructor', 'toString', 'length',
];
/** Raw bytes that are not UTF-8 (a form body can hold anything). */
const RAW_BYTES = [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0xbd]), Buffer.from([0xc0, 0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80])];

/** @param {ReturnType<typeof random>} rng */
function atomsText(rng, min, max, { raw = false } = {}) {
	const parts = [];
	const count = min + rng.int(max - min + 1);
	for (let i = 0; i < count; i += 1) {
		const roll = rng.int(40);
		if (raw && roll === 0) parts.push(rng.pick(RAW_BYTES));
		else if (roll === 1) parts.push(Buffer.from('v'.repeat(1 + rng.int(rng.int(10) ? 300 : 20_000))));
		else parts.push(Buffer.from(rng.pick(ATOMS)));
	}
	return Buffer.concat(parts);
}

/** A random query/form string: pairs of names (with bracket parts) and values. @param {ReturnType<typeof random>} rng */
function randomForm(rng, { raw = false } = {}) {
	const pairs = [];
	const count = rng.int(7);
	for (let i = 0; i < count; i += 1) {
		let name = atomsText(rng, 0, 3, { raw });
		for (let depth = rng.int(4); depth > 0; depth -= 1) name = Buffer.concat([name, Buffer.from('['), atomsText(rng, 0, 2, { raw }), Buffer.from(rng.int(6) ? ']' : '')]);
		const roll = rng.int(8);
		pairs.push(roll === 0 ? name : Buffer.concat([name, Buffer.from('='), atomsText(rng, 0, 4, { raw })]));
	}
	const separator = () => Buffer.from(rng.pick(['&', '&', '&', '&&', '&amp;', ';']));
	const joined = [];
	for (const [index, pair] of pairs.entries()) joined.push(...(index ? [separator()] : []), pair);
	if (rng.int(10) === 0) joined.push(Buffer.from('&'));
	if (rng.int(10) === 0) joined.unshift(Buffer.from('&'));
	return Buffer.concat(joined);
}

const many = (/** @type {number} */ count, /** @type {(i: number) => string} */ pair) => Array.from({ length: count }, (_, i) => pair(i)).join('&');

/** Forms chosen by hand: PHP's limits and orderings. */
const FORM_CASES = [
	'', '&', '=', '==', '=x', '&&a=1&&', 'a', 'a=', ' a=1', '  .a=1', '. a=1', 'a.b c=1', 'a[b.c d]=1', 'a%20b=1', 'a+b=1', 'a%2Eb=1',
	'a[5]=x&a[]=y&a[05]=z&a[]=w', 'a[9223372036854775807]=x&a[]=y', 'a[-5]=x&a[]=y', 'a[-1]=x&a[]=y', 'a[b]=1&a[3]=2&a[1]=3&a[c]=4',
	'x=1&x[]=2&x[a]=3&x=4', 'a[][][]=1&a[][]=2', `a${'[x]'.repeat(63)}=1`, `a${'[x]'.repeat(64)}=1`, `a${'[x]'.repeat(65)}=1&b=2`,
	`a${'[]'.repeat(64)}=1`, `a${'[]'.repeat(65)}=1`, `a${'[x]'.repeat(64)}[=1`, 'a[=1', 'a]=1', 'a[b=1', 'a[b][c=1', 'a[b]c[d]=1', 'a[ b]=1', 'a[\tb]=1', 'a[  b]=1',
	many(1000, (i) => `k${i}=${i}`), many(1001, (i) => `k${i}=${i}`), `${many(999, (i) => `k${i}=${i}`)}&=x&last=1&after=2`,
	`${many(998, (i) => `a[]=${i}`)}&&&x&y=1&z=2`, `${many(1000, () => '')}a=1`, many(2000, (i) => `a[${i % 3}]=${i}`),
	`v=${'%41'.repeat(50_000)}`, `${'k'.repeat(70_000)}=1`,
].map((text) => Buffer.from(text, 'utf8'));

/** Every special character as a whole name and as a whole value. */
const ATOM_CASES = ATOMS.flatMap((atom) => [`${atom}=v`, `n=${atom}`, `a[${atom}]=v`, `${atom}[x]=v`]).map((text) => Buffer.from(text, 'utf8'));

const METHODS = ['bizproc.activity.log', 'bizproc.event.send', 'profile', 'user.get', '', 'x:profile', 'm:80', 'http://host/m', '//host/m', '/m', 'a/b', 'm.json', ' m', 'm ', 'M', 'bat ch', 'm\t', '#m', '?', 'mailto:x', 'm:', ':m', 'm:8a', 'C:\\m'];

/** Batch commands: made-up ones, and what the nodes make of made-up parameters. */
function urlCorpus(/** @type {ReturnType<typeof random>} */ rng) {
	const cases = [];
	for (const method of METHODS) for (const query of ['', 'a=1', 'a[b]=1&c=%20', 'x=1#frag', 'x=1?y=2']) cases.push(`${method}?${query}`, method, `${method}#${query}`);
	for (let i = 0; i < 1500; i += 1) {
		const query = randomForm(rng).toString('utf8');
		const method = rng.pick(METHODS);
		cases.push(rng.pick([`${method}?${query}`, `${method}?${query}#${atomsText(rng, 0, 2)}`, `${method}${atomsText(rng, 0, 2)}?${query}`]));
	}
	return cases.map((text) => Buffer.from(text, 'utf8'));
}

/** What the nodes make of made-up parameters: the command, and the parameters it must give back. */
function nodeCommands(/** @type {ReturnType<typeof random>} */ rng) {
	const commands = [];
	for (let i = 0; i < 1000; i += 1) {
		const params = randomParams(rng, 0);
		const command = batchCommandFor(rng.pick(['bizproc.activity.log', 'bizproc.event.send']), params);
		if (command) commands.push({ command: Buffer.from(command, 'utf8'), params });
	}
	return commands;
}

/** Parameters a node could send: text keys and values, nested records. @param {ReturnType<typeof random>} rng */
function randomParams(rng, depth) {
	/** @type {Record<string, unknown>} */
	const params = {};
	for (let i = rng.int(4); i >= 0; i -= 1) {
		const key = rng.int(2)
			? rng.pick(['EVENT_TOKEN', 'LOG_MESSAGE', 'RETURN_VALUES', 'a', 'Имя', 'x y', 'a.b', '__Host-x', '__Secure-', '5', '05', '-1', '\tx', 'x\t'])
			: atomsText(rng, 1, 3).toString('utf8') + (rng.int(3) ? '' : String.fromCharCode(0xd800 + rng.int(0x800)));
		params[key] = depth < 3 && rng.int(4) === 0 ? randomParams(rng, depth + 1) : atomsText(rng, 0, 4).toString('utf8');
	}
	return params;
}

const NUMBERS = [
	'0', '-0', '1', '-1', '1.0', '1.5', '-0.0', '0.1', '1e2', '1E2', '1e+2', '1e-2', '1E400', '-1e400', '1e-400', '4.9e-324', '1.7976931348623157e308',
	'9007199254740993', '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '123456789012345678901234567890',
	'01', '-01', '1.', '.5', '+1', '0x10', 'NaN', 'Infinity', '-', '1e', '1.5e+', '00', '1_000',
];
const STRINGS = [
	'"\\ud83d"', '"\\ude00"', '"\\ud83d\\ude00"', '"\\uD83D\\uDE00"', '"\\ud83d\\u0041"', '"\\ud83d\\ud83d\\ude00"', '"\\ude00\\ud83d"', '"x\\ud83d"',
	'"\\u0000"', '"\\/"', '"\\x"', '"\\u12"', '"\\U0041"', '"a\tb"', '"a\nb"', '"\x7f"', '"\u2028"', '"😀"', '"привет"', '"\\"', "'x'", '"\\\'"',
];
const LITERALS = ['true', 'false', 'null', 'True', 'nul', 'NULL', '[]', '{}', '[,]', '[1,]', '{"a":1,}', '{,}', '{"a" 1}', '{a:1}', '[1 2]'];

/** A random JSON value as text, with some escapes and numbers JSON.stringify would not write. @param {ReturnType<typeof random>} rng */
function randomJson(rng, depth) {
	const roll = rng.int(depth > 3 ? 4 : 7);
	if (roll === 0) return rng.pick(NUMBERS.slice(0, 23));
	if (roll === 1) return rng.pick(STRINGS.slice(0, 8));
	if (roll === 2) return rng.pick(['true', 'false', 'null']);
	if (roll === 3) return JSON.stringify(atomsText(rng, 0, 3).toString('utf8'));
	if (roll === 4) return `[${Array.from({ length: rng.int(4) }, () => randomJson(rng, depth + 1)).join(',')}]`;
	const keys = Array.from({ length: rng.int(5) }, () => rng.pick([JSON.stringify(atomsText(rng, 0, 2).toString('utf8')), '"5"', '"05"', '"-1"', '""', '"__proto__"', '"a"', '"\\ud83d"']));
	return `{${keys.map((key) => `${key}:${randomJson(rng, depth + 1)}`).join(',')}}`;
}

function jsonCorpus(/** @type {ReturnType<typeof random>} */ rng) {
	const texts = [
		...[...NUMBERS, ...STRINGS, ...LITERALS].flatMap((token) => [token, `{"v":${token}}`, `[${token}]`]),
		'', ' ', '{}', ' {"a":1} ', '\t\n\r{"a":1}\r\n\t', '\v{"a":1}', '\f{"a":1}', '\u00a0{"a":1}', '{"a":1}x', '{"a":1}{}', '{"a":1}\0',
		'\ufeff{"a":1}', '{"a":1,"b":2,"a":3}', '{"b":1,"2":2,"1":3,"a":4}', '{"1":"x","0":"y"}', '{"0":"x","1":"y"}', '["x","y"]', '{"__proto__":{"a":1}}',
		'{"":1}', '{"\\u0000a":1}', '{"a\\u0000":1}', '{"5":1,"05":2,"5.0":3,"-0":4}',
		`${'['.repeat(511)}${']'.repeat(511)}`, `${'['.repeat(512)}${']'.repeat(512)}`, `${'{"a":'.repeat(511)}1${'}'.repeat(511)}`, `${'{"a":'.repeat(512)}1${'}'.repeat(512)}`,
		`${'['.repeat(511)}1${']'.repeat(511)}`, `{"v":"${'x'.repeat(200_000)}"}`,
	];
	for (let i = 0; i < 1500; i += 1) texts.push(randomJson(rng, 0));
	const buffers = texts.map((text) => Buffer.from(text, 'utf8'));
	// Bytes that are not UTF-8, inside strings and outside them.
	for (const bytes of RAW_BYTES) buffers.push(Buffer.concat([Buffer.from('{"a":"'), bytes, Buffer.from('"}')]), Buffer.concat([Buffer.from('{"a":1}'), bytes]), Buffer.concat([Buffer.from('{"'), bytes, Buffer.from('":1}')]));
	return buffers;
}

// ---- comparing --------------------------------------------------------------------------------

/**
 * A value in comparable form: {i: text} an int, {f: number} a float ({n: number} either, when the
 * sandbox cannot tell), {s: text}, {a: [[key, value], ...]} an array in JS key order; null, booleans.
 */
function fromPhp(/** @type {any} */ tagged, numbers = 'typed') {
	switch (tagged[0]) {
		case 'n':
			return null;
		case 'b':
			return tagged[1];
		case 'i':
			return numbers === 'typed' ? { i: tagged[1] } : { n: Number(tagged[1]) };
		case 'f': {
			const text = tagged[1];
			const value = text === 'INF' ? Infinity : text === '-INF' ? -Infinity : text === 'NAN' ? NaN : Number(text);
			return numbers === 'typed' ? { f: value } : { n: value };
		}
		case 's':
			return { s: Buffer.from(tagged[1], 'base64').toString('utf8') };
		case 'a': {
			// JS key order: a null-prototype object puts array-index keys first, ascending (a later key that
			// decodes to the same text replaces the earlier one in its place).
			const ordered = Object.create(null);
			for (const [key, value] of tagged[1]) {
				const name = key[0] === 'i' ? key[1] : Buffer.from(key[1], 'base64').toString('utf8');
				ordered[name] = [key[0] === 'i' ? { i: name } : { s: name }, fromPhp(value, numbers)];
			}
			return { a: Object.values(ordered) };
		}
		default:
			return tagged;
	}
}

/** The sandbox's value in the same form; its own integer keys are those isPhpIntKey says PHP makes integers. */
function fromSandbox(/** @type {unknown} */ value, numbers = 'typed') {
	if (value === null || value === undefined) return null;
	if (typeof value === 'boolean') return value;
	if (typeof value === 'bigint') return numbers === 'typed' ? { i: String(value) } : { n: Number(value) };
	if (typeof value === 'number') return numbers === 'typed' ? { f: value } : { n: value };
	if (typeof value === 'string') return { s: value };
	return { a: Object.entries(/** @type {object} */ (value)).map(([key, item]) => [isPhpIntKey(key) ? { i: key } : { s: key }, fromSandbox(item, numbers)]) };
}

/** @returns {Array<{ case: string, php: unknown, sandbox: unknown }>} */
function mismatches(/** @type {Buffer[]} */ cases, /** @type {unknown[]} */ php, /** @type {(bytes: Buffer) => unknown} */ sandbox, /** @type {(answer: any) => unknown} */ expected) {
	const found = [];
	for (const [index, bytes] of cases.entries()) {
		const want = expected(php[index]);
		const got = sandbox(bytes);
		if (!equals(want, got)) found.push({ case: bytes.toString('latin1').slice(0, 300), php: JSON.stringify(want).slice(0, 2000), sandbox: JSON.stringify(got).slice(0, 2000) });
	}
	return found;
}

/** Deep equality of comparable forms, keys in order, numbers by Object.is (-0 is not 0). */
function equals(/** @type {any} */ a, /** @type {any} */ b) {
	if (Object.is(a, b)) return true;
	if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) return false;
	const keys = Object.keys(a);
	const otherKeys = Object.keys(b);
	return keys.length === otherKeys.length && keys.every((key, index) => key === otherKeys[index] && equals(a[key], b[key]));
}

/** What a failure shows: how many, and the first few. */
const report = (/** @type {unknown[]} */ found) => ({ mismatches: found.length, first: found.slice(0, 3) });

// ---- the test ---------------------------------------------------------------------------------

// PHP_DIFFERENTIAL_SEED draws another corpus (to look for more differences); the default is the one CI runs.
const rng = random(Number(process.env.PHP_DIFFERENTIAL_SEED ?? 15));
const fromNodes = nodeCommands(rng);
const corpus = {
	urls: [...urlCorpus(rng), ...fromNodes.map(({ command }) => command)],
	forms: [...FORM_CASES, ...ATOM_CASES, ...Array.from({ length: 2500 }, () => randomForm(rng, { raw: true }))],
	jsons: jsonCorpus(rng),
};
/** @type {{ urls: any[], forms: any[], jsons: any[], posts: any[] }} */
let php;
beforeAll(() => {
	const startedAt = Date.now();
	php = { ...runPhp(corpus), posts: [] };
	const size = Object.values(corpus).flat().reduce((sum, bytes) => sum + bytes.length, 0);
	console.log(`php: ${corpus.urls.length + corpus.forms.length + corpus.jsons.length} cases, ${(size / 1e6).toFixed(1)} MB, ${Date.now() - startedAt} ms`);
});

describe('the sandbox parses as real PHP does', () => {
	test(`batch commands (${corpus.urls.length}): parse_url path and query, then parse_str`, () => {
		const found = mismatches(
			corpus.urls,
			php.urls,
			(bytes) => {
				const { path: method, query } = parsePhpUrl(bytes.toString('utf8'));
				// CRestUtil::ParseBatchQuery: if($query) parse_str($query, ...)
				return { path: method ?? null, query: query ?? null, params: fromSandbox(query && query !== '0' ? parsePhpQueryString(query) : {}) };
			},
			(answer) => ({ path: fromPhp(answer.path)?.s ?? null, query: fromPhp(answer.query)?.s ?? null, params: fromPhp(answer.params) }),
		);
		expect(report(found)).toEqual({ mismatches: 0, first: [] });
	});

	test(`form bodies (${corpus.forms.length}): parse_str, max_input_vars 1000, max_input_nesting_level 64`, () => {
		const found = mismatches(corpus.forms, php.forms, (bytes) => fromSandbox(parsePhpQueryString(bytes)), fromPhp);
		expect(report(found)).toEqual({ mismatches: 0, first: [] });
	});

	test(`form bodies posted (${corpus.forms.length}): $_POST, max_input_vars 1000 as its POST handler counts, NUL bytes kept in values`, async () => {
		php.posts = await postToPhp(corpus.forms);
		const found = mismatches(corpus.forms, php.posts, (bytes) => fromSandbox(parseRequestParams({ contentType: 'application/x-www-form-urlencoded', body: bytes, query: '' })), fromPhp);
		expect(report(found)).toEqual({ mismatches: 0, first: [] });
	}, 180_000);

	test(`JSON bodies (${corpus.jsons.length}): json_decode($body, true), int, float and string apart`, () => {
		const found = mismatches(
			corpus.jsons,
			php.jsons,
			(bytes) => {
				const decoded = phpJsonDecode(bytes, { int: BigInt });
				return decoded ? fromSandbox(decoded.value) : 'refused';
			},
			(answer) => (answer[0] === 'refused' ? 'refused' : fromPhp(answer)),
		);
		expect(report(found)).toEqual({ mismatches: 0, first: [] });
	});

	test('JSON bodies as request parameters: what json_decode gives when it is an array, else none', () => {
		const found = mismatches(
			corpus.jsons,
			php.jsons,
			(bytes) => fromSandbox(parseRequestParams({ contentType: 'application/json', body: bytes, query: '' }), 'js'),
			(answer) => (answer[0] === 'a' ? fromPhp(answer, 'js') : { a: [] }),
		);
		expect(report(found)).toEqual({ mismatches: 0, first: [] });
	});

	test(`the nodes' own batch commands (${fromNodes.length}) give their parameters back exactly (nodes/shared/batchCommands.ts)`, () => {
		expect(fromNodes.length).toBeGreaterThan(100);
		const answers = php.urls.slice(-fromNodes.length);
		const found = fromNodes.filter(({ params }, index) => !equals(fromPhp(answers[index].params), fromSandbox(params)));
		expect(report(found.map(({ command, params }) => ({ command: command.toString(), params })))).toEqual({ mismatches: 0, first: [] });
	});
});
