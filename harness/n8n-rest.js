// @ts-check
'use strict';
/**
 * The REST API of a running n8n as its editor uses it: the owner's session (set up on a fresh
 * instance, or a login), JSON in and out, a workflow's activation, and waiting for a webhook.
 * N8nInstance (n8n-harness.js) extends it.
 */
const { until } = require('./until');

const OWNER = { email: 'owner@example.com', firstName: 'E2E', lastName: 'Owner', password: 'E2e-owner-password-1' };

class N8nRestClient {
	/** @param {string} baseUrl e.g. http://127.0.0.1:5678 */
	constructor(baseUrl) {
		this.baseUrl = baseUrl;
		/** @type {string | undefined} the owner's session cookie, once login() ran */
		this.cookie = undefined;
	}

	/** The server's output, for error messages (N8nInstance has it). */
	get serverLog() {
		return '';
	}

	/** Sets up the owner account of this fresh instance (or logs in) and keeps the session cookie. */
	async login() {
		const post = async (pathname, body) =>
			await fetch(`${this.baseUrl}${pathname}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
		let response = await post('/rest/owner/setup', OWNER);
		if (!response.ok) response = await post('/rest/login', { emailOrLdapLoginId: OWNER.email, email: OWNER.email, password: OWNER.password });
		if (!response.ok) throw new Error(`owner setup / login failed: ${response.status} ${await response.text()}`);
		await response.arrayBuffer();
		this.cookie = (response.headers.get('set-cookie') ?? '').split(';')[0];
	}

	/** GET a path of the running n8n with the owner's session; its JSON answer. @returns {Promise<any>} */
	async getJson(pathname) {
		const response = await fetch(`${this.baseUrl}${pathname}`, { headers: { cookie: this.cookie ?? '' }, signal: AbortSignal.timeout(60_000) });
		if (!response.ok) throw new Error(`GET ${pathname}: ${response.status} ${await response.text()}`);
		return await response.json();
	}

	/** POST JSON to a path of the running n8n with the owner's session. */
	async postJson(pathname, body = {}) {
		return await this.sendJson('POST', pathname, body);
	}

	/** PATCH JSON to a path of the running n8n with the owner's session (the editor's save). */
	async patchJson(pathname, body = {}) {
		return await this.sendJson('PATCH', pathname, body);
	}

	/** @returns {Promise<any>} the JSON answer */
	async sendJson(method, pathname, body) {
		const response = await fetch(`${this.baseUrl}${pathname}`, {
			method,
			headers: { cookie: this.cookie ?? '', 'Content-Type': 'application/json' },
			body: JSON.stringify(body),
			signal: AbortSignal.timeout(60_000),
		});
		if (!response.ok) throw new Error(`${method} ${pathname}: ${response.status} ${await response.text()}`);
		return await response.json();
	}

	/** Activates or deactivates a workflow in the running n8n, as the editor's toggle does. */
	async setActive(id, active) {
		const { data } = await this.getJson(`/rest/workflows/${id}`);
		await this.postJson(`/rest/workflows/${id}/${active ? 'activate' : 'deactivate'}`, active ? { versionId: data.versionId } : {});
	}

	/** Waits until an active workflow's webhook URL answers anything but 404 (an empty POST). */
	async waitForWebhook(url, timeoutMs = 60_000) {
		const registered = async () => {
			const response = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(10_000) });
			await response.arrayBuffer();
			return response.status !== 404;
		};
		await until(registered, timeoutMs, `webhook ${url} registered`, { intervalMs: 250, describe: () => this.serverLog.slice(-5000) });
	}
}

module.exports = { N8nRestClient };
