// Bundles a benchmark with esbuild (WGSL sources inlined as text, workspace packages
// from their TypeScript sources) and runs it with Node, passing the remaining arguments.
// Usage, from packages/core-wgsl: node bench/run.mjs bench/kernels.ts [arguments of the benchmark]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('Missing benchmark file. Usage: node bench/run.mjs bench/kernels.ts [arguments of the benchmark]');
  process.exit(2);
}

// The Dawn binding is a native addon, so it stays external. It is a dependency of
// @offshelf/device, not of this package, so resolve it from there by absolute path.
const deviceRequire = createRequire(join(packageDir, '../device/package.json'));
const webgpuPath = deviceRequire.resolve('webgpu');

const outfile = join(packageDir, 'node_modules/.cache/offshelf-bench', basename(entry).replace(/\.ts$/, '.mjs'));
mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [resolve(packageDir, entry)],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['source'],
  loader: { '.wgsl': 'text' },
  logLevel: 'warning',
  plugins: [
    {
      name: 'webgpu-from-device-package',
      setup(builder) {
        builder.onResolve({ filter: /^webgpu$/ }, () => ({ path: webgpuPath, external: true }));
      },
    },
  ],
});

const result = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
