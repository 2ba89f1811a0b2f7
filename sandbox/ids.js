// @ts-check
'use strict';

const crypto = require('node:crypto');

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomDigits(/** @type {number} */ length) {
	return Array.from({ length }, () => crypto.randomInt(10)).join('');
}

function randomAlnum(/** @type {number} */ length) {
	return Array.from({ length }, () => ALNUM[crypto.randomInt(ALNUM.length)]).join('');
}

function randomHex(/** @type {number} */ bytes) {
	return crypto.randomBytes(bytes).toString('hex');
}

/** Like PHP's uniqid('', true): 14 hex digits, a dot, 8 digits, e.g. 55c1dc1c3f0d75.78875596. */
function newWorkflowId() {
	return `${randomHex(7)}.${randomDigits(8)}`;
}

/** Like a designer-generated activity name, e.g. A51601_82584_96831_81132. */
function newActivityName() {
	return `A${[5, 5, 5, 5].map(randomDigits).join('_')}`;
}

/** The per-run event id inside an event token: 32 letters and digits. */
function newEventId() {
	return randomAlnum(32);
}

module.exports = { randomHex, newWorkflowId, newActivityName, newEventId };
