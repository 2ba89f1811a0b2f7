import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import { bitrix24CodeOf, failureFromAnswer, failureFromNetworkError, inCredentialWords } from '../../nodes/shared/bitrix24Errors';
import { failureFromThrown, toNodeError } from '../../nodes/shared/n8nErrors';

const answer = (status: number, error: string, errorDescription = '') => ({ status, body: { error, error_description: errorDescription } });

describe('every Bitrix24 error code becomes plain words with a fix', () => {
	test.each([
		[answer(403, 'ACCESS_DENIED', 'Access denied!'), 'ACCESS_DENIED', /refused the event token/, /USE_SUBSCRIPTION = Y/],
		[answer(401, 'ACCESS_DENIED', 'REST is available only on commercial plans'), 'ACCESS_DENIED', /denied REST access/, /commercial plans/],
		[answer(400, 'ERROR_EMPTY_LOG_MESSAGE', 'Empty log message!'), 'ERROR_EMPTY_LOG_MESSAGE', /log message is empty/, /"0"/],
		[answer(401, 'NO_AUTH_FOUND', 'Wrong authorization data'), 'NO_AUTH_FOUND', /did not recognise the webhook/, /Inbound webhook/],
		[answer(401, 'INVALID_CREDENTIALS', 'Invalid request credentials'), 'INVALID_CREDENTIALS', /rejected the credentials/, /reconnect/],
		[answer(401, 'insufficient_scope', 'The request requires higher privileges'), 'insufficient_scope', /Business processes permission/, /bizproc/],
		[answer(401, 'expired_token', 'The access token provided has expired'), 'expired_token', /has expired/, /Reconnect/],
		[answer(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!'), 'ERROR_METHOD_NOT_FOUND', /does not offer this method/, /plan/],
		[answer(400, 'INVALID_REQUEST', 'Https required.'), 'INVALID_REQUEST', /requires HTTPS/, /https:\/\//],
		[answer(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests'), 'QUERY_LIMIT_EXCEEDED', /request limit was exceeded/, /nothing was written/],
		[answer(429, 'OPERATION_TIME_LIMIT', 'Method is blocked'), 'OPERATION_TIME_LIMIT', /blocked this method/, /480 seconds/],
		[answer(503, 'OVERLOAD_LIMIT', 'REST API is blocked due to overload.'), 'OVERLOAD_LIMIT', /blocked REST calls/, /support/],
		[answer(403, 'PORTAL_DELETED', 'Portal was deleted'), 'PORTAL_DELETED', /portal has been deleted/, /portal address/],
		[answer(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'), 'INTERNAL_SERVER_ERROR', /internal error/, /not sent again/],
		[answer(401, 'user_access_error', 'no access'), 'user_access_error', /no access to the Bitrix24 application/, /access list/],
	])('%#: %j', (portalAnswer, code, message, fix) => {
		const failure = failureFromAnswer(portalAnswer);
		expect(failure).toMatchObject({ code, httpStatus: portalAnswer.status });
		expect(failure?.message).toMatch(message);
		expect(failure?.message).toContain(`(${code})`);
		expect(failure?.description).toMatch(fix);
	});
});

test('only QUERY_LIMIT_EXCEEDED and OPERATION_TIME_LIMIT (the call did not run) may be retried', () => {
	expect(failureFromAnswer(answer(503, 'QUERY_LIMIT_EXCEEDED'))?.retry).toBe('queryLimit');
	expect(failureFromAnswer(answer(429, 'OPERATION_TIME_LIMIT'))?.retry).toBe('operationTime');
	for (const code of ['INTERNAL_SERVER_ERROR', 'ACCESS_DENIED', 'NO_AUTH_FOUND', 'ERROR_UNEXPECTED_ANSWER']) {
		expect(failureFromAnswer(answer(500, code))?.retry).toBeUndefined();
	}
});

test('OPERATION_TIME_LIMIT says when the method frees up', () => {
	const failure = failureFromAnswer({ status: 429, body: { error: 'OPERATION_TIME_LIMIT', time: { operating_reset_at: 1800000000 } } });
	expect(failure?.operatingResetAt).toBe(1800000000);
	expect(failure?.description).toContain('2027-01-15T08:00:00.000Z');
});

test('a success is no failure', () => {
	expect(failureFromAnswer({ status: 200, body: { result: true, time: {} } })).toBeUndefined();
	expect(failureFromAnswer({ status: 200, body: '{"result":true}' })).toBeUndefined();
});

test('a 200 that carries an error is a failure', () => {
	expect(failureFromAnswer({ status: 200, body: { error: 'ACCESS_DENIED', error_description: 'Access denied!' } })?.code).toBe('ACCESS_DENIED');
});

test('an unknown code is passed through verbatim with its description', () => {
	const failure = failureFromAnswer(answer(400, 'SOME_NEW_CODE', 'Something new happened'));
	expect(failure?.message).toBe('Bitrix24 returned the error SOME_NEW_CODE');
	expect(failure?.description).toContain('"Something new happened"');
});

test('a business-process exception (empty or numeric code) shows its reason', () => {
	const failure = failureFromAnswer(answer(400, '0', 'Workflow is not running'));
	expect(failure?.message).toBe('The business process refused the call: Workflow is not running');
});

test('an HTML page from a proxy is named as such', () => {
	const failure = failureFromAnswer({ status: 502, body: '<html><body>Bad Gateway</body></html>' });
	expect(failure?.code).toBe('NON_JSON_ANSWER');
	expect(failure?.message).toBe('Bitrix24 answered with a web page instead of data (HTTP 502)');
});

test.each([
	['ECONNREFUSED', /connection refused/, 'refused'],
	['ENOTFOUND', /could not be found \(DNS\)/, undefined],
	['EAI_AGAIN', /could not be found \(DNS\)/, undefined],
	['ETIMEDOUT', /did not answer in time/, undefined],
	['ECONNABORTED', /did not answer in time/, undefined],
	['ECONNRESET', /cut before it answered/, undefined],
	['EHOSTUNREACH', /Could not reach/, undefined],
])('network error %s', (code, message, retry) => {
	const failure = failureFromNetworkError(code, 'details');
	expect(failure.message).toMatch(message);
	expect(failure.retry).toBe(retry);
});

describe('failureFromThrown reads what n8n-core throws', () => {
	test('an HTTP status error wrapped as the cause', () => {
		const thrown = Object.assign(new Error('Request failed'), {
			cause: Object.assign(new Error('Request failed with status code 403'), {
				response: { status: 403, data: { error: 'ACCESS_DENIED', error_description: 'Access denied!' } },
			}),
		});
		expect(failureFromThrown(thrown).message).toMatch(/refused the event token/);
	});

	test('a network error wrapped as the cause', () => {
		const thrown = Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
		expect(failureFromThrown(thrown)).toMatchObject({ code: 'ECONNREFUSED', retry: 'refused' });
	});

	test('a timeout known only by its text', () => {
		expect(failureFromThrown(new Error('timeout of 5000ms exceeded')).code).toBe('ETIMEDOUT');
	});
});

describe('failureFromThrown reads what n8n 1.x throws', () => {
	test('a NodeApiError with only httpCode and the JSON body in context.data', () => {
		const thrown = Object.assign(new Error('Forbidden'), { httpCode: '403', context: { data: { error: 'ACCESS_DENIED', error_description: 'Access denied!' } } });
		expect(failureFromThrown(thrown).message).toBe('Bitrix24 refused the event token (ACCESS_DENIED)');
	});

	test.each([
		['invalid_grant', /refused the refresh token/],
		['invalid_client', /Client ID and Client Secret/],
	])('renewing an OAuth2 token refused (%s): reconnect, not "could not reach"', (oauthError, description) => {
		// As @n8n/client-oauth2 1.x's AuthError (utils.js) wrapped by httpRequestWithAuthentication in a NodeApiError.
		const refusal = Object.assign(new Error('The provided authorization grant ... is invalid'), { code: 'EAUTH', body: { error: oauthError, error_description: 'Invalid refresh token' } });
		const node: INode = { id: 'n', name: 'Bitrix24 Bizproc Log', type: 't', typeVersion: 1, position: [0, 0], parameters: { authentication: 'oAuth2' } };
		const failure = failureFromThrown(new NodeApiError(node, refusal as unknown as JsonObject));
		expect(failure.code).toBe('OAUTH_RENEWAL_REFUSED');
		expect(failure.message).toMatch(/reconnect the credential/);
		expect(failure.message).not.toMatch(/Could not reach/);
		expect(failure.description).toMatch(description);
	});

	test('an HTML answer leaves no JSON body: a web page', () => {
		const thrown = Object.assign(new Error('Bad gateway'), { httpCode: '502', context: {} });
		expect(failureFromThrown(thrown).code).toBe('NON_JSON_ANSWER');
	});
});

test.each([
	['socket hang up', 'ECONNRESET'],
	['The connection to the server was closed unexpectedly, perhaps it is offline.', 'ECONNRESET'],
	['The service refused the connection - perhaps it is offline', 'ECONNREFUSED'],
	['The connection cannot be established, this usually occurs due to an incorrect host (domain) value', 'ENOTFOUND'],
	["The connection timed out, consider setting the 'Retry on Fail' option in the node settings", 'ETIMEDOUT'],
])('n8n 1.x keeps only the words: %s', (message, code) => {
	expect(failureFromThrown(Object.assign(new Error('wrapped'), { messages: [message] })).code).toBe(code);
});

describe('a failed call carries its code (callers branch on it, never on the words)', () => {
	const node = (authentication?: string): INode => ({ id: 'n', name: 'Node', type: 't', typeVersion: 1, position: [0, 0], parameters: authentication ? { authentication } : {} });

	test('toNodeError gives a NodeOperationError with the code, the words unchanged and secrets masked', () => {
		const failure = failureFromAnswer({ status: 400, body: { error: 'ERROR_ACTIVITY_ALREADY_INSTALLED', error_description: 'Activity or Robot already installed! s3cr3t' } })!;
		const error = toNodeError(node(), failure, 0, ['s3cr3t']);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.name).toBe('NodeOperationError'); // n8n reads the name to show and re-throw it
		expect(bitrix24CodeOf(error)).toBe('ERROR_ACTIVITY_ALREADY_INSTALLED');
		expect(error.message).toBe('Bitrix24 returned the error ERROR_ACTIVITY_ALREADY_INSTALLED');
		expect(error.description).not.toContain('s3cr3t');
	});

	test('a code in the words of another error is not taken for a code', () => {
		expect(bitrix24CodeOf(new Error('Bitrix24 returned the error ERROR_ACTIVITY_NOT_FOUND'))).toBeUndefined();
		expect(bitrix24CodeOf(new NodeOperationError(node(), 'ACCESS_DENIED'))).toBeUndefined();
	});

	test('n8n keeps the same error when it wraps it again', () => {
		const error = toNodeError(node(), failureFromNetworkError('ECONNREFUSED', 'x'), 0, []);
		expect(bitrix24CodeOf(new NodeOperationError(node(), error))).toBe('ECONNREFUSED');
	});
});

describe('NO_AUTH_FOUND in the words of the credential in use', () => {
	const failure = failureFromAnswer({ status: 401, body: { error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' } })!;

	test('webhook: the webhook was not recognised', () => {
		expect(inCredentialWords(failure, 'webhook').message).toMatch(/did not recognise the webhook/);
	});

	test("OAuth2: the application's token, and how to reconnect", () => {
		const words = inCredentialWords(failure, 'oAuth2');
		expect(words.code).toBe('NO_AUTH_FOUND');
		expect(words.message).toBe("Bitrix24 did not recognise the application's access token (NO_AUTH_FOUND)");
		expect(words.description).toMatch(/Bitrix24 OAuth2 API credential/);
		expect(words.description).not.toMatch(/webhook/i);
	});

	test('other codes are the same for both', () => {
		const other = failureFromAnswer({ status: 401, body: { error: 'expired_token' } })!;
		expect(inCredentialWords(other, 'oAuth2')).toEqual(other);
	});
});
