// @ts-check
'use strict';

const { RestError } = require('./errors');

/** Bitrix24 lists answer 50 rows a page, always (IRestService::LIST_LIMIT). */
const LIST_LIMIT = 50;

/**
 * A list answer: the rows plus `next` / `total`, which the REST server puts beside `result` (and a
 * batch into `result_next` / `result_total`).
 */
class ListPage {
	/** @param {unknown[]} rows @param {{ next?: number, total: number }} nav */
	constructor(rows, { next, total }) {
		this.rows = rows;
		this.next = next;
		this.total = total;
	}

	/** The answer's top-level fields besides `time`. */
	toAnswer() {
		return { result: this.rows, ...(this.next === undefined ? {} : { next: this.next }), total: this.total };
	}
}

/** The `start` parameter as the REST server reads it (lower-case key, an integer; anything else is 0). */
function startOf(/** @type {Record<string, any>} */ params) {
	const start = Number.parseInt(String(params.start ?? 0), 10);
	return Number.isFinite(start) && start > 0 ? start : 0;
}

/**
 * ORM paging (workflow.instances, workflow.template.list): offset = start, 50 rows;
 * `next = start + rows` while rows remain (IRestService::setNavData with an array).
 * @param {unknown[]} rows all matching rows, sorted @param {number} start
 */
function offsetPage(rows, start) {
	const page = rows.slice(start, start + LIST_LIMIT);
	const more = start + page.length < rows.length;
	return new ListPage(page, { next: more ? start + page.length : undefined, total: rows.length });
}

/**
 * Page-number paging (task.list, a CDBResult): page = floor(start / 50) + 1, `next = page * 50` while
 * pages remain. A page past the last one gives the first page again (project reference notes).
 * @param {unknown[]} rows @param {number} start
 */
function pageNumberPage(rows, start) {
	const pages = Math.ceil(rows.length / LIST_LIMIT);
	let page = Math.floor(start / LIST_LIMIT) + 1;
	if (page > pages) page = 1;
	const slice = rows.slice((page - 1) * LIST_LIMIT, page * LIST_LIMIT);
	return new ListPage(slice, { next: page < pages ? page * LIST_LIMIT : undefined, total: rows.length });
}

/** Filter operations the core lets through (RestService::$allowedOperations); others are dropped. */
const ALLOWED_OPERATIONS = ['', '!', '<', '<=', '>', '>='];

/** ISO dates, numbers in strings and plain strings compared as the database would. @param {unknown} a @param {unknown} b */
function compare(a, b) {
	if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
	if (b === null || b === undefined) return 1;
	// Numbers, and strings that are short numbers (IDs as "12"); a workflow ID of digits only
	// ("12345678901234.12345678") is too long for a float and stays a string.
	const numeric = (/** @type {unknown} */ v) => typeof v === 'number' || (typeof v === 'string' && v.length <= 15 && /^-?\d+(\.\d+)?$/.test(v));
	if (numeric(a) && numeric(b)) return Number(a) - Number(b);
	const dateA = Date.parse(String(a));
	const dateB = Date.parse(String(b));
	if (/^\d{4}-\d\d-\d\d/.test(String(a)) && Number.isFinite(dateA) && Number.isFinite(dateB)) return dateA - dateB;
	return String(a).localeCompare(String(b));
}

/** SQL LIKE, case-insensitive (`%` any run, `_` one character). @param {unknown} value @param {string} pattern */
function like(value, pattern) {
	const source = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
	return new RegExp(`^${source}$`, 'is').test(String(value ?? ''));
}

/**
 * SELECT / FILTER / ORDER of the bizproc lists (RestService::getSelect, getFilter, getOrder).
 * @param {{
 *   params: Record<string, any>,           // the method's parameters, keys upper-cased
 *   fields: string[],                       // the list's field names
 *   defaultSelect: string[],
 *   defaultOrder: Record<string, 'ASC'|'DESC'>,
 *   plainStringIsLike: boolean,             // ORM lists: a plain string filter is a LIKE; tasks: equality
 * }} list
 */
function readListQuery({ params, fields, defaultSelect, defaultOrder, plainStringIsLike }) {
	const known = new Set(fields);

	/** @type {string[]} */
	let select = [];
	if (params.SELECT && typeof params.SELECT === 'object') {
		for (const entry of Object.values(params.SELECT)) {
			// Docs (bizproc-task-list.md): a non-scalar entry is refused (the core upper-cases each entry).
			if (entry !== null && typeof entry === 'object') {
				throw new RestError(400, 'ERROR_SELECT_VALIDATION_FAILURE', 'Invalid data in SELECT parameter');
			}
			const name = String(entry ?? '').toUpperCase();
			if (known.has(name) && !select.includes(name)) select.push(name);
		}
	}
	if (select.length === 0) select = defaultSelect;

	/** @type {Array<{ operation: string, field: string, value: unknown }>} */
	const filter = [];
	if (params.FILTER && typeof params.FILTER === 'object' && !Array.isArray(params.FILTER)) {
		for (const [key, value] of Object.entries(params.FILTER)) {
			const [, operation, field] = /^([^a-zA-Z]*)(.*)$/s.exec(key) ?? [];
			// The field name is matched as given (the core does not upper-case filter keys).
			if (ALLOWED_OPERATIONS.includes(operation) && known.has(field)) filter.push({ operation, field, value });
		}
	}

	/** @type {Array<[string, 'ASC'|'DESC']>} */
	let order = [];
	if (params.ORDER && typeof params.ORDER === 'object' && !Array.isArray(params.ORDER)) {
		for (const [key, direction] of Object.entries(params.ORDER)) {
			const field = key.toUpperCase();
			if (known.has(field)) order.push([field, String(direction).toUpperCase() === 'DESC' ? 'DESC' : 'ASC']);
		}
	}
	if (order.length === 0) order = Object.entries(defaultOrder);

	/** @param {Record<string, any>} row */
	const matchesOne = (row, /** @type {{ operation: string, field: string, value: unknown }} */ { operation, field, value }) => {
		const actual = row[field];
		const equals = () => {
			if (value !== null && typeof value === 'object') return Object.values(value).some((v) => compare(actual, v) === 0);
			if (plainStringIsLike && typeof value === 'string' && typeof actual === 'string') return like(actual, value);
			return compare(actual, value) === 0;
		};
		switch (operation) {
			case '':
				return equals();
			case '!':
				return !equals();
			case '<':
				return compare(actual, value) < 0;
			case '<=':
				return compare(actual, value) <= 0;
			case '>':
				return compare(actual, value) > 0;
			default:
				return compare(actual, value) >= 0;
		}
	};

	return {
		select,
		/** The rows that pass the filter, sorted. @template {Record<string, any>} T @param {T[]} rows */
		apply(rows) {
			return rows
				.filter((row) => filter.every((condition) => matchesOne(row, condition)))
				.sort((a, b) => {
					for (const [field, direction] of order) {
						const diff = compare(a[field], b[field]);
						if (diff !== 0) return direction === 'DESC' ? -diff : diff;
					}
					return 0;
				});
		},
		/** The filter's condition on a field with no operation, if any (e.g. USER_ID of task.list). @param {string} field */
		plainValue(field) {
			return filter.find((condition) => condition.field === field && condition.operation === '')?.value;
		},
		/** Only the selected fields, in SELECT order. @param {Record<string, any>} row */
		pick(row) {
			return Object.fromEntries(select.map((field) => [field, row[field] ?? null]));
		},
	};
}

module.exports = { ListPage, LIST_LIMIT, startOf, offsetPage, pageNumberPage, readListQuery };
