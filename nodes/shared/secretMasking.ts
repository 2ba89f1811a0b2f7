const MASK = '***';

/** Replaces every secret (webhook code, access token, event token and its parts) in a text by ***. */
export function maskSecrets(text: string, secrets: Array<string | undefined>): string {
	let masked = text;
	const sorted = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6).sort((a, b) => b.length - a.length);
	for (const secret of sorted) {
		masked = masked.split(secret).join(MASK);
	}
	return masked;
}

/** The event token as a whole and its signed parts: a portal or proxy may echo any of them. */
export function eventTokenSecrets(token: unknown): string[] {
	if (typeof token !== 'string' || token.trim() === '') return [];
	const trimmed = token.trim();
	const signature = trimmed.slice(trimmed.lastIndexOf('.') + 1);
	return [trimmed, signature, trimmed.split('|').pop() ?? ''];
}
