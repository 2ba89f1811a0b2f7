/** Pieces the resources of the Business Process node share. */
import type { IDataObject, IExecuteSingleFunctions, INodeProperties } from 'n8n-workflow';

import { failBeforeSending } from '../../shared/inputChecks';
import type { ParameterReader } from '../document';

/** The node's parameters for the item. */
export const readerOf =
	(context: IExecuteSingleFunctions): ParameterReader =>
	(name, fallback) =>
		context.getNodeParameter(name, fallback);

/** A required text field, trimmed, or the item fails. */
export function requiredText(context: IExecuteSingleFunctions, name: string, label: string, fix: string): string {
	const value = context.getNodeParameter(name, '') as unknown;
	const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
	if (text === '') failBeforeSending(context, `${label} is empty`, fix);
	return text;
}

/** A positive whole number (a user's or a task's ID), or the item fails. */
export function requiredId(context: IExecuteSingleFunctions, name: string, label: string): string {
	const text = requiredText(context, name, label, `Enter the ${label.toLowerCase()}, a number such as 1.`);
	if (!/^\d+$/.test(text) || Number(text) === 0) failBeforeSending(context, `${label} "${text}" is not an ID`, `Enter the ${label.toLowerCase()}, a number such as 1.`);
	return text;
}

/** Return All and Limit, for the list operations of one resource. */
export function listProperties(show: Record<string, string[]>): INodeProperties[] {
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			displayOptions: { show },
			description: 'Whether to return all results or only up to a given limit',
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 50,
			displayOptions: { show: { ...show, returnAll: [false] } },
			description: 'Max number of results to return',
		},
	];
}

/** Filter entries that are set: empty texts and zero are left out, so they filter nothing. */
export function setFilters(entries: Array<[key: string, value: unknown]>): IDataObject {
	const filter: IDataObject = {};
	for (const [key, value] of entries) {
		if (value === undefined || value === null || value === '' || value === 0) continue;
		filter[key] = typeof value === 'string' ? value.trim() : String(value);
	}
	return filter;
}
