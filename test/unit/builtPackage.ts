/* eslint-disable @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code: it runs in Jest, not inside n8n, and needs child processes (npm), timers and __dirname, Node built-ins and n8n internals */
/**
 * The package as npm would publish it: `dist/` as `npm run build` makes it (built here when missing or
 * older than a source file, so `npm test` checks what the sources build today), and the files
 * `npm pack` would put into the tarball.
 */
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'fs';
import path from 'path';

export const packageRoot = path.resolve(__dirname, '..', '..');

function filesUnder(folder: string): string[] {
	if (!existsSync(folder)) return [];
	return readdirSync(folder, { recursive: true, encoding: 'utf8' })
		.map((name) => path.join(folder, name))
		.filter((file) => statSync(file).isFile());
}

function isStale(): boolean {
	const built = filesUnder(path.join(packageRoot, 'dist'));
	if (built.length === 0) return true;
	const oldestBuilt = Math.min(...built.map((file) => statSync(file).mtimeMs));
	const sources = ['nodes', 'credentials'].flatMap((folder) => filesUnder(path.join(packageRoot, folder)));
	return sources.some((file) => statSync(file).mtimeMs > oldestBuilt);
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Jest runs test files in parallel workers: one builds while the others wait for it (a folder as the lock). */
export function ensureBuilt(): void {
	const lock = path.join(packageRoot, '.build.lock');
	for (const deadline = Date.now() + 300_000; ; pause(250)) {
		if (Date.now() > deadline) throw new Error(`Another test has been building dist/ for 5 minutes; remove ${lock} if no build is running.`);
		try {
			mkdirSync(lock);
			break;
		} catch {
			// held by another worker
		}
	}
	try {
		if (isStale()) execFileSync('npm', ['run', 'build'], { cwd: packageRoot, stdio: 'pipe', timeout: 240_000 });
	} finally {
		rmSync(lock, { recursive: true, force: true });
	}
}

/** The paths `npm pack` would put into the tarball, relative to the package root. */
export function tarballFiles(): string[] {
	ensureBuilt();
	const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: packageRoot, encoding: 'utf8', timeout: 120_000 });
	const [pack] = JSON.parse(output) as Array<{ files: Array<{ path: string }> }>;
	return pack.files.map((file) => file.path).sort();
}
