/**
 * Turns what a Bitrix24 portal (or the network in between) answers into words a no-code user can act
 * on. Branch on the `error` code, never on the HTTP status: statuses vary between portal versions.
 */

export type RetryKind = 'queryLimit' | 'operationTime' | 'refused';

export interface Bitrix24Failure {
	/** The Bitrix24 error code, or a network code such as ECONNREFUSED. */
	code: string;
	message: string;
	description: string;
	httpStatus?: number;
	/** Set only where the call certainly did not run, so sending it again cannot duplicate a line. */
	retry?: RetryKind;
	/**
	 * Set where sending the call again, even by n8n's Retry On Fail, could write a line twice (the portal may
	 * have run it: no verdict came back) or out of order (the process's later line was already written).
	 */
	neverSendAgain?: true;
	/** Unix time (s) when an OPERATION_TIME_LIMIT block ends, when the portal says. */
	operatingResetAt?: number;
}

export interface PortalAnswer {
	status: number;
	body: unknown;
	contentType?: string;
}

type Explained = { message: string; description: string; retry?: RetryKind; neverSendAgain?: true };

const PLAIN_WORDS: Record<string, Explained> = {
	ERROR_EMPTY_LOG_MESSAGE: {
		message: 'Bitrix24 says the log message is empty (ERROR_EMPTY_LOG_MESSAGE)',
		description: 'Enter text in Log Message. Bitrix24 treats an empty text and the text "0" as empty.',
	},
	NO_AUTH_FOUND: {
		message: 'Bitrix24 did not recognise the webhook (NO_AUTH_FOUND)',
		description:
			'The webhook code is wrong, or the webhook was deleted. In Bitrix24 open Developer resources > Other > Inbound webhook, copy the webhook URL again and paste it into the Bitrix24 Webhook API credential.',
	},
	INVALID_CREDENTIALS: {
		message: 'Bitrix24 rejected the credentials (INVALID_CREDENTIALS)',
		description:
			'The user behind the webhook or the OAuth2 connection is not allowed to make this call, or was deactivated. Check the user in Bitrix24, then recreate the webhook or reconnect the OAuth2 credential.',
	},
	insufficient_scope: {
		message: 'The webhook or application lacks the Business processes permission (insufficient_scope)',
		description:
			'In Bitrix24 edit the inbound webhook (or the application) and tick the "Business processes (bizproc)" permission, then save. The webhook URL stays the same.',
	},
	expired_token: {
		message: 'The Bitrix24 access token has expired (expired_token)',
		description:
			'n8n renews OAuth2 access tokens by itself; this means the renewal did not work. Open the Bitrix24 OAuth2 API credential and click Reconnect.',
	},
	invalid_token: {
		message: 'Bitrix24 did not accept the access token (invalid_token)',
		description: 'The OAuth2 connection is no longer valid. Open the Bitrix24 OAuth2 API credential and click Reconnect.',
	},
	user_access_error: {
		message: 'The user has no access to the Bitrix24 application (user_access_error)',
		description: "The portal administrator limited the application to some users. Ask them to add the OAuth2 credential's user to the application's access list.",
	},
	ERROR_METHOD_NOT_FOUND: {
		message: 'Bitrix24 does not offer this method on this portal (ERROR_METHOD_NOT_FOUND)',
		description:
			'Business processes are not available on the portal\'s plan, or the URL in the credential does not point at a Bitrix24 portal. Check the plan includes business processes and the portal address.',
	},
	INVALID_REQUEST: {
		message: 'Bitrix24 requires HTTPS (INVALID_REQUEST)',
		description: 'Use the https:// address of the portal in the credential.',
	},
	QUERY_LIMIT_EXCEEDED: {
		message: "Bitrix24's request limit was exceeded (QUERY_LIMIT_EXCEEDED)",
		description:
			'The portal refused the call because too many calls arrived at once; nothing was written. Set the portal plan in the credential to match your portal, or allow a longer Max Wait.',
		retry: 'queryLimit',
	},
	OPERATION_TIME_LIMIT: {
		message: 'Bitrix24 has blocked this method for a while (OPERATION_TIME_LIMIT)',
		description:
			'The portal spent more than 480 seconds in 10 minutes on this method and blocks it until the time runs out. Nothing was written. Try again later or call the method less often.',
		retry: 'operationTime',
	},
	OVERLOAD_LIMIT: {
		message: 'Bitrix24 has blocked REST calls for this portal (OVERLOAD_LIMIT)',
		description: 'This is a manual block for overload. Only Bitrix24 support can lift it: contact them.',
	},
	PORTAL_DELETED: {
		message: 'The Bitrix24 portal has been deleted (PORTAL_DELETED)',
		description: 'Check the portal address in the credential.',
	},
	INTERNAL_SERVER_ERROR: {
		message: 'Bitrix24 had an internal error (INTERNAL_SERVER_ERROR)',
		description:
			'The portal failed while handling the call, so the line may or may not have been written; it was not sent again to avoid a duplicate. Check the business process log, then run again. If it keeps happening, contact the portal administrator.',
		neverSendAgain: true,
	},
	ERROR_UNEXPECTED_ANSWER: {
		message: 'Bitrix24 had an internal error (ERROR_UNEXPECTED_ANSWER)',
		description:
			'The portal failed while handling the call, so the line may or may not have been written; it was not sent again to avoid a duplicate. Check the business process log, then run again.',
		neverSendAgain: true,
	},
	ERROR_BATCH_LENGTH_EXCEEDED: {
		message: 'Too many commands in one Bitrix24 batch (ERROR_BATCH_LENGTH_EXCEEDED)',
		description: 'A batch may hold at most 50 commands.',
	},
	// The rule of the core's rest module, lib/handlerhelper.php HandlerHelper::checkCallback: no domain is compared.
	ERROR_WRONG_HANDLER_URL: {
		message: 'Bitrix24 refused the handler URL (ERROR_WRONG_HANDLER_URL)',
		description:
			'Bitrix24 accepts a handler URL only when its host name holds a dot after the first character (a domain such as n8n.example.com, or an IP address); localhost and other one-word names are refused. Set WEBHOOK_URL to an address Bitrix24 can reach and restart n8n.',
	},
	ERROR_UNSUPPORTED_PROTOCOL: {
		message: 'Bitrix24 refused the handler URL (ERROR_UNSUPPORTED_PROTOCOL)',
		description: 'A handler URL must start with http:// or https://, in lower case. Set WEBHOOK_URL to such an address Bitrix24 can reach and restart n8n.',
	},
};

/** NO_AUTH_FOUND through the OAuth2 credential: there is no webhook, the application's token was not accepted. */
const APPLICATION_NOT_RECOGNISED: Explained = {
	message: "Bitrix24 did not recognise the application's access token (NO_AUTH_FOUND)",
	description:
		'The portal knows no such token for this application: the application was removed from the portal, or the connection belongs to another portal. Open the Bitrix24 OAuth2 API credential, check the Portal URL and click Reconnect; if the application was deleted, install it again first.',
};

/** The same failure in the words of the credential in use (a webhook and an application fail differently). */
export function inCredentialWords(failure: Bitrix24Failure, credential: 'webhook' | 'oAuth2'): Bitrix24Failure {
	return credential === 'oAuth2' && failure.code === 'NO_AUTH_FOUND' ? { ...failure, ...APPLICATION_NOT_RECOGNISED } : failure;
}

/**
 * The Bitrix24 code of each error a failed call threw, so code that must branch on it
 * (registration) reads the code, never the words. Kept beside the error, not in it: the error stays
 * a plain NodeOperationError, whose `name` n8n reads to show and re-throw it
 * (WorkflowExecute.rethrowNodeError).
 */
const codesOfErrors = new WeakMap<object, string>();

export function withBitrix24Code<E extends object>(error: E, code: string): E {
	codesOfErrors.set(error, code);
	return error;
}

/** The Bitrix24 code of a failed call, or undefined for anything that is not one. */
export function bitrix24CodeOf(error: unknown): string | undefined {
	return typeof error === 'object' && error !== null ? codesOfErrors.get(error) : undefined;
}

const TOKEN_REFUSED: Explained = {
	message: 'Bitrix24 refused the event token (ACCESS_DENIED)',
	description:
		'The portal does not accept this Event Token. Check that: it is the event_token of the current run of the action (each run gets a new one); the action was registered with USE_SUBSCRIPTION = Y; the credential belongs to the same portal that called the handler; the action was not already completed (Send Result) or timed out.',
};

const PLAN_REFUSED: Explained = {
	message: 'Bitrix24 denied REST access (ACCESS_DENIED)',
	description:
		'The portal answered that REST calls are not allowed, which on Bitrix24 cloud means the plan has no REST API (commercial plans only) or the user lacks rights. Check the plan and the user behind the credential.',
};

/** Bizproc's bad-token answer is exactly "Access denied!"; the plan and permission refusals say more. */
function explainAccessDenied(errorDescription: string): Explained {
	return errorDescription.trim() === '' || errorDescription.trim() === 'Access denied!' ? TOKEN_REFUSED : PLAN_REFUSED;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseBody(body: unknown): unknown {
	if (typeof body !== 'string') return Buffer.isBuffer(body) ? parseBody(body.toString('utf8')) : body;
	try {
		return JSON.parse(body);
	} catch {
		return body;
	}
}

/**
 * Reads a portal answer. Returns undefined when it is a success (`result` present, no `error`),
 * otherwise the failure in plain words. A 200 that carries `error` is a failure too.
 */
export function failureFromAnswer(answer: PortalAnswer): Bitrix24Failure | undefined {
	const body = parseBody(answer.body);
	if (!isRecord(body)) {
		return {
			code: 'NON_JSON_ANSWER',
			httpStatus: answer.status,
			message: `Bitrix24 answered with a web page instead of data (HTTP ${answer.status})`,
			description:
				'Something other than the Bitrix24 REST API answered: a proxy, a maintenance page or a wrong address. Check the portal address in the credential and try again later. Nothing is known to have been written.',
			neverSendAgain: true,
		};
	}
	const hasError = body.error !== undefined && body.error !== null && body.error !== '';
	const isHttpError = answer.status >= 400;
	if (!hasError && !isHttpError) return undefined;

	const code = hasError ? String(body.error) : '';
	const errorDescription = typeof body.error_description === 'string' ? body.error_description : '';
	if (code === 'ACCESS_DENIED') return { code, httpStatus: answer.status, ...explainAccessDenied(errorDescription) };
	const known = PLAIN_WORDS[code];
	if (known) {
		const failure: Bitrix24Failure = { code, httpStatus: answer.status, ...known };
		if (code === 'OPERATION_TIME_LIMIT') {
			failure.operatingResetAt = operatingResetAt(body);
			if (failure.operatingResetAt) {
				failure.description += ` The portal says the method frees up at ${new Date(failure.operatingResetAt * 1000).toISOString()}.`;
			}
		}
		return failure;
	}
	// Business-process exceptions come back with an empty or numeric code and the reason in the description.
	if (code === '' || /^\d+$/.test(code)) {
		return {
			code: code || 'BIZPROC_ERROR',
			httpStatus: answer.status,
			message: `The business process refused the call: ${errorDescription || `HTTP ${answer.status}`}`,
			description: 'Bitrix24 passed on an error from the business process. Check the business process template and its current state.',
		};
	}
	return {
		code,
		httpStatus: answer.status,
		message: `Bitrix24 returned the error ${code}`,
		description: errorDescription
			? `Bitrix24 says: "${errorDescription}". Look the code up in the Bitrix24 REST documentation.`
			: 'Bitrix24 gave no description. Look the code up in the Bitrix24 REST documentation.',
	};
}

function operatingResetAt(body: Record<string, unknown>): number | undefined {
	const time = isRecord(body.time) ? body.time : body;
	const value = Number(time.operating_reset_at);
	return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Node's network error codes in plain words. Only a refused connection is safe to try again. */
export function failureFromNetworkError(code: string | undefined, fallbackText: string): Bitrix24Failure {
	switch (code) {
		case 'ECONNREFUSED':
			return {
				code,
				message: 'Could not connect to the Bitrix24 portal (connection refused)',
				description:
					'Nothing answered at the portal address, so nothing was written. Check the address in the credential and that n8n can reach the portal.',
				retry: 'refused',
			};
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return {
				code,
				message: 'The Bitrix24 portal address could not be found (DNS)',
				description: 'The host name in the credential does not resolve. Check it for typos, e.g. yourportal.bitrix24.com.',
			};
		case 'ETIMEDOUT':
		case 'ECONNABORTED':
		case 'ESOCKETTIMEDOUT':
			return {
				code,
				message: 'The Bitrix24 portal did not answer in time',
				description:
					'The line may have been written even so; it was not sent again to avoid a duplicate. Check the business process log before running again, or raise Timeout (Seconds) in the node Options if the portal is slow.',
				neverSendAgain: true,
			};
		case 'ECONNRESET':
		case 'EPIPE':
		case 'UND_ERR_SOCKET':
			return {
				code,
				message: 'The connection to Bitrix24 was cut before it answered',
				description:
					'The line may have been written even so; it was not sent again to avoid a duplicate. Check the business process log before running again.',
				neverSendAgain: true,
			};
		default:
			return {
				code: code ?? 'NETWORK_ERROR',
				message: 'Could not reach the Bitrix24 portal',
				description: `The request failed before Bitrix24 answered (${fallbackText}). Check the portal address and the network between n8n and the portal.`,
			};
	}
}

/** The bucket's turn for this item is further away than the node's Max Wait. */
export function failureFromLongWait(maxWaitSeconds: number): Bitrix24Failure {
	return {
		code: 'RATE_LIMIT_WAIT',
		message: "The item's turn under the portal's rate limit is more than Max Wait away",
		description: `Too many calls to this portal are waiting: this item would wait more than ${maxWaitSeconds} s, so it was not sent and nothing was written. Raise Max Wait Under Rate Limits in the node's options, or send fewer items at once.`,
	};
}

/** A failure that could have been retried, but not within the node's Max Wait. */
export function withWaitNote(failure: Bitrix24Failure, maxWaitSeconds: number): Bitrix24Failure {
	return {
		...failure,
		description: `${failure.description} n8n kept trying for up to ${maxWaitSeconds} s (Max Wait Under Rate Limits in the node's options).`,
	};
}
