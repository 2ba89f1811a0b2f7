// @ts-check
'use strict';
/** Printing, number formatting and command output shared by the benchmarks. */
const { execFileSync } = require('node:child_process');

const say = (text) => process.stdout.write(`${text}\n`);
const step = (text) => process.stdout.write(`\n▶ ${text}\n`);
const median = (values) => {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (value, digits = 2) => (value === undefined || value === null || Number.isNaN(value) ? 'n/a' : Number(value).toFixed(digits));
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
/** Seconds between two epoch-millisecond times; undefined when either is unknown. */
const seconds = (from, to) => (from !== undefined && to !== undefined ? (to - from) / 1000 : undefined);

/**
 * A Markdown table as lines, followed by an empty line.
 * @param {string[]} header
 * @param {string[][]} rows
 */
function markdownTable(header, rows) {
	return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`), ''];
}

/** What a command prints (trailing white space dropped), or 'n/a' where it fails: to describe the machine. */
function commandOutput(command, commandArgs) {
	try {
		return execFileSync(command, commandArgs, { encoding: 'utf8' }).replace(/\s+$/, '');
	} catch {
		return 'n/a';
	}
}

module.exports = { say, step, median, fmt, kib, seconds, markdownTable, commandOutput };
