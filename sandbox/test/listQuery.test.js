'use strict';

const { readListQuery } = require('../listQuery');

const query = (FILTER, ORDER) => readListQuery({ params: { FILTER, ORDER }, fields: ['ID', 'NAME'], defaultSelect: ['ID'], defaultOrder: { ID: 'ASC' }, plainStringIsLike: false });

describe('list filters and order', () => {
	test('a workflow ID of digits only is compared as text: two IDs a float cannot tell apart stay two', () => {
		const rows = [{ ID: '12345678901234.12345678' }, { ID: '12345678901234.12345679' }];
		expect(query({ ID: '12345678901234.12345678' }).apply(rows)).toEqual([rows[0]]);
	});

	test('short numbers in strings compare as numbers ("9" < "10")', () => {
		const rows = [{ ID: '10' }, { ID: '9' }, { ID: '100' }];
		expect(query({ '>ID': 9 }).apply(rows).map((r) => r.ID)).toEqual(['10', '100']);
		expect(query({}, { ID: 'DESC' }).apply(rows).map((r) => r.ID)).toEqual(['100', '10', '9']);
	});
});
