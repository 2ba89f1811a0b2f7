import { halfCharacterAt, logMessageProblem, logMessageText } from '../../nodes/shared/inputChecks';

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

test.each([
	['whole emoji', 'ok 🎉👍🏽', undefined],
	['no text', '', undefined],
	['a first half at the end', 'ab\ud83d', 3],
	['a second half at the start', '\udc00ab', 1],
	['two first halves in a row', '\ud83d\ud83d\udc00', 1],
	['after whole emoji, counted as characters', '🎉🎉x\udfff', 4],
])('halfCharacterAt: %s', (_label, text, at) => {
	expect(halfCharacterAt(text)).toBe(at);
});
