/**
 * The package as npm would publish it: `dist/` built by `npm run build` (built here once when missing,
 * so `npm test` works on a fresh clone), and the files `npm pack` would put into the tarball.
 */
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import path from 'path';

export const packageRoot = path.resolve(__dirname, '..', '..');

export function ensureBuilt(): void {
	if (existsSync(path.join(packageRoot, 'dist', 'nodes'))) return;
	execFileSync('npm', ['run', 'build'], { cwd: packageRoot, stdio: 'pipe', timeout: 240_000 });
}

/** The paths `npm pack` would put into the tarball, relative to the package root. */
export function tarballFiles(): string[] {
	ensureBuilt();
	const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: packageRoot, encoding: 'utf8', timeout: 120_000 });
	const [pack] = JSON.parse(output) as Array<{ files: Array<{ path: string }> }>;
	return pack.files.map((file) => file.path).sort();
}
