/**
 * What each Bitrix24 error means for the user, in plain words: a message that names the code and a
 * description that says what to do, and whether the call may be sent again. bitrix24Errors.ts picks the
 * row for an answer.
 */

/** Why a failed call may be sent again: it certainly did not run. */
export type RetryKind = 'queryLimit' | 'operationTime' | 'refused';

/** One failure in plain words; `withPortalText` adds the portal's own words, which name the reason, to the description. */
export type PlainWords = { message: string; description: string; retry?: RetryKind; neverSendAgain?: true; withPortalText?: boolean };

/** By the answer's `error` code. */
export const PLAIN_WORDS: Record<string, PlainWords> = {
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
export const APPLICATION_NOT_RECOGNISED: PlainWords = {
	message: "Bitrix24 did not recognise the application's access token (NO_AUTH_FOUND)",
	description:
		'The portal knows no such token for this application: the application was removed from the portal, or the connection belongs to another portal. Open the Bitrix24 OAuth2 API credential, check the Portal URL and click Reconnect; if the application was deleted, install it again first.',
};

export const TOKEN_REFUSED: PlainWords = {
	message: 'Bitrix24 refused the event token (ACCESS_DENIED)',
	description:
		'The portal does not accept this Event Token. Check that: it is the event_token of the current run of the action (each run gets a new one); the action was registered with USE_SUBSCRIPTION = Y; the credential belongs to the same portal that called the handler; the action was not already completed (Send Result) or timed out.',
};

export const PLAN_REFUSED: PlainWords = {
	message: 'Bitrix24 denied REST access (ACCESS_DENIED)',
	description:
		'The portal answered that REST calls are not allowed, which on Bitrix24 cloud means the plan has no REST API (commercial plans only) or the user lacks rights. Check the plan and the user behind the credential.',
};

/**
 * Business Process node: the core's RestException with a message only (empty `error`), told apart by
 * its text (docs/bitrix24-bizproc-methods.md; core RestService::startWorkflow, terminateWorkflow, killWorkflow).
 */
export const BIZPROC_TEXTS: Record<string, PlainWords> = {
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
export const ADMINISTRATOR_REQUIRED: PlainWords = {
	message: 'Bitrix24 allows this only to an administrator (ACCESS_DENIED)',
	description:
		"Listing, terminating and killing business processes and listing templates need a portal administrator; starting one needs the right to start processes on the document; Task Get Many with another user's ID needs their manager or an administrator. Use a credential (webhook or OAuth2 connection) of such a user.",
};

export const APPLICATION_CONTEXT_REQUIRED: PlainWords = {
	message: 'Bitrix24 allows this only to an application (ACCESS_DENIED: Application context required)',
	description: "A webhook cannot manage an application's actions and robots. Use the OAuth2 credential of the application that registered them.",
};
