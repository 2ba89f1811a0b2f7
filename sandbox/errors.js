// @ts-check
'use strict';

/** A Bitrix24 error answer: HTTP status plus the `{error, error_description}` body. */
class RestError extends Error {
	/**
	 * @param {number} status
	 * @param {string} code
	 * @param {string} description
	 * @param {Record<string, unknown>} [extraBody] extra top-level fields (e.g. `time`)
	 */
	constructor(status, code, description, extraBody) {
		super(`${code}: ${description}`);
		this.status = status;
		this.code = code;
		this.description = description;
		this.extraBody = extraBody;
	}

	toBody() {
		return { error: this.code, error_description: this.description, ...this.extraBody };
	}
}

/** The errors the sandbox answers with, texts as the portal writes them. */
const errors = {
	noAuth: () => new RestError(401, 'NO_AUTH_FOUND', 'Wrong authorization data'),
	webhookScope: () =>
		new RestError(401, 'insufficient_scope', 'The request requires higher privileges than provided by the webhook token'),
	tokenScope: () =>
		new RestError(401, 'insufficient_scope', 'The request requires higher privileges than provided by the access token'),
	expiredToken: () => new RestError(401, 'expired_token', 'The access token provided has expired'),
	invalidToken: () => new RestError(401, 'invalid_token', 'The access token provided is invalid.'),
	methodNotFound: () => new RestError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!'),
	accessDenied: () => new RestError(403, 'ACCESS_DENIED', 'Access denied!'),
	applicationContextRequired: () =>
		new RestError(403, 'ACCESS_DENIED', 'Access denied! Application context required'),
	administratorRequired: () =>
		new RestError(403, 'ACCESS_DENIED', 'Access denied! Administrator authorization required'),
	emptyArgument: (/** @type {string} */ name) => new RestError(400, 'ERROR_ARGUMENT', `Argument '${name}' is null or empty`, { argument: name }),
	emptyLogMessage: () => new RestError(400, 'ERROR_EMPTY_LOG_MESSAGE', 'Empty log message!'),
	queryLimit: () => new RestError(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests'),
	internal: () => new RestError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'),
	operationTimeLimit: () => new RestError(429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.'),
	batchLength: () => new RestError(400, 'ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded'),
	batchMethodNotAllowed: () =>
		new RestError(405, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage'),
	activityValidation: (/** @type {string} */ text) => new RestError(400, 'ERROR_ACTIVITY_VALIDATION_FAILURE', text),
	wrongHandlerUrl: () => new RestError(400, 'ERROR_WRONG_HANDLER_URL', 'Wrong handler URL'),
	unsupportedProtocol: () => new RestError(400, 'ERROR_UNSUPPORTED_PROTOCOL', 'Unsupported handler protocol'),
	activityAlreadyInstalled: () =>
		new RestError(400, 'ERROR_ACTIVITY_ALREADY_INSTALLED', 'Activity or Robot already installed!'),
	// Text of the current core (bizproc/lib/restservice.php, deleteActivityInternal / updateActivityInternal); older cores wrote 'Activity not found!'.
	activityNotFound: () => new RestError(400, 'ERROR_ACTIVITY_NOT_FOUND', 'Activity or Robot not found!'),
};

module.exports = { RestError, errors };
