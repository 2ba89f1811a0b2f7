// @ts-check
'use strict';

const { RestError, errors } = require('./errors');
const { parseBracketQuery, upperKeys } = require('./bodies');
const { timeBlock } = require('./timing');

const MAX_BATCH_COMMANDS = 50;

/**
 * `batch`: runs `cmd[key] = "method?urlencoded params"` with the batch's own authorization. The
 * answer is 200 even when commands fail; their errors go to result_error.
 * @param {(method: string, params: Record<string, any>, auth: any) => Promise<unknown>} callMethod
 */
function createBatchMethod(callMethod) {
	return {
		batch: {
			scope: null,
			async run(/** @type {{ params: Record<string, any>, auth: any }} */ { params, auth }) {
				const { HALT, CMD } = upperKeys(params);
				const commands = CMD && typeof CMD === 'object' ? Object.entries(CMD) : [];
				if (commands.length > MAX_BATCH_COMMANDS) throw errors.batchLength();
				const halt = HALT === true || Number(HALT) === 1;
				/** @type {Record<string, unknown>} */ const result = {};
				/** @type {Record<string, unknown>} */ const resultError = {};
				/** @type {Record<string, unknown>} */ const resultTime = {};
				for (const [key, command] of commands) {
					const startedAt = Date.now();
					const text = String(command);
					const questionMark = text.indexOf('?');
					const method = questionMark < 0 ? text : text.slice(0, questionMark);
					const query = questionMark < 0 ? '' : text.slice(questionMark + 1);
					try {
						if (method.toLowerCase() === 'batch') throw errors.batchMethodNotAllowed();
						result[key] = await callMethod(method, parseBracketQuery(query), auth);
						resultTime[key] = timeBlock(startedAt);
					} catch (error) {
						if (!(error instanceof RestError)) throw error;
						resultError[key] = { error: error.code, error_description: error.description };
						if (halt) break;
					}
				}
				return { result, result_error: resultError, result_total: {}, result_next: {}, result_time: resultTime };
			},
		},
	};
}

module.exports = { createBatchMethod, MAX_BATCH_COMMANDS };
