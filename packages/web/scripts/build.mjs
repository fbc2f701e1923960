// Builds the web app into dist/: esbuild bundles the page script and the training
// worker for browsers (workspace packages from their TypeScript sources, WGSL as
// text), and the static HTML and CSS are copied beside them.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** esbuild options shared by the app build and the test-only page bundles. */
export const browserBundleOptions = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['source', 'browser'],
  loader: { '.wgsl': 'text' },
  sourcemap: true,
  logLevel: 'warning',
};

/** Bundles `src/main.ts` and `src/worker.ts` and copies `static/` into `outdir`. */
export async function buildWebApp(outdir = join(packageDir, 'dist')) {
  mkdirSync(outdir, { recursive: true });

  await build({
    ...browserBundleOptions,
    entryPoints: [join(packageDir, 'src/main.ts'), join(packageDir, 'src/worker.ts')],
    outdir,
  });

  const staticDir = join(packageDir, 'static');
  for (const name of readdirSync(staticDir)) copyFileSync(join(staticDir, name), join(outdir, name));
  return outdir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = await buildWebApp();
  console.log(`built ${outdir}`);
}
