// Entry point of `pnpm bench`: bundles the TypeScript sources with esbuild (workspace packages
// from their `source` condition, `.wgsl` as text, npm packages left as imports resolved to
// absolute paths) and runs the bundle with `node --liftoff-only`, which keeps V8 from spending
// about 30 s optimizing onnxruntime-web's 27 MB WebAssembly.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(packageDir, '../..');
const outDir = join(repoRoot, '.offshelf-cache', 'bench');
// One bundle per invocation, so editing the sources during a long run cannot change its child processes.
const bundle = join(outDir, `bench-${process.pid}.mjs`);
mkdirSync(outDir, { recursive: true });

/** Keeps npm packages out of the bundle but pins each import to the file esbuild resolved. */
const externalNpmPackages = {
  name: 'external-npm-packages',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@offshelf/') || args.pluginData?.resolvingExternal) return undefined;
      if (args.path.startsWith('node:')) return { path: args.path, external: true };

      const resolved = await pluginBuild.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        pluginData: { resolvingExternal: true },
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return { path: resolved.path, external: true };
    });
  },
};

await build({
  entryPoints: [join(packageDir, 'src', 'cli', 'main.ts')],
  outfile: bundle,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['source'],
  loader: { '.wgsl': 'text' },
  plugins: [externalNpmPackages],
  sourcemap: 'inline',
  logLevel: 'warning',
});

const env = {
  ...process.env,
  OFFSHELF_SHARED: process.env.OFFSHELF_SHARED ?? resolve(repoRoot, '..', 'shared'),
  OFFSHELF_BENCH_CACHE: process.env.OFFSHELF_BENCH_CACHE ?? outDir,
  OFFSHELF_BENCH_REPO: repoRoot,
};
const result = spawnSync(process.execPath, ['--liftoff-only', '--enable-source-maps', bundle, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env,
});
rmSync(bundle, { force: true });
process.exit(result.status ?? 1);
