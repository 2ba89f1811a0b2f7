import { eventTokenSecrets, maskSecrets } from '../../nodes/shared/secretMasking';

const TOKEN =
	'55c1dc1c3f0d75.78875596|A51601_82584_96831_81132|hsyUws1j4XiwqPqN45eH66CcQtEvpUIP.47dd5d888e8e549d2c984713e12a4268e6e87d0208ca1f093ba1075e77f92e90';

test('every occurrence of every secret is masked', () => {
	const text = `token ${TOKEN} again ${TOKEN} code abc123xyz456 at /rest/1/abc123xyz456/`;
	const masked = maskSecrets(text, ['abc123xyz456', ...eventTokenSecrets(TOKEN)]);
	expect(masked).toBe('token *** again *** code *** at /rest/1/***/');
});

test('a signature or event id alone is masked too', () => {
	const [, signature, lastPart] = eventTokenSecrets(TOKEN);
	expect(maskSecrets(`sig=${signature}`, eventTokenSecrets(TOKEN))).toBe('sig=***');
	expect(maskSecrets(`part=${lastPart}`, eventTokenSecrets(TOKEN))).toBe('part=***');
});

test('short or missing values are not treated as secrets', () => {
	expect(maskSecrets('a 1 b', ['1', undefined, ''])).toBe('a 1 b');
});
