// @ts-check
'use strict';
/**
 * This package as n8n gets it: `npm pack` of the build, installed into a user folder the way n8n's
 * community-packages service installs a package.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { throwAwayDir } = require('./processes');

const REPO = path.resolve(__dirname, '..');
const PACKAGE_NAME = require(path.join(REPO, 'package.json')).name;
const NPM_FLAGS = ['--no-audit', '--no-fund', '--loglevel=error', '--update-notifier=false'];

/**
 * `npm pack` of a built package (its `files` is ["dist"]: run the build first) into a temp folder.
 * @param {string} [repoDir] the package folder, this repository by default
 * @param {string} [destination] where the tarball goes, a new temp folder by default
 * @returns {string} the tarball's path
 */
function packPackage(repoDir = REPO, destination = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-pack-'))) {
	const manifest = JSON.parse(fs.readFileSync(path.join(repoDir, 'package.json'), 'utf8'));
	for (const file of [...(manifest.n8n?.nodes ?? []), ...(manifest.n8n?.credentials ?? [])]) {
		if (!fs.existsSync(path.join(repoDir, file))) throw new Error(`${file} is missing in ${repoDir}: build the package before packing it`);
	}
	const out = execFileSync('npm', ['pack', '--json', '--pack-destination', destination, ...NPM_FLAGS], { cwd: repoDir, encoding: 'utf8', timeout: 120_000 });
	const [{ filename }] = JSON.parse(out.slice(out.indexOf('[')));
	return path.join(destination, filename);
}

/** @type {string | undefined} */
let packed;

/** This package packed once per process (the first call packs), in a folder removed when the process exits. */
function packedPackage() {
	packed ??= packPackage(REPO, throwAwayDir('n8n-e2e-pack-'));
	return packed;
}

/** The package.json inside a tarball, without unpacking it. */
function tarballManifest(tarball) {
	return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8', timeout: 60_000 }));
}

/**
 * Installs a package tarball as n8n's community-packages service does (packages/cli/src/modules/
 * community-packages/community-packages.service.ts, downloadPackage + updatePackageJsonDependency):
 * a ledger `.n8n/nodes/package.json` ({name: 'installed-nodes', private, dependencies}), the tarball
 * unpacked into `.n8n/nodes/node_modules/<name>` (tar --strip-components=1), its dev, peer and
 * optional dependencies dropped, `npm install` in that folder with n8n's flags (scripts off), then
 * the package recorded in the ledger. n8n loads every package under `.n8n/nodes/node_modules` on
 * start. (The service's `npm pack <name>@<version>` from the registry is the one step replaced: the
 * tarball is ours.) The installed_packages table is not filled: n8n's settings page would not list
 * the package, but its node and credential types load; listPackageTypes() proves that.
 * @returns {{ name: string, version: string, dir: string }}
 */
function installTarball(userFolder, tarball) {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const ledgerFile = path.join(nodesDir, 'package.json');
	fs.mkdirSync(nodesDir, { recursive: true });
	if (!fs.existsSync(ledgerFile)) fs.writeFileSync(ledgerFile, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
	const { name } = tarballManifest(tarball);
	const packageDir = path.join(nodesDir, 'node_modules', ...name.split('/'));
	fs.rmSync(packageDir, { recursive: true, force: true });
	fs.mkdirSync(packageDir, { recursive: true });
	execFileSync('tar', ['-xzf', path.resolve(tarball), '-C', packageDir, '--strip-components=1'], { timeout: 60_000 });
	const manifestFile = path.join(packageDir, 'package.json');
	const { devDependencies, peerDependencies, optionalDependencies, ...manifest } = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
	fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
	execFileSync(
		'npm',
		['install', '--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false', '--loglevel=error', '--update-notifier=false'],
		{ cwd: packageDir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 },
	);
	const ledger = JSON.parse(fs.readFileSync(ledgerFile, 'utf8'));
	ledger.dependencies = { ...ledger.dependencies, [name]: manifest.version };
	fs.writeFileSync(ledgerFile, JSON.stringify(ledger, null, 2));
	return { name, version: manifest.version, dir: packageDir };
}

/**
 * The credential type names a package installed in `userFolder` defines (the `name`s in its
 * credential files): n8n lists credential types without the package prefix node types carry.
 */
function declaredCredentialNames(userFolder, packageName) {
	const dir = path.join(userFolder, '.n8n', 'nodes', 'node_modules', ...String(packageName).split('/'));
	const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
	const names = new Set();
	for (const file of manifest.n8n?.credentials ?? []) {
		const source = fs.readFileSync(path.join(dir, file), 'utf8');
		for (const match of source.matchAll(/\bname\s*=\s*['"]([A-Za-z0-9_]+)['"]/g)) names.add(match[1]);
	}
	return names;
}

module.exports = { REPO, PACKAGE_NAME, packPackage, packedPackage, installTarball, declaredCredentialNames };
