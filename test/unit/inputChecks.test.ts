import { logMessageProblem, logMessageText } from '../../nodes/shared/inputChecks';

test.each([
	['text as is', 'Order checked', 'Order checked'],
	['lines and spaces kept', '  a\n b  ', '  a\n b  '],
	['a number as text', 42, '42'],
	['zero as a number', 0, '0'],
	['a boolean as text', false, 'false'],
	['an object as JSON', { a: 1, b: 'x' }, '{"a":1,"b":"x"}'],
	['a list as JSON', [1, 'two'], '[1,"two"]'],
	['missing', undefined, undefined],
	['null', null, undefined],
])('logMessageText: %s', (_label, value, text) => {
	expect(logMessageText(value)).toBe(text);
});

test.each([
	[undefined, /empty/],
	['', /empty/],
	['  \n\t ', /empty/],
	['0', /"0", which Bitrix24 treats as an empty message/],
])('logMessageProblem(%j)', (text, problem) => {
	expect(logMessageProblem(text)).toMatch(problem);
});

test.each([['00'], [' 0'], ['0.0'], ['false'], ['Привет'], ['🎉']])('logMessageProblem accepts %j', (text) => {
	expect(logMessageProblem(text)).toBeUndefined();
});
