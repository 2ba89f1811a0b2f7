/**
 * Turns what a Bitrix24 portal (or the network in between) answers into words a no-code user can act
 * on. Branch on the `error` code, never on the HTTP status: statuses vary between portal versions.
 */
import { isRecord } from './isRecord';

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

type Explained = { message: string; description: string; retry?: RetryKind; neverSendAgain?: true; withPortalText?: boolean };

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
	// Business Process node (bizproc.workflow.*, bizproc.task.*, bizproc.activity|robot.list|delete):
	// docs/bitrix24-bizproc-methods.md; core bizproc/lib/restservice.php. Rows marked withPortalText add
	// the portal's own words, which name the reason.
	ERROR_WRONG_WORKFLOW_ID: {
		message: 'Bitrix24 does not know this template or business process (ERROR_WRONG_WORKFLOW_ID)',
		description:
			'Start: the template ID is empty or no template has it (it may have been deleted); choose the template again from the list. Terminate or Kill: enter the workflow ID.',
		withPortalText: true,
	},
	ERROR_TASK_VALIDATION: {
		message: 'Bitrix24 refused the task request (ERROR_TASK_VALIDATION)',
		description: 'A task ID is missing or wrong, or the answer is not one Bitrix24 knows. Check Task ID (Task IDs) and Answer.',
		withPortalText: true,
	},
	ERROR_TASK_NOT_FOUND: {
		message: "The task is not one of the credential's user's tasks (ERROR_TASK_NOT_FOUND)",
		description:
			"Only the user a task is assigned to can complete it, an administrator included. Check the Task ID (Task Get Many lists them), use a credential of the task's user, or Delegate the task to that user first. A task of a terminated or killed process is gone.",
	},
	ERROR_TASK_COMPLETED: {
		message: 'The task was already answered (ERROR_TASK_COMPLETED)',
		description: "This user's answer is already recorded; nothing changed. Filter Task Get Many by Status: Waiting to find open tasks.",
	},
	ERROR_TASK_TYPE: {
		message: 'This kind of task cannot be answered from n8n (ERROR_TASK_TYPE)',
		description: 'Bitrix24 completes only approval, review and request-for-information tasks through its API. Answer this task in Bitrix24.',
	},
	ERROR_TASK_EXECUTION: {
		message: 'The task did not accept the answer (ERROR_TASK_EXECUTION)',
		description:
			'The task refused it: an answer its kind does not take (approval: Approve or Reject; review: OK; request for information: OK, or Cancel where allowed), a required comment or form field missing, or its process has ended.',
		withPortalText: true,
	},
	ERROR_INVALID_USER_ID: {
		message: 'Bitrix24 refused a user ID (ERROR_INVALID_USER_ID)',
		description: 'From User ID and To User ID must be IDs of existing users.',
		withPortalText: true,
	},
	ERROR_DELEGATION_NOT_ALLOWED: {
		message: 'Bitrix24 did not allow handing the task over (ERROR_DELEGATION_NOT_ALLOWED)',
		description:
			"From User ID must be the user the task waits for; To User ID must be an employee (not an extranet user); and the template's delegation rule (subordinates only, anyone, nobody) must allow it.",
		withPortalText: true,
	},
	ERROR_ACTIVITY_NOT_FOUND: {
		message: 'The application has no action or robot with this code (ERROR_ACTIVITY_NOT_FOUND)',
		description:
			"Check Code and Kind (an action's code is not a robot's). Only the application that registered it can delete it: use that application's OAuth2 credential. Registration > Get Many lists the codes.",
	},
	ERROR_ACTIVITY_VALIDATION_FAILURE: {
		message: 'Bitrix24 refused the action or robot code (ERROR_ACTIVITY_VALIDATION_FAILURE)',
		description: 'A code holds only Latin letters, digits, ".", "-" and "_".',
		withPortalText: true,
	},
	ERROR_SELECT_VALIDATION_FAILURE: {
		message: 'Bitrix24 refused the list of fields (ERROR_SELECT_VALIDATION_FAILURE)',
		description: 'The fields to return must be plain names such as ID or NAME.',
		withPortalText: true,
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

/**
 * Business Process node: the core's RestException with a message only (empty `error`), told apart by
 * its text (docs/bitrix24-bizproc-methods.md; core RestService::startWorkflow, terminateWorkflow, killWorkflow).
 */
const BIZPROC_TEXTS: Record<string, Explained> = {
	'Wrong DOCUMENT_ID!': {
		message: 'Bitrix24 found no such document (Wrong DOCUMENT_ID!)',
		description: 'No record has this ID, or it is not of the chosen Document Type. Check Document Type and Record ID (a deal\'s number, e.g. 123).',
	},
	'Incorrect document type!': {
		message: "Bitrix24 could not tell the document's type (Incorrect document type!)",
		description: 'The document ID does not name a document type Bitrix24 knows. Check Document Type (for Custom: Module ID and Entity).',
	},
	'Template type and DOCUMENT_ID mismatch!': {
		message: 'The template is made for another document type (Template type and DOCUMENT_ID mismatch!)',
		description: 'A template runs only on documents of its own type, e.g. a deal template on deals. Choose a template of this Document Type, or the Document Type of the template.',
	},
	'The business process is not found.': {
		message: 'Bitrix24 has no running business process with this ID (The business process is not found.)',
		description: 'It has already finished, or was terminated or killed, or the Workflow ID is wrong. Workflow > Get Many lists the running ones.',
	},
};

/** ACCESS_DENIED "Access denied!" from a method without an event token: the user is not an administrator (RestService::checkAdminPermissions). */
const ADMINISTRATOR_REQUIRED: Explained = {
	message: 'Bitrix24 allows this only to an administrator (ACCESS_DENIED)',
	description:
		"Listing, terminating and killing business processes and listing templates need a portal administrator; starting one needs the right to start processes on the document; Task Get Many with another user's ID needs their manager or an administrator. Use a credential (webhook or OAuth2 connection) of such a user.",
};

const APPLICATION_CONTEXT_REQUIRED: Explained = {
	message: 'Bitrix24 allows this only to an application (ACCESS_DENIED: Application context required)',
	description: "A webhook cannot manage an application's actions and robots. Use the OAuth2 credential of the application that registered them.",
};

/** The same failure for a call that carries no event token: a bare "Access denied!" then means a missing right, not a token. */
export function withoutEventToken(failure: Bitrix24Failure): Bitrix24Failure {
	return failure.code === 'ACCESS_DENIED' && failure.message === TOKEN_REFUSED.message ? { ...failure, ...ADMINISTRATOR_REQUIRED } : failure;
}

/** Bizproc's bad-token answer is exactly "Access denied!"; the plan and permission refusals say more. */
function explainAccessDenied(errorDescription: string): Explained {
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
