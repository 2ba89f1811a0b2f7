/**
 * The Application Token a trigger's calls are checked against, kept in memory per credential.
 *
 * Each handler call would read the credential (readCredentials in credentialAccess.ts: n8n decrypts
 * it from its database every time), and the webhook context tells a node nothing about when the
 * credential last changed. A burst of 200 calls would make 200 reads that compete with n8n's own
 * execution bookkeeping for the database pool; when the pool timed out, the call was refused as if
 * the token were wrong. So:
 * - one read per credential serves every call for REFRESH_MS, and concurrent calls share one read;
 * - a token that does not match what is kept is compared once more with a fresh read (the user may
 *   have just entered the new token), at most once per RECHECK_MS per credential, so forged calls
 *   cannot turn into database reads;
 * - a read that fails is tried again (READ_RETRIES_MS); a failed refresh keeps the last good value;
 *   a failure is never cached and never taken for "no token".
 * Only a SHA-256 digest of the token is kept, never the token.
 */
import { timingSafeEqual } from 'crypto';

import { sleep, type IWebhookFunctions } from 'n8n-workflow';

import { readCredentials } from '../shared/credentialAccess';
import { sha256 } from '../shared/sha256';

const REFRESH_MS = 60_000;
export const RECHECK_MS = 5_000;
/** Waits before the second and third try of a failed read: a pool timeout is usually over by then. */
export const READ_RETRIES_MS = [500, 2_000];

type Digest = Buffer | undefined; // undefined: the credential has no Application Token

interface Kept {
	digest?: Digest;
	/** When the kept digest was read (0: never); when a read last started. */
	readAt: number;
	triedAt: number;
	/** The read under way, shared by every call that needs it. */
	reading?: Promise<Digest>;
}

const kept = new Map<string, Kept>();

/** Raised when the credential could not be read at all (database, decryption): not a verdict. */
class CredentialUnreadableError extends Error {}

type TokenCheck = 'match' | 'mismatch' | 'no-token';

async function readDigest(context: IWebhookFunctions, type: string): Promise<Digest> {
	let lastError: unknown;
	for (let attempt = 0; attempt <= READ_RETRIES_MS.length; attempt++) {
		if (attempt > 0) await sleep(READ_RETRIES_MS[attempt - 1]);
		try {
			const token = (await readCredentials(context, type)).applicationToken;
			return typeof token === 'string' && token.trim() !== '' ? sha256(token.trim()) : undefined;
		} catch (error) {
			lastError = error;
		}
	}
	throw new CredentialUnreadableError((lastError as Error)?.message ?? String(lastError));
}

function keyOf(context: IWebhookFunctions, type: string): string {
	const reference = context.getNode().credentials?.[type];
	// Without an id (never in a saved workflow) the credential is kept per workflow and node.
	return `${type}\n${reference?.id ?? `${context.getWorkflow().id ?? ''}\n${context.getNode().name}`}`;
}

async function refresh(context: IWebhookFunctions, type: string, entry: Kept): Promise<Digest> {
	if (!entry.reading) entry.triedAt = Date.now();
	entry.reading ??= readDigest(context, type)
		.then((digest) => {
			entry.digest = digest;
			entry.readAt = Date.now();
			return digest;
		})
		.finally(() => {
			entry.reading = undefined;
		});
	const outcome = await entry.reading.then(
		(digest) => ({ digest }),
		(error: Error) => ({ error }),
	);
	if (!('error' in outcome)) return outcome.digest;
	if (entry.readAt > 0) return entry.digest; // a failed refresh: the last good read still holds
	throw new CredentialUnreadableError(outcome.error.message);
}

/**
 * Compares a call's application token with the credential's, in constant time (both hashed to 32
 * bytes). Throws CredentialUnreadableError when the credential cannot be read.
 */
export async function checkApplicationToken(context: IWebhookFunctions, type: string, received: unknown, now = Date.now()): Promise<TokenCheck> {
	const key = keyOf(context, type);
	let entry = kept.get(key);
	if (!entry) kept.set(key, (entry = { readAt: 0, triedAt: 0 }));
	const digest = entry.readAt === 0 || now - entry.readAt >= REFRESH_MS ? await refresh(context, type, entry) : entry.digest;
	const matches = (expected: Digest) =>
		expected !== undefined && typeof received === 'string' && received !== '' && timingSafeEqual(sha256(received), expected);
	if (matches(digest)) return 'match';
	if (now - entry.triedAt >= RECHECK_MS) {
		const fresh = await refresh(context, type, entry);
		if (matches(fresh)) return 'match';
		return fresh === undefined ? 'no-token' : 'mismatch';
	}
	return digest === undefined ? 'no-token' : 'mismatch';
}

/** Forgets every kept token (for tests). */
export function forgetApplicationTokens(): void {
	kept.clear();
}
