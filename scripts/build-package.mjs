// Builds one workspace package: esbuild bundles each entry point into dist/ as ESM
// (WGSL sources inlined as text, npm and workspace dependencies left external),
// then tsc writes the .d.ts files next to them from tsconfig.build.json (src only).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const packageDir = process.cwd();
const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const entries = pkg.offshelf?.entries ?? ['src/index.ts'];
const distDir = join(packageDir, 'dist');

// Stale files from renamed sources would otherwise be packed.
rmSync(distDir, { recursive: true, force: true });

await build({
  entryPoints: entries.map((entry) => join(packageDir, entry)),
  outdir: distDir,
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

// tsc comes from the workspace's typescript package, so the build needs no PATH set-up.
const tscPath = createRequire(join(packageDir, 'package.json')).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tscPath, '-p', 'tsconfig.build.json'], { cwd: packageDir, stdio: 'inherit' });

addDeclarationExtensions(distDir);
if (pkg.dependencies?.['@webgpu/types']) referenceWebgpuTypes(entries);

/**
 * Rewrites extensionless relative imports (`.` and `..` included) in the emitted .d.ts
 * files to `./x.js` or `./x/index.js`, because consumers with `moduleResolution`
 * `node16` or `nodenext` resolve ESM declaration imports only with explicit extensions.
 */
function addDeclarationExtensions(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      addDeclarationExtensions(path);
      continue;
    }
    if (!entry.name.endsWith('.d.ts')) continue;

    const text = readFileSync(path, 'utf8');
    const rewritten = text.replace(/((?:from|import)\s*\(?\s*)(['"])(\.{1,2}(?:\/[^'"]*)?)\2/g, (match, prefix, quote, specifier) => {
      if (/\.(js|mjs|cjs|json)$/.test(specifier)) return match;
      const base = join(dirname(path), specifier);
      if (existsSync(`${base}.d.ts`)) return `${prefix}${quote}${specifier}.js${quote}`;
      if (existsSync(join(base, 'index.d.ts'))) return `${prefix}${quote}${specifier}/index.js${quote}`;
      throw new Error(`${path}: cannot resolve declaration import '${specifier}'; expected ${base}.d.ts or ${base}/index.d.ts.`);
    });
    if (rewritten !== text) writeFileSync(path, rewritten);
  }
}

/** Makes each entry's declarations pull in the WebGPU types, so consumers need no `types` setting for GPUDevice and friends. */
function referenceWebgpuTypes(entryPaths) {
  for (const entry of entryPaths) {
    const declaration = join(distDir, entry.replace(/^src\//, '').replace(/\.ts$/, '.d.ts'));
    const text = readFileSync(declaration, 'utf8');
    const reference = '/// <reference types="@webgpu/types" />\n';
    if (!text.startsWith(reference)) writeFileSync(declaration, reference + text);
  }
}
