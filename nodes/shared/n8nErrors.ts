/**
 * Between n8n's errors and ours: what a failure was, read from whatever n8n's HTTP helpers threw,
 * and the error a user sees, with every secret masked.
 */
import { NodeOperationError, type INode } from 'n8n-workflow';

import { failureFromAnswer, failureFromNetworkError, failureFromTokenRenewal, inCredentialWords, withBitrix24Code, type Bitrix24Failure } from './bitrix24Errors';
import { maskSecrets } from './secretMasking';

function unexpectedStatus(status: number): Bitrix24Failure {
	return {
		code: `HTTP_${status}`,
		httpStatus: status,
		message: `Bitrix24 answered with HTTP ${status}`,
		description: 'The portal answered with an unexpected status and no error code.',
	};
}

/** Reads a failure out of whatever the HTTP helpers threw (a wrapped axios error in both n8n lines). */
export function failureFromThrown(error: unknown): Bitrix24Failure {
	const candidates = [error, (error as { cause?: unknown })?.cause, (error as { errorResponse?: unknown })?.errorResponse];
	// n8n's own errors (such as "reconnect the credential") are already clear; its authenticated request
	// wraps them in a NodeApiError (n8n-core request-helpers authentication.ts).
	const own = candidates.find((candidate): candidate is NodeOperationError => candidate instanceof NodeOperationError);
	if (own) return { code: 'N8N', message: own.message, description: own.description ?? '' };
	for (const candidate of candidates) {
		const response = (candidate as { response?: { status?: number; data?: unknown } } | undefined)?.response;
		if (response && typeof response.status === 'number') {
			return failureFromAnswer({ status: response.status, body: response.data }) ?? unexpectedStatus(response.status);
		}
	}
	// n8n 1.x keeps only the status and a JSON body on its NodeApiError (no axios response).
	const { httpCode, context } = error as { httpCode?: unknown; context?: { data?: unknown } };
	if (typeof httpCode === 'string' && /^\d{3}$/.test(httpCode)) {
		const status = Number(httpCode);
		return failureFromAnswer({ status, body: context?.data }) ?? unexpectedStatus(status);
	}
	for (const candidate of candidates) {
		// n8n 1.x renewing an OAuth2 token: the OAuth server's refusal (@n8n/client-oauth2 AuthError, code EAUTH).
		const { code, body } = (candidate ?? {}) as { code?: unknown; body?: { error?: unknown } };
		if (code === 'EAUTH') return failureFromTokenRenewal(typeof body?.error === 'string' ? body.error : 'EAUTH');
	}
	for (const candidate of candidates) {
		const code = (candidate as { code?: unknown } | undefined)?.code;
		if (typeof code === 'string' && /^E[A-Z_]+$|^UND_ERR/.test(code)) {
			return failureFromNetworkError(code, (candidate as Error).message ?? '');
		}
	}
	// n8n 1.x drops the code and keeps only texts (its own words for the code among them).
	const texts = [error, ...candidates.slice(1)].flatMap((candidate) => {
		const { message, description, messages } = (candidate ?? {}) as { message?: unknown; description?: unknown; messages?: unknown };
		return [message, description, ...(Array.isArray(messages) ? messages : [])].filter((text): text is string => typeof text === 'string');
	});
	const text = texts.join(' | ') || String(error);
	const codeInText = NETWORK_CODE_IN_TEXT.find(([pattern]) => pattern.test(text))?.[1];
	return failureFromNetworkError(codeInText, texts[0] ?? text);
}

/** Node's codes, and n8n's own words for them (n8n-workflow's NodeError), as found in error texts. */
const NETWORK_CODE_IN_TEXT: Array<[RegExp, string]> = [
	[/ECONNREFUSED|refused the connection/i, 'ECONNREFUSED'],
	[/ECONNRESET|socket hang up|closed unexpectedly/i, 'ECONNRESET'],
	[/ENOTFOUND|EAI_AGAIN|incorrect host|DNS server/i, 'ENOTFOUND'],
	[/ETIMEDOUT|ECONNABORTED|timeout|timed out|connection was aborted/i, 'ETIMEDOUT'],
];

export function toNodeError(node: INode, failure: Bitrix24Failure, itemIndex: number | undefined, secrets: Array<string | undefined>): NodeOperationError {
	const words = inCredentialWords(failure, node.parameters.authentication === 'oAuth2' ? 'oAuth2' : 'webhook');
	const error = new NodeOperationError(node, maskSecrets(words.message, secrets), { itemIndex, description: maskSecrets(words.description, secrets) });
	return withBitrix24Code(error, words.code);
}
