/**
 * Template: the business process templates of a document type (b24restdocs:
 * api-reference/bizproc/template/bizproc-workflow-template-list.html; administrator only).
 */
import type { IDataObject, IExecuteSingleFunctions, IHttpRequestOptions, ILoadOptionsFunctions, INodeListSearchResult, INodeProperties } from 'n8n-workflow';

import { bitrix24MethodRouting, listPages } from '../../shared/bitrix24Routing';
import { callBitrix24Answer } from '../../shared/callBitrix24';
import { documentProperties, documentTypeFilter, type ParameterReader } from '../document';
import { listProperties, readerOf } from './common';

const show = { resource: ['template'], operation: ['getAll'] };

/** TEMPLATE (the whole process) is left out: it is large and of no use outside the designer. */
const TEMPLATE_FIELDS = ['ID', 'NAME', 'DESCRIPTION', 'MODULE_ID', 'ENTITY', 'DOCUMENT_TYPE', 'AUTO_EXECUTE', 'PARAMETERS', 'MODIFIED', 'USER_ID', 'SYSTEM_CODE'];

async function listBody(this: IExecuteSingleFunctions, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	options.body = { select: TEMPLATE_FIELDS, filter: documentTypeFilter(readerOf(this)) };
	return options;
}

export const templateOperations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['template'] } },
	options: [
		{
			name: 'Get Many',
			value: 'getAll',
			action: 'Get templates',
			description: 'List the business process templates of a document type, with their parameters (administrator only)',
			routing: bitrix24MethodRouting('bizproc.workflow.template.list', listBody, listPages()),
		},
	],
	default: 'getAll',
};

export const templateFields: INodeProperties[] = [...listProperties(show), ...documentProperties(show, { record: false, withAny: true })];

/** The editor's template list for Workflow > Start: templates of the chosen document type, by name, a page at a time. */
export async function searchTemplates(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	const read: ParameterReader = (name, fallback) => {
		const value = this.getCurrentNodeParameter(name);
		// An expression cannot be resolved without an item: it filters nothing.
		return value === undefined || (typeof value === 'string' && value.startsWith('=')) ? fallback : value;
	};
	const byName: IDataObject = filter?.trim() ? { NAME: `%${filter.trim()}%` } : {};
	const answer = await callBitrix24Answer(this, 'bizproc.workflow.template.list', {
		select: ['ID', 'NAME'],
		filter: { ...documentTypeFilter(read), ...byName },
		order: { NAME: 'ASC' },
		start: paginationToken ?? '0',
	});
	const rows = Array.isArray(answer.result) ? (answer.result as IDataObject[]) : [];
	return {
		results: rows.map((row) => ({ name: `${String(row.NAME)} (${String(row.ID)})`, value: String(row.ID) })),
		paginationToken: answer.next === undefined ? undefined : String(answer.next),
	};
}
