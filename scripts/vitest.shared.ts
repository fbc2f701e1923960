import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin, UserConfig } from 'vite';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Loads `.wgsl` files as their source text, the same way the esbuild builds do. */
export function wgslText(): Plugin {
  return {
    name: 'offshelf-wgsl-text',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('.wgsl')) return null;
      return { code: `export default ${JSON.stringify(code)};`, map: null };
    },
  };
}

/**
 * Vitest settings shared by every package: workspace packages resolve to their
 * TypeScript sources, GPU tests run one file at a time in forked processes
 * (Dawn is not safe in worker threads, and a software GPU already uses every core),
 * and OFFSHELF_SHARED points at the real models and images.
 */
export function packageTestConfig(overrides: { testTimeout?: number } = {}): UserConfig {
  return {
    plugins: [wgslText()],
    resolve: { conditions: ['source', 'import', 'module', 'node', 'default'] },
    ssr: { resolve: { conditions: ['source', 'import', 'node', 'default'], externalConditions: ['source'] } },
    test: {
      pool: 'forks',
      fileParallelism: false,
      passWithNoTests: true,
      testTimeout: overrides.testTimeout ?? 120_000,
      hookTimeout: 120_000,
      env: {
        OFFSHELF_SHARED: process.env.OFFSHELF_SHARED ?? resolve(repoRoot, '../shared'),
      },
    },
  } as UserConfig;
}
