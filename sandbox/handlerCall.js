// @ts-check
'use strict';

const { encodeBracketForm } = require('./bodies');

/**
 * The form a portal POSTs to an application action's HANDLER when a business process reaches it.
 * Field order follows the portal's.
 * @param {{
 *   workflowId: string, code: string, documentId: string[], documentType: string[], eventToken: string,
 *   properties: Record<string, any>, useSubscription: boolean, timeoutDuration: number,
 *   tokens: Record<string, any>, applicationToken: string,
 * }} call
 */
function buildHandlerForm(call) {
	const { access_token, refresh_token, expires, expires_in, scope, domain, server_endpoint, client_endpoint, member_id, user_id, status } = call.tokens;
	return encodeBracketForm({
		workflow_id: call.workflowId,
		code: call.code,
		document_id: call.documentId,
		document_type: call.documentType,
		event_token: call.eventToken,
		properties: call.properties,
		use_subscription: call.useSubscription ? 'Y' : 'N',
		timeout_duration: call.timeoutDuration,
		ts: Math.floor(Date.now() / 1000),
		auth: {
			access_token,
			refresh_token,
			expires,
			expires_in,
			scope,
			domain,
			server_endpoint,
			client_endpoint,
			member_id,
			user_id,
			status,
			application_token: call.applicationToken,
		},
	});
}

/**
 * POSTs the form to the handler; the answer is returned, not judged (the portal ignores it too).
 * @param {string} handlerUrl
 * @param {string} form
 */
async function postToHandler(handlerUrl, form) {
	const response = await fetch(handlerUrl, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'Bitrix24 Webhook Engine' },
		body: form,
		signal: AbortSignal.timeout(30_000),
	});
	return { handlerStatus: response.status, handlerBody: await response.text() };
}

module.exports = { buildHandlerForm, postToHandler };
