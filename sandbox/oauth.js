// @ts-check
'use strict';

const { errors } = require('./errors');
const { randomHex } = require('./ids');

const REFRESH_TOKEN_LIFETIME_SECONDS = 180 * 24 * 3600;
/** Authorization codes live 30 seconds on the real OAuth server. */
const AUTHORIZATION_CODE_LIFETIME_MS = 30_000;

/** An OAuth error answer of /oauth/token/ or /oauth/authorize/. */
const oauthError = (/** @type {number} */ status, /** @type {string} */ error, /** @type {string} */ description) => ({
	status,
	body: { error, error_description: description },
});

/**
 * The OAuth side of the portal: the application's client credentials, access and refresh tokens,
 * authorization codes, and the /oauth/authorize/ and /oauth/token/ endpoints.
 * @param {{ baseUrl: string, domain: string, accessTokenLifetimeSeconds: number, invalidateUsedRefreshTokens: boolean }} settings
 */
function createOAuthServer({ baseUrl, domain, accessTokenLifetimeSeconds, invalidateUsedRefreshTokens }) {
	const client = {
		clientId: `local.${randomHex(7)}.${Math.floor(Math.random() * 1e8)}`,
		clientSecret: randomHex(24),
		portalUrl: baseUrl,
		oauthServerUrl: baseUrl,
		authorizeUrl: `${baseUrl}/oauth/authorize/`,
		tokenUrl: `${baseUrl}/oauth/token/`,
		applicationToken: randomHex(16),
		memberId: randomHex(16),
	};
	/**
	 * The applications installed on this portal, as app.info describes them: `this` is the one whose
	 * client settings are above; `other` is some other application (its tokens are genuine, but not ours).
	 */
	const applications = {
		this: { ID: 7, CODE: client.clientId },
		other: { ID: 8, CODE: `local.${randomHex(7)}.${Math.floor(Math.random() * 1e8)}` },
	};
	/** @typedef {{ userId: number, scopes: string[], expiresAt: number, application: 'this' | 'other' }} Grant */
	/** @type {Map<string, Grant>} */
	const accessTokens = new Map();
	/** @type {Map<string, Grant>} */
	const refreshTokens = new Map();
	/** @type {Map<string, Grant>} */
	const authorizationCodes = new Map();

	/** @param {{ userId?: number, scopes?: string[], application?: 'this' | 'other' }} [grant] */
	function issueTokens({ userId = 1, scopes = ['bizproc'], application = 'this' } = {}) {
		const now = Date.now();
		const accessToken = randomHex(35);
		const refreshToken = randomHex(35);
		const expiresAt = now + accessTokenLifetimeSeconds * 1000;
		accessTokens.set(accessToken, { userId, scopes: [...scopes], expiresAt, application });
		refreshTokens.set(refreshToken, { userId, scopes: [...scopes], expiresAt: now + REFRESH_TOKEN_LIFETIME_SECONDS * 1000, application });
		return {
			access_token: accessToken,
			refresh_token: refreshToken,
			expires: Math.floor(expiresAt / 1000),
			expires_in: accessTokenLifetimeSeconds,
			scope: scopes.join(','),
			domain,
			client_endpoint: `${baseUrl}/rest/`,
			server_endpoint: `${client.oauthServerUrl}/rest/`,
			member_id: client.memberId,
			user_id: userId,
			status: 'L',
		};
	}

	/**
	 * Who an access token belongs to; throws expired_token / invalid_token.
	 * @param {string} accessToken
	 */
	function authenticate(accessToken) {
		const token = accessTokens.get(accessToken);
		if (!token) throw errors.invalidToken();
		if (token.expiresAt <= Date.now()) throw errors.expiredToken();
		return { userId: token.userId, scopes: token.scopes, application: token.application };
	}

	function expireAccessTokens() {
		for (const token of accessTokens.values()) token.expiresAt = 0;
	}

	/**
	 * GET /oauth/authorize/: the user "allows" at once; redirects back with a code.
	 * @param {Record<string, any>} query
	 * @returns {{ status: number, body?: object, location?: string }}
	 */
	function authorize(query) {
		if (query.client_id !== client.clientId) return oauthError(400, 'invalid_client', 'Unknown client_id');
		let redirect;
		try {
			redirect = new URL(String(query.redirect_uri ?? ''));
		} catch {
			return oauthError(400, 'invalid_request', 'redirect_uri is required');
		}
		if (!/^https?:$/.test(redirect.protocol)) return oauthError(400, 'invalid_request', 'redirect_uri must be http(s)');
		const code = randomHex(35);
		const scopes = ['bizproc'];
		authorizationCodes.set(code, { userId: 1, scopes, expiresAt: Date.now() + AUTHORIZATION_CODE_LIFETIME_MS, application: 'this' });
		const answer = {
			code,
			state: query.state === undefined ? '' : String(query.state),
			domain,
			member_id: client.memberId,
			scope: scopes.join(','),
			server_domain: new URL(client.oauthServerUrl).host,
		};
		for (const [key, value] of Object.entries(answer)) redirect.searchParams.set(key, value);
		return { status: 302, location: redirect.toString() };
	}

	/**
	 * /oauth/token/ (GET query or POST form): refresh_token and authorization_code grants.
	 * @param {Record<string, any>} params
	 * @returns {{ status: number, body: object }}
	 */
	function token(params) {
		const grantType = params.grant_type;
		if (grantType !== 'refresh_token' && grantType !== 'authorization_code') {
			return oauthError(400, 'unsupported_grant_type', 'The grant type is not supported');
		}
		if (params.client_id !== client.clientId || params.client_secret !== client.clientSecret) {
			return oauthError(401, 'invalid_client', 'Invalid client credentials');
		}
		const store = grantType === 'refresh_token' ? refreshTokens : authorizationCodes;
		const presented = String(grantType === 'refresh_token' ? params.refresh_token : params.code);
		const grant = store.get(presented);
		if (!grant || grant.expiresAt <= Date.now()) {
			return oauthError(400, 'invalid_grant', grantType === 'refresh_token' ? 'Invalid refresh token' : 'Invalid authorization code');
		}
		// Authorization codes are single-use; refresh tokens too when the setting says so.
		if (grantType === 'authorization_code' || invalidateUsedRefreshTokens) store.delete(presented);
		return { status: 200, body: issueTokens(grant) };
	}

	return { client, applications, issueTokens, authenticate, expireAccessTokens, authorize, token };
}

module.exports = { createOAuthServer };
