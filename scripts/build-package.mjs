// Builds one workspace package: esbuild bundles each entry point into dist/ as ESM
// (WGSL sources inlined as text, npm and workspace dependencies left external),
// then tsc writes the .d.ts files next to them.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const packageDir = process.cwd();
const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const entries = pkg.offshelf?.entries ?? ['src/index.ts'];

await build({
  entryPoints: entries.map((entry) => join(packageDir, entry)),
  outdir: join(packageDir, 'dist'),
  outbase: join(packageDir, 'src'),
  bundle: true,
  format: 'esm',
  platform: pkg.offshelf?.platform ?? 'neutral',
  target: 'es2022',
  packages: 'external',
  loader: { '.wgsl': 'text' },
  sourcemap: true,
  logLevel: 'warning',
});

execFileSync('tsc', ['-p', 'tsconfig.json', '--emitDeclarationOnly', '--outDir', 'dist', '--rootDir', 'src'], {
  cwd: packageDir,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
