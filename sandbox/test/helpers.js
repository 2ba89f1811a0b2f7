// @ts-check
'use strict';

/**
 * Small HTTP helpers for the sandbox tests: every test talks to the running sandbox over real HTTP.
 * @param {string} url
 * @param {{ json?: unknown, form?: string, method?: string, headers?: Record<string, string> }} [request]
 */
async function call(url, { json, form, method, headers = {} } = {}) {
	/** @type {RequestInit} */
	const init = { method: method ?? (json !== undefined || form !== undefined ? 'POST' : 'GET'), headers: { ...headers } };
	if (json !== undefined) {
		init.headers = { 'Content-Type': 'application/json', ...headers };
		init.body = JSON.stringify(json);
	} else if (form !== undefined) {
		init.headers = { 'Content-Type': 'application/x-www-form-urlencoded', ...headers };
		init.body = form;
	}
	const response = await fetch(url, { ...init, redirect: 'manual' });
	const text = await response.text();
	const contentType = response.headers.get('content-type') ?? '';
	return {
		status: response.status,
		contentType,
		headers: response.headers,
		text,
		body: contentType.startsWith('application/json') ? JSON.parse(text) : undefined,
	};
}

/** The `time` block every answer must carry, with all its fields. */
const TIME_FIELDS = ['start', 'finish', 'duration', 'processing', 'date_start', 'date_finish', 'operating_reset_at', 'operating'];

module.exports = { call, TIME_FIELDS };
