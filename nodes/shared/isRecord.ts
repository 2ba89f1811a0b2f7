import type { IDataObject } from 'n8n-workflow';

/** A plain object of named values: not null, a list or a Buffer. */
export function isRecord(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}
