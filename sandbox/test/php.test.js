'use strict';

const { parsePhpQueryString, parsePhpUrl, phpUrlDecode } = require('../phpUrl');
const { phpFloatString, phpStringForReplace, isPhpIntKey, PhpFatalError } = require('../phpValues');

// Expected values are PHP's own, from the PHP manual (php.net/parse_str), php-src's tests
// (ext/standard/tests/strings/parse_str_basic3.phpt, parse_str_basic4.phpt), the PHP RFC
// "On-demand Name Mangling" (its mangle.phpt), or read off php-src (main/php_variables.c,
// ext/standard/url.c) where a comment says so.

describe('parsePhpQueryString (PHP parse_str)', () => {
	test.each([
		// php.net/parse_str, example #1 and #2
		['first=value&arr[]=foo+bar&arr[]=baz', { first: 'value', arr: ['foo bar', 'baz'] }],
		['My Value=Something', { My_Value: 'Something' }],
		// RFC on_demand_name_mangling, mangle.phpt: later duplicates overwrite, "$" is kept, "[" without "]" is "_"
		['a.b=dot&a$b=dollar&a%20b=space&a[b=bracket', { a_b: 'bracket', a$b: 'dollar' }],
		// parse_str_basic4.phpt: badly formed brackets, badly formed % numbers, dots and spaces in names
		['arr[1=sid&arr[4][2=fred', { arr_1: 'sid', arr: { 4: 'fred' } }],
		['arr1]=sid&arr[4]2]=fred', { 'arr1]': 'sid', arr: { 4: 'fred' } }],
		['arr[one=sid&arr[4][two=fred', { arr_one: 'sid', arr: { 4: 'fred' } }],
		['first=%41&second=%a&third=%b', { first: 'A', second: '%a', third: '%b' }],
		['arr.test[1]=sid&arr test[4][two]=fred', { arr_test: { 1: 'sid', 4: { two: 'fred' } } }],
		// parse_str_basic3.phpt
		['a=%3c%3d%3d%20%20foo+bar++%3d%3d%3e&b=%23%23%23Hello+World%23%23%23', { a: '<==  foo bar  ==>', b: '###Hello World###' }],
		['arr[3][4]=sid&arr[3][6]=fred', { arr: { 3: { 4: 'sid', 6: 'fred' } } }],
		['arr[][]=sid&arr[][]=fred', { arr: [['sid'], ['fred']] }],
		['first=abc&a[]=123&a[]=false&b[]=str&c[]=3.5&a[]=last', { first: 'abc', a: ['123', 'false', 'last'], b: ['str'], c: ['3.5'] }],
		['str=A%20string%20with%20containing%20%00%00%00%20nulls', { str: 'A string with containing \0\0\0 nulls' }],
	])('%s', (query, expected) => {
		expect(parsePhpQueryString(query)).toEqual(expected);
	});

	// Read off php_default_treat_data and php_register_variable_ex (main/php_variables.c).
	test.each([
		['empty pairs and a pair without "=" (empty value)', 'a=1&&b&=c&', { a: '1', b: '' }],
		['leading spaces of a name are dropped, a name of only "[...]" is skipped', '  x=1&[y]=2', { x: '1' }],
		['an encoded "[" builds arrays too (names are decoded first)', 'a%5Bb%5D=1', { a: { b: '1' } }],
		['after the last "]" the rest is ignored', 'a[b]c=1', { a: { b: '1' } }],
		['"[ ]" appends like "[]"; " x" keeps its space', 'a[ ]=1&a[ x]=2', { a: { 0: '1', ' x': '2' } }],
		['"[]" continues after the largest integer key', 'a[5]=x&a[]=y&a[05]=z&a[]=w', { a: { 5: 'x', 6: 'y', '05': 'z', 7: 'w' } }],
		['a later scalar replaces an array and the other way round', 'a[x]=1&a=2&b=1&b[y]=2', { a: '2', b: { y: '2' } }],
		['"[" without "]" deeper down: the rest is ignored', 'a[x][b=1', { a: { x: '1' } }],
		['dots and spaces only in the base name', 'a.b[c.d]=1', { a_b: { 'c.d': '1' } }],
		['a name is cut at a NUL byte, a value is not', 'k%00ey=v%00v', { k: 'v\0v' }],
		// The next four measured with PHP 8.2 (phpDifferential.test.js compares many more with real PHP).
		['mangling must not create a __Host- or __Secure- prefix', '._Host-a=1&__Host-b=2&.[Secure-c=3', { '__Host-b': '2' }],
		['an index with such a prefix the name does not have ends the variable', 'a[b][__Host-x]=1&__Host-c[__Host-d]=2', { a: { b: {} }, '__Host-c': { '__Host-d': '2' } }],
		['a raw NUL byte ends the text (parse_str reads a C string)', 'a=1&b=x\0y&c=3', { a: '1', b: 'x' }],
		['no append after PHP_INT_MAX', 'a[9223372036854775807]=x&a[]=y', { a: { '9223372036854775807': 'x' } }],
		['"__proto__" is a plain key', '__proto__[x]=1', { ['__proto__']: { x: '1' } }],
		['UTF-8 in names and values; invalid UTF-8 becomes U+FFFD here', '%D0%B8%D0%BC%D1%8F=%F0%9F%91%8B&bad=%FF', { имя: '👋', bad: '\uFFFD' }],
	])('%s', (_, query, expected) => {
		const parsed = parsePhpQueryString(query);
		expect(parsed).toEqual(expected);
		expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
	});

	test('max_input_vars: parse_str keeps 1000 non-empty pairs; a form body ($_POST) one more, empty pairs counted (measured with php -S)', () => {
		const pairs = (/** @type {number} */ count) => Array.from({ length: count }, (_, i) => `k${i}=${i}`).join('&');
		expect(Object.keys(parsePhpQueryString(`&&${pairs(1000)}&z=1`))).toHaveLength(1000);
		expect(parsePhpQueryString(`${pairs(1000)}&z=1`, { post: true }).z).toBe('1');
		expect(parsePhpQueryString(`=1&&x&${pairs(997)}&y=1&z=1`, { post: true })).toMatchObject({ x: '', y: '1' });
		expect(parsePhpQueryString(`=1&&x&${pairs(997)}&y=1&z=1`, { post: true }).z).toBeUndefined();
		expect(parsePhpQueryString('a=x\0y&b=2', { post: true })).toEqual({ a: 'x\0y', b: '2' });
	});

	test('more than 64 levels of brackets drop the variable (max_input_nesting_level)', () => {
		expect(parsePhpQueryString(`a=1&b${'[x]'.repeat(64)}=2`).b).toBeDefined();
		expect(parsePhpQueryString(`a=1&b=0&b${'[x]'.repeat(65)}=2`)).toEqual({ a: '1' });
	});
});

describe('phpUrlDecode (php_url_decode)', () => {
	test('"+" is a space, %XX a byte (either case), anything else stays; a decoded "+" stays "+"', () => {
		expect(phpUrlDecode('a+b%2Bc%2bd%zz%4%')).toBe('a b+c+d%zz%4%');
	});
});

describe('parsePhpUrl (parse_url path and query, php_url_parse_ex2)', () => {
	test.each([
		['bizproc.activity.log?a=1&b=2', 'bizproc.activity.log', 'a=1&b=2'],
		['profile', 'profile', undefined],
		['profile?', 'profile', ''],
		['m?a=1#frag?x', 'm', 'a=1'],
		['m#frag?a=1', 'm', undefined],
		['m?a=1?2&b=x:y', 'm', 'a=1?2&b=x:y'],
		['m?a=line\nbreak\ttab\x7f', 'm', 'a=line_break_tab_'],
		['?a=1', undefined, 'a=1'],
		['', '', undefined],
		['x:profile?a=1', 'profile', 'a=1'], // the scheme "x"
		['//host/profile', '/profile', undefined], // the host "host"
		['m:80?a=1', '80', 'a=1'], // the scheme "m": a port is followed by "/" or the end
		['m:80/x?a=1', '/x', 'a=1'], // the host "m", port 80
		['m:99999', undefined, undefined], // parse_url gives false
	])('%j', (url, path, query) => {
		expect(parsePhpUrl(url)).toEqual({ path, query });
	});
});

describe('PHP string conversion for str_replace', () => {
	test.each([
		['text', 'text'],
		[true, '1'],
		[false, ''],
		[null, ''],
		[42, '42'],
		[0.1 + 0.2, '0.3'],
		[1700000000.123, '1700000000.123'],
		[1e20, '1.0E+20'],
		[0.00001, '1.0E-5'],
		[-2.5, '-2.5'],
	])('%j -> %j', (value, text) => {
		expect(phpStringForReplace(value)).toBe(text);
	});

	test('an array is a TypeError (a fatal error for the request)', () => {
		expect(() => phpStringForReplace({ a: 1 })).toThrow(PhpFatalError);
		expect(() => phpStringForReplace([])).toThrow(/must be of type string/);
	});

	test('phpFloatString keeps 14 significant digits', () => {
		expect(phpFloatString(1 / 3)).toBe('0.33333333333333');
		expect(phpFloatString(123456789012345.6)).toBe('1.2345678901235E+14');
	});
});

describe('isPhpIntKey', () => {
	test('canonical decimal integers within 64 bits only', () => {
		expect(['0', '5', '-3', '9223372036854775807'].every(isPhpIntKey)).toBe(true);
		expect(['05', '+5', '-0', '5 ', '1.0', '9223372036854775808', ''].some(isPhpIntKey)).toBe(false);
	});
});
