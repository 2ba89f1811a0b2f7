// @ts-check
'use strict';
/** Loads a JSON fixture and fills its __PLACEHOLDERS__ (whole values are replaced by any JSON value). */
const fs = require('node:fs');
const path = require('node:path');

function fill(value, values) {
	if (typeof value === 'string') {
		if (Object.prototype.hasOwnProperty.call(values, value)) return values[value];
		return value.replace(/__[A-Z0-9_]+__/g, (key) => (Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : key));
	}
	if (Array.isArray(value)) return value.map((entry) => fill(entry, values));
	if (value && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([key, entry]) => [fill(key, values), fill(entry, values)]));
	}
	return value;
}

function fixture(name, values = {}) {
	return fill(JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8')), values);
}

/** The credentials of fixtures/credentials.json, pointing at this sandbox portal, with `extra` data added to each. */
function sandboxCredentials(portal, oauthTokenData, extra = {}) {
	return fixture('credentials.json', {
		__WEBHOOK_URL__: portal.webhookUrl,
		__WRONG_WEBHOOK_URL__: `${portal.baseUrl}/rest/1/wrongcode0000/`,
		__PORTAL_URL__: portal.baseUrl,
		__CLIENT_ID__: portal.oauth.clientId,
		__CLIENT_SECRET__: portal.oauth.clientSecret,
		__OAUTH_TOKEN_DATA__: oauthTokenData,
	}).map((credential) => ({ ...credential, data: { ...credential.data, ...extra } }));
}

module.exports = { fixture, sandboxCredentials };
