// Bundles the CLI (src/main.ts and the workspace packages it imports, from their
// TypeScript sources) into dist/offshelf.js. npm packages stay external.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const cliDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const bundlePath = join(cliDir, 'dist', 'offshelf.js');
const packagesDir = resolve(cliDir, '..');

/**
 * Leaves npm packages external. A package that only another workspace package
 * depends on (such as `webgpu` for @offshelf/device) cannot be found from
 * packages/cli, so it is imported by its path relative to dist/ instead.
 */
function externalNpmPackages(outfile) {
  return {
    name: 'offshelf-external-npm',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path.startsWith('@offshelf/') || args.pluginData?.probing || args.path.startsWith('node:')) return undefined;

        const fromCli = await pluginBuild.resolve(args.path, { kind: args.kind, resolveDir: cliDir, pluginData: { probing: true } });
        if (fromCli.errors.length === 0) return { path: args.path, external: true };

        const fromImporter = await pluginBuild.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { probing: true } });
        if (fromImporter.errors.length > 0) return { errors: fromImporter.errors };
        // NOTE: this relative path ties dist/offshelf.js to the repository layout.
        return { path: relative(dirname(outfile), fromImporter.path).split('\\').join('/'), external: true };
      });
    },
  };
}

/**
 * Builds dist/offshelf.js (and its source map), or `outfile`, which must lie inside
 * packages/cli so that Node finds the external npm packages from it. Each file is
 * written to a temporary name and renamed, so a CLI started while another process
 * rebuilds never loads half a file.
 */
export async function bundleCli(outfile = bundlePath) {
  const result = await build({
    entryPoints: [join(cliDir, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    loader: { '.wgsl': 'text' },
    plugins: [externalNpmPackages(outfile)],
    banner: { js: '#!/usr/bin/env node' },
    sourcemap: true,
    logLevel: 'warning',
    write: false,
  });
  mkdirSync(dirname(outfile), { recursive: true });
  for (const file of result.outputFiles) {
    const temporaryPath = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporaryPath, file.contents, { mode: 0o755 });
    renameSync(temporaryPath, file.path);
  }
}

function newestModification(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name === 'dist') continue;
    newest = Math.max(newest, newestModification(join(path, name)));
  }
  return newest;
}

/** True when any workspace source or build script is newer than the bundle. */
export function isBundleStale() {
  let bundleTime;
  try {
    bundleTime = statSync(bundlePath).mtimeMs;
  } catch {
    return true;
  }
  const sources = readdirSync(packagesDir).flatMap((name) => [join(packagesDir, name, 'src'), join(packagesDir, name, 'package.json')]);
  sources.push(join(cliDir, 'scripts'));
  return sources.some((path) => {
    try {
      return newestModification(path) > bundleTime;
    } catch {
      return false;
    }
  });
}
