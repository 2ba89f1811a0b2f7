import { checkEventToken } from '../../nodes/shared/eventToken';

const TOKEN =
	'55c1dc1c3f0d75.78875596|A51601_82584_96831_81132|hsyUws1j4XiwqPqN45eH66CcQtEvpUIP.47dd5d888e8e549d2c984713e12a4268e6e87d0208ca1f093ba1075e77f92e90';

test('the documentation example token is accepted', () => {
	expect(checkEventToken(TOKEN)).toEqual({ ok: true, token: TOKEN });
});

test.each([[` ${TOKEN} `], [`${TOKEN}\n`], [`\r\n\t${TOKEN}\r\n`]])('surrounding whitespace and line breaks are trimmed', (pasted) => {
	expect(checkEventToken(pasted)).toEqual({ ok: true, token: TOKEN });
});

test.each([
	['missing', undefined, /empty/],
	['null', null, /empty/],
	['empty', '', /empty/],
	['blank', ' \n ', /empty/],
	['a number', 42, /must be text, but it is a number/],
	['an object', { token: TOKEN }, /must be text, but it is an object/],
	['two parts', 'abc|def.47dd5d888e8e549d2c984713e12a4268e6e87d0208ca1f093ba1075e77f92e90', /not shaped like/],
	['no signature', '55c1dc1c3f0d75.78875596|A51601|hsyUws1j4XiwqPqN45eH66CcQtEvpUIP', /not shaped like/],
	['a short signature', '55c1dc1c3f0d75.78875596|A51601|hsyUws.47dd5d88', /not shaped like/],
	['a space inside', '55c1dc1c3f0d75.78875596|A51601 x|hsyUws.47dd5d888e8e549d2c984713e12a4268e6e87d0208ca1f093ba1075e77f92e90', /not shaped like/],
	['a webhook code', 'abc123xyz456', /not shaped like/],
])('%s is refused with the reason', (_label, value, problem) => {
	const check = checkEventToken(value);
	expect(check.ok).toBe(false);
	if (!check.ok) expect(check.problem).toMatch(problem);
});
