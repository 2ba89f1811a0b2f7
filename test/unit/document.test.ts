/** The Business Process node's document fields: the three parts of a document ID, and a template's document type filter. */
import { documentIdFrom, documentTypeFilter } from '../../nodes/Bitrix24Bizproc/document';

const reader = (values: Record<string, unknown>) => (name: string, fallback?: unknown) => (name in values ? values[name] : fallback);

test.each<[string, Record<string, unknown>, string[]]>([
	['a deal number', { documentType: 'deal', recordId: '123' }, ['crm', 'CCrmDocumentDeal', 'DEAL_123']],
	['a deal number as a number, spaces around', { documentType: 'deal', recordId: 123 }, ['crm', 'CCrmDocumentDeal', 'DEAL_123']],
	['a deal ID with its prefix, any case', { documentType: 'deal', recordId: ' deal_7 ' }, ['crm', 'CCrmDocumentDeal', 'DEAL_7']],
	['a lead', { documentType: 'lead', recordId: '5' }, ['crm', 'CCrmDocumentLead', 'LEAD_5']],
	['a contact', { documentType: 'contact', recordId: '5' }, ['crm', 'CCrmDocumentContact', 'CONTACT_5']],
	['a company', { documentType: 'company', recordId: '5' }, ['crm', 'CCrmDocumentCompany', 'COMPANY_5']],
	['a smart process item', { documentType: 'smartProcess', entityTypeId: 147, recordId: '1' }, ['crm', 'Bitrix\\Crm\\Integration\\BizProc\\Document\\Dynamic', 'DYNAMIC_147_1']],
	['a list element', { documentType: 'listElement', listId: 22, recordId: '777' }, ['lists', 'Bitrix\\Lists\\BizprocDocumentLists', '777']],
	['a Drive file', { documentType: 'driveFile', recordId: '490' }, ['disk', 'Bitrix\\Disk\\BizProcDocument', '490']],
	['custom parts', { documentType: 'custom', documentModule: 'lists', documentEntity: 'BizprocDocument', recordId: '12' }, ['lists', 'BizprocDocument', '12']],
	['three parts from an expression, whatever the type', { documentType: 'lead', recordId: ['crm', 'CCrmDocumentDeal', 'DEAL_9'] }, ['crm', 'CCrmDocumentDeal', 'DEAL_9']],
])('documentIdFrom: %s', (_label, values, documentId) => {
	expect(documentIdFrom(reader(values))).toEqual({ documentId });
});

test.each<[string, Record<string, unknown>, RegExp]>([
	['empty', { documentType: 'deal', recordId: ' ' }, /Record ID is empty/],
	['text for a deal', { documentType: 'deal', recordId: 'abc' }, /not a deal ID.*123 \(or DEAL_123\)/],
	["another type's prefix", { documentType: 'deal', recordId: 'LEAD_5' }, /not a deal ID/],
	['a smart process without its type', { documentType: 'smartProcess', recordId: '1' }, /Entity Type ID/],
	['a Drive file that is not a number', { documentType: 'driveFile', recordId: 'file.pdf' }, /file's ID, a number/],
	['custom without module', { documentType: 'custom', documentEntity: 'X', recordId: '1' }, /Module ID and Entity/],
	['a list of two', { recordId: ['crm', 'DEAL_1'] }, /three texts.*\["crm","DEAL_1"\]/],
	['a list with an empty part', { recordId: ['crm', '', 'DEAL_1'] }, /three texts/],
])('documentIdFrom refuses %s', (_label, values, problem) => {
	expect(documentIdFrom(reader(values)).problem).toMatch(problem);
});

test.each<[string, Record<string, unknown>, Record<string, string>]>([
	['any', { documentType: 'any' }, {}],
	['deals', { documentType: 'deal' }, { MODULE_ID: 'crm', ENTITY: 'CCrmDocumentDeal', DOCUMENT_TYPE: 'DEAL' }],
	['a smart process', { documentType: 'smartProcess', entityTypeId: 147 }, { MODULE_ID: 'crm', ENTITY: 'Bitrix\\Crm\\Integration\\BizProc\\Document\\Dynamic', DOCUMENT_TYPE: 'DYNAMIC_147' }],
	['a list', { documentType: 'listElement', listId: 22 }, { MODULE_ID: 'lists', ENTITY: 'Bitrix\\Lists\\BizprocDocumentLists', DOCUMENT_TYPE: 'iblock_22' }],
	['Drive: every storage', { documentType: 'driveFile' }, { MODULE_ID: 'disk', ENTITY: 'Bitrix\\Disk\\BizProcDocument' }],
	['custom with a type', { documentType: 'custom', documentModule: 'crm', documentEntity: 'CCrmDocumentLead', documentTypeCode: 'LEAD' }, { MODULE_ID: 'crm', ENTITY: 'CCrmDocumentLead', DOCUMENT_TYPE: 'LEAD' }],
	['custom without a type', { documentType: 'custom', documentModule: 'disk', documentEntity: 'Bitrix\\Disk\\BizProcDocument' }, { MODULE_ID: 'disk', ENTITY: 'Bitrix\\Disk\\BizProcDocument' }],
])('documentTypeFilter: %s', (_label, values, filter) => {
	expect(documentTypeFilter(reader(values))).toEqual(filter);
});
