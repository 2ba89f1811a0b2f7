import { createHash } from 'crypto';

/** SHA-256 of a text (UTF-8): to remember or compare a secret, or a large value, without keeping it. */
export function sha256(text: string): Buffer;
export function sha256(text: string, encoding: 'hex' | 'base64'): string;
export function sha256(text: string, encoding?: 'hex' | 'base64'): Buffer | string {
	const hash = createHash('sha256').update(text, 'utf8');
	return encoding ? hash.digest(encoding) : hash.digest();
}
