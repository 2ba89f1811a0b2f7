/**
 * Turns what a Bitrix24 portal (or the network in between) answers into words a no-code user can act
 * on. Branch on the `error` code, never on the HTTP status: statuses vary between portal versions.
 * The words themselves are in bitrix24ErrorWords.ts.
 */
import {
	ADMINISTRATOR_REQUIRED,
	APPLICATION_CONTEXT_REQUIRED,
	APPLICATION_NOT_RECOGNISED,
	BIZPROC_TEXTS,
	PLAIN_WORDS,
	PLAN_REFUSED,
	TOKEN_REFUSED,
	type PlainWords,
	type RetryKind,
} from './bitrix24ErrorWords';
import { isRecord } from './isRecord';

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

interface PortalAnswer {
	status: number;
	body: unknown;
	contentType?: string;
}

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

/** The same failure for a call that carries no event token: a bare "Access denied!" then means a missing right, not a token. */
export function withoutEventToken(failure: Bitrix24Failure): Bitrix24Failure {
	return failure.code === 'ACCESS_DENIED' && failure.message === TOKEN_REFUSED.message ? { ...failure, ...ADMINISTRATOR_REQUIRED } : failure;
}

/** Bizproc's bad-token answer is exactly "Access denied!"; the plan and permission refusals say more. */
function explainAccessDenied(errorDescription: string): PlainWords {
	if (/application context required/i.test(errorDescription)) return APPLICATION_CONTEXT_REQUIRED;
	return errorDescription.trim() === '' || errorDescription.trim() === 'Access denied!' ? TOKEN_REFUSED : PLAN_REFUSED;
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
		const { withPortalText, ...words } = known;
		const failure: Bitrix24Failure = { code, httpStatus: answer.status, ...words };
		if (withPortalText && errorDescription) failure.description = `Bitrix24 says: "${errorDescription}". ${failure.description}`;
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
		const byText = BIZPROC_TEXTS[errorDescription.trim()];
		if (byText) return { code: code || 'BIZPROC_ERROR', httpStatus: answer.status, ...byText };
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

/**
 * The OAuth server refused to renew the access token (n8n 1.x passes its refusal on; 2.x says
 * "reconnect the credential" itself). A refresh token lives 180 days (b24restdocs: api-reference/oauth).
 */
export function failureFromTokenRenewal(oauthError: string): Bitrix24Failure {
	const wrongClient = oauthError === 'invalid_client';
	return {
		code: 'OAUTH_RENEWAL_REFUSED',
		message: `n8n could not renew the OAuth2 access token (${oauthError}): reconnect the credential`,
		description: wrongClient
			? "Bitrix24's OAuth server did not accept the Client ID and Client Secret, so nothing was written. Check both in the credential against the application's settings on the portal, then click Reconnect."
			: "Bitrix24's OAuth server refused the refresh token, so nothing was written: the application was removed from the portal or its access revoked, or the token was unused for 180 days. Open the Bitrix24 OAuth2 API credential and click Reconnect.",
	};
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
