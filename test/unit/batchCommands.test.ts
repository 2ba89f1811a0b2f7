/**
 * Which calls may travel inside a batch command: only those PHP's parse_str gives back exactly
 * (sandbox/test/phpDifferential.test.js checks generated ones against real PHP).
 */
import { batchCommandFor } from '../../nodes/shared/batchCommands';

describe('batchCommandFor', () => {
	test.each([
		['a dot in a top-level name (PHP makes it "_")', { 'a.b': 'x' }],
		['a space in a top-level name', { 'my value': 'x' }],
		['a nested name with a cookie prefix (PHP drops it)', { RETURN_VALUES: { '__Host-x': 'v' } }],
		['a nested name with the other cookie prefix', { RETURN_VALUES: { '__Secure-x': 'v' } }],
		['more than 1,000 pairs (max_input_vars)', { LIST: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, 'v'])) }],
	])('goes as a plain call: %s', (_, params) => {
		expect(batchCommandFor('bizproc.event.send', params)).toBeUndefined();
	});

	test.each([
		['dots and spaces in nested names (PHP keeps them)', { RETURN_VALUES: { 'a.b c': 'x' } }, 'bizproc.event.send?RETURN_VALUES[a.b%20c]=x'],
		['a cookie prefix at the top level (not mangled, kept)', { '__Host-x': 'v' }, 'bizproc.event.send?__Host-x=v'],
		['exactly 1,000 pairs', { L: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, 'v'])) }, undefined],
	])('goes in a batch: %s', (_, params, command) => {
		const made = batchCommandFor('bizproc.event.send', params);
		expect(made).toBeDefined();
		if (command) expect(made).toBe(command);
	});
});
