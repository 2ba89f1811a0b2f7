// @ts-check
'use strict';

/**
 * The portal's documents a business process can run on (CRM items, list elements, Drive files).
 * A document exists only once a test adds it, as on a portal. Document IDs and types follow
 * b24restdocs api-reference/bizproc/bizproc-workflow-start.md and api-reference/bizproc/index.md.
 */

/** CRM document classes and the ID prefix each uses (DEAL_5 → type DEAL). */
const CRM_ENTITIES = {
	CCrmDocumentLead: 'LEAD',
	CCrmDocumentContact: 'CONTACT',
	CCrmDocumentCompany: 'COMPANY',
	CCrmDocumentDeal: 'DEAL',
	'Bitrix\\Crm\\Integration\\BizProc\\Document\\Quote': 'QUOTE',
	'Bitrix\\Crm\\Integration\\BizProc\\Document\\SmartInvoice': 'SMART_INVOICE',
};
const DYNAMIC_ENTITY = 'Bitrix\\Crm\\Integration\\BizProc\\Document\\Dynamic';
/** Lists and Drive: the ID alone does not say the type (the element's list, the file's storage). */
const TYPED_BY_CONTAINER = {
	lists: { BizprocDocument: /^iblock_\d+$/, 'Bitrix\\Lists\\BizprocDocumentLists': /^iblock_\d+$/ },
	disk: { 'Bitrix\\Disk\\BizProcDocument': /^STORAGE_\d+$/ },
};

/** @typedef {[string, string, string]} DocumentId */

/**
 * The type of a CRM document from its ID, or undefined if the ID is not a CRM one.
 * @param {DocumentId} documentId
 * @returns {DocumentId | undefined}
 */
function crmDocumentType([module, entity, id]) {
	if (module !== 'crm') return undefined;
	if (entity === DYNAMIC_ENTITY) {
		const match = /^DYNAMIC_(\d+)_\d+$/.exec(id);
		return match ? [module, entity, `DYNAMIC_${match[1]}`] : undefined;
	}
	const prefix = Object.hasOwn(CRM_ENTITIES, entity) ? CRM_ENTITIES[/** @type {keyof typeof CRM_ENTITIES} */ (entity)] : undefined;
	return prefix && new RegExp(`^${prefix}_\\d+$`).test(id) ? [module, entity, prefix] : undefined;
}

/** @param {unknown} value @returns {value is DocumentId} */
function isTriple(value) {
	return Array.isArray(value) && value.length === 3 && value.every((part) => typeof part === 'string' && part !== '');
}

/** A document ID from request parameters: an array (or a PHP array object with keys 0..2) of three strings. */
function readDocumentId(/** @type {unknown} */ given) {
	const parts = Array.isArray(given) ? given : given && typeof given === 'object' ? [0, 1, 2].map((i) => /** @type {any} */ (given)[i]) : undefined;
	const triple = parts?.map((part) => (typeof part === 'number' ? String(part) : part));
	return isTriple(triple) ? triple : undefined;
}

const key = (/** @type {DocumentId} */ [module, entity, id]) => `${module}|${entity}|${id.toLowerCase()}`;

function createDocumentStore() {
	/** @type {Map<string, { documentId: DocumentId, documentType: DocumentId, name: string, startableBy: number[] }>} */
	const documents = new Map();

	return {
		/**
		 * Adds a document. CRM IDs carry their type; lists elements and Drive files need `documentType`
		 * (`['lists', 'BizprocDocument', 'iblock_12']`, `['disk', 'Bitrix\\Disk\\BizProcDocument', 'STORAGE_3']`).
		 * `startableBy`: users besides administrators allowed to start processes on it.
		 * @param {DocumentId} documentId
		 * @param {{ documentType?: DocumentId, name?: string, startableBy?: number[] }} [about]
		 */
		add(documentId, about = {}) {
			if (!isTriple(documentId)) throw new Error(`addDocument: a document ID is [module, entity, id], got ${JSON.stringify(documentId)}`);
			const [module, entity] = documentId;
			let documentType = crmDocumentType(documentId);
			if (!documentType) {
				const pattern = /** @type {Record<string, Record<string, RegExp>>} */ (TYPED_BY_CONTAINER)[module]?.[entity];
				const given = about.documentType;
				if (!pattern || !given || given[0] !== module || given[1] !== entity || !pattern.test(given[2])) {
					throw new Error(`addDocument: ${JSON.stringify(documentId)} is no known document ID, or needs a documentType like [module, entity, 'iblock_12' | 'STORAGE_3']`);
				}
				documentType = [...given];
			}
			const entry = { documentId: /** @type {DocumentId} */ ([...documentId]), documentType, name: about.name ?? documentId[2], startableBy: about.startableBy ?? [] };
			documents.set(key(documentId), entry);
			return { documentId: entry.documentId, documentType: entry.documentType };
		},

		/** The stored document, if it exists. @param {DocumentId} documentId */
		find: (documentId) => documents.get(key(documentId)),
	};
}

/** Same document type (CBPHelper::isEqualDocument compares the three parts). @param {DocumentId} a @param {DocumentId} b */
function sameDocumentType(a, b) {
	return a[0] === b[0] && a[1] === b[1] && a[2].toLowerCase() === b[2].toLowerCase();
}

/** Where the portal shows a document (CBPDocument::getDocumentAdminPage); simplified. @param {DocumentId} documentId @param {DocumentId} documentType */
function documentUrl([module, entity, id], documentType) {
	if (module === 'crm') {
		const dynamic = /^DYNAMIC_(\d+)_(\d+)$/.exec(id);
		if (dynamic) return `/crm/type/${dynamic[1]}/details/${dynamic[2]}/`;
		const [, prefix, number] = /^(.*)_(\d+)$/.exec(id) ?? [];
		return `/crm/${String(prefix).toLowerCase()}/details/${number}/`;
	}
	if (module === 'lists') return `/bizproc/processes/?livefeed=y&list_id=${documentType[2].replace('iblock_', '')}&element_id=${id}`;
	return entity ? `/docs/file/${id}` : '';
}

module.exports = { createDocumentStore, readDocumentId, sameDocumentType, documentUrl };
