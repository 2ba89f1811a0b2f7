/**
 * Documents and document types as Bitrix24 business processes name them: three parts, [module, entity,
 * id] (b24restdocs: api-reference/bizproc/bizproc-workflow-start.html; core: bizproc
 * CBPDocument::StartWorkflow). A template belongs to a document type (its MODULE_ID, ENTITY and
 * DOCUMENT_TYPE), and runs only on documents of that type.
 */
import type { IDataObject, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

type Show = Record<string, string[]>;

interface Kind {
	name: string;
	module: string;
	entity: string;
	/** The template's DOCUMENT_TYPE for this kind, when it does not depend on the record. */
	type?: (parts: KindInput) => string | undefined;
	/** The third part of the document ID from the Record ID as a person gives it, or why it cannot be used. */
	id: (record: string, parts: KindInput) => string | { problem: string };
}

interface KindInput {
	entityTypeId?: number;
	listId?: number;
}

const digits = /^\d+$/;

/** CRM records: `DEAL_123`; the number alone is enough. */
function crm(name: string, entity: string, prefix: string): Kind {
	return {
		name,
		module: 'crm',
		entity,
		type: () => prefix,
		id: (record) => {
			if (digits.test(record)) return `${prefix}_${record}`;
			if (new RegExp(`^${prefix}_\\d+$`, 'i').test(record)) return record.toUpperCase();
			return { problem: `Enter the ${name.toLowerCase()}'s ID, a number such as 123 (or ${prefix}_123).` };
		},
	};
}

const numeric = (what: string) => (record: string) => (digits.test(record) ? record : { problem: `Enter the ${what}'s ID, a number such as 123.` });

const KINDS: Record<string, Kind> = {
	deal: crm('Deal', 'CCrmDocumentDeal', 'DEAL'),
	lead: crm('Lead', 'CCrmDocumentLead', 'LEAD'),
	contact: crm('Contact', 'CCrmDocumentContact', 'CONTACT'),
	company: crm('Company', 'CCrmDocumentCompany', 'COMPANY'),
	smartProcess: {
		name: 'Smart Process Item',
		module: 'crm',
		entity: 'Bitrix\\Crm\\Integration\\BizProc\\Document\\Dynamic',
		type: ({ entityTypeId }) => (entityTypeId ? `DYNAMIC_${entityTypeId}` : undefined),
		id: (record, { entityTypeId }) => {
			if (digits.test(record)) return `DYNAMIC_${entityTypeId}_${record}`;
			if (new RegExp(`^DYNAMIC_${entityTypeId}_\\d+$`, 'i').test(record)) return record.toUpperCase();
			return { problem: `Enter the item's ID, a number such as 1 (or DYNAMIC_${entityTypeId}_1).` };
		},
	},
	listElement: {
		name: 'List Element',
		module: 'lists',
		entity: 'Bitrix\\Lists\\BizprocDocumentLists',
		type: ({ listId }) => (listId ? `iblock_${listId}` : undefined),
		id: numeric('list element'),
	},
	driveFile: {
		name: 'Drive File',
		module: 'disk',
		entity: 'Bitrix\\Disk\\BizProcDocument',
		// The type is the file's storage (STORAGE_<id>): templates are listed for every storage.
		id: numeric('file'),
	},
};

/** Reads a parameter of the node for the item (or, in the editor, its current value). */
export type ParameterReader = (name: string, fallback?: unknown) => unknown;

type DocumentId = [module: string, entity: string, id: string];

const documentTypeOptions = (withAny: boolean): INodePropertyOptions[] => [
	...(withAny ? [{ name: 'Any', value: 'any', description: 'Do not filter by document' }] : []),
	...Object.entries(KINDS).map(([value, kind]) => ({ name: kind.name, value })),
	{ name: 'Custom', value: 'custom', description: 'Module, entity and document type or ID as three parts' },
];

/**
 * The document fields of an operation: Document Type and what it needs, and (with a record) Record ID.
 * `withAny` adds "Any" (a filter that is not set).
 */
export function documentProperties(show: Show, { record, withAny = false }: { record: boolean; withAny?: boolean }): INodeProperties[] {
	const on = (types: string[]) => ({ show: { ...show, documentType: types } });
	const fields: INodeProperties[] = [
		// Two literal fields, one per default, so that the scanner (which reads literals only) sees each default.
		withAny
			? {
					displayName: 'Document Type',
					name: 'documentType',
					type: 'options',
					options: documentTypeOptions(true),
					default: 'any',
					displayOptions: { show },
					description: 'What the business process runs on. A template belongs to one document type.',
				}
			: {
					displayName: 'Document Type',
					name: 'documentType',
					type: 'options',
					options: documentTypeOptions(false),
					default: 'deal',
					displayOptions: { show },
					description: 'What the business process runs on. A template belongs to one document type.',
				},
		{
			displayName: 'Smart Process Entity Type ID',
			name: 'entityTypeId',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 128,
			required: true,
			displayOptions: on(['smartProcess']),
			description: 'The smart process type (entityTypeId), shown in its address in Bitrix24: /crm/type/128/',
		},
		{
			displayName: 'List ID',
			name: 'listId',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 0,
			required: !record,
			displayOptions: on(['listElement']),
			description: 'The list (information block) ID, shown in its address in Bitrix24: /company/lists/22/',
		},
		{
			displayName: 'Module ID',
			name: 'documentModule',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. crm',
			displayOptions: on(['custom']),
		},
		{
			displayName: 'Entity',
			name: 'documentEntity',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. CCrmDocumentDeal',
			displayOptions: on(['custom']),
		},
	];
	if (!record) {
		fields.push({
			displayName: 'Document Type Code',
			name: 'documentTypeCode',
			type: 'string',
			default: '',
			placeholder: 'e.g. DEAL',
			displayOptions: on(['custom']),
			description: "The template's document type, the third part. Left empty, every type of the module and entity.",
		});
	} else {
		fields.push({
			displayName: 'Record ID',
			name: 'recordId',
			type: 'string',
			default: '',
			required: !withAny,
			placeholder: 'e.g. 123',
			displayOptions: withAny ? { show, hide: { documentType: ['any'] } } : { show },
			description:
				"The record's ID in Bitrix24, e.g. the deal's number. An expression may give the whole document ID as three parts instead: the document_id field of the Bitrix24 Bizproc Trigger's output, or e.g. {{ ['crm', 'CCrmDocumentDeal', 'DEAL_123'] }}.",
		});
	}
	return fields;
}

function kindInput(read: ParameterReader): KindInput {
	return { entityTypeId: Number(read('entityTypeId', 0)) || undefined, listId: Number(read('listId', 0)) || undefined };
}

/** The document ID's three parts from the fields, or why they cannot be used. */
export function documentIdFrom(read: ParameterReader): { documentId?: DocumentId; problem?: string } {
	const record = read('recordId', '');
	if (Array.isArray(record)) {
		const parts = record.map((part) => (typeof part === 'string' || typeof part === 'number' ? String(part).trim() : ''));
		if (parts.length === 3 && parts.every((part) => part !== '')) return { documentId: parts as DocumentId };
		return { problem: `Record ID is a list but not a document ID: it must hold three texts, e.g. ['crm', 'CCrmDocumentDeal', 'DEAL_123']; it holds ${JSON.stringify(record)}.` };
	}
	const text = typeof record === 'string' || typeof record === 'number' ? String(record).trim() : '';
	if (text === '') return { problem: "Record ID is empty. Enter the record's ID, e.g. the deal's number." };
	const type = String(read('documentType', 'deal'));
	if (type === 'custom') {
		const module = String(read('documentModule', '')).trim();
		const entity = String(read('documentEntity', '')).trim();
		if (!module || !entity) return { problem: 'A custom document needs its Module ID and Entity, e.g. crm and CCrmDocumentDeal.' };
		return { documentId: [module, entity, text] };
	}
	const kind = KINDS[type];
	if (!kind) return { problem: `Unknown Document Type "${type}".` };
	const input = kindInput(read);
	if (type === 'smartProcess' && !input.entityTypeId) return { problem: "Enter the smart process's Entity Type ID, e.g. 128." };
	const id = kind.id(text, input);
	if (typeof id !== 'string') return { problem: `Record ID "${text}" is not a ${kind.name.toLowerCase()} ID. ${id.problem}` };
	return { documentId: [kind.module, kind.entity, id] };
}

/** The template filter for the chosen document type: MODULE_ID, ENTITY and, where known, DOCUMENT_TYPE. */
export function documentTypeFilter(read: ParameterReader): IDataObject {
	const type = String(read('documentType', 'deal'));
	if (type === 'any') return {};
	if (type === 'custom') {
		const filter: IDataObject = { MODULE_ID: String(read('documentModule', '')).trim(), ENTITY: String(read('documentEntity', '')).trim() };
		const code = String(read('documentTypeCode', '') ?? '').trim();
		return code ? { ...filter, DOCUMENT_TYPE: code } : filter;
	}
	const kind = KINDS[type];
	if (!kind) return {};
	const documentType = kind.type?.(kindInput(read));
	return { MODULE_ID: kind.module, ENTITY: kind.entity, ...(documentType ? { DOCUMENT_TYPE: documentType } : {}) };
}
