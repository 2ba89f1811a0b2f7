// n8n reads icons and codex files (X.node.json) from dist/, next to the compiled files; tsc copies neither.
const { src, dest, parallel } = require('gulp');

function copyIcons() {
	src('nodes/**/*.{png,svg}').pipe(dest('dist/nodes'));
	return src('credentials/**/*.{png,svg}').pipe(dest('dist/credentials'));
}

function copyCodex() {
	return src('nodes/**/*.node.json').pipe(dest('dist/nodes'));
}

exports['build:icons'] = copyIcons;
exports['build:codex'] = copyCodex;
exports.default = parallel(copyIcons, copyCodex);
