import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs `pnpm bench kernels`: the conv/GEMM micro-benchmark that lives with the kernels, run as
 * `node bench/run.mjs bench/kernels.ts [case-name filter]` from packages/core-wgsl.
 * Remaining arguments (a case-name filter) are passed through.
 */
export async function runKernelBench(repoRoot: string, args: string[]): Promise<void> {
  const packageDir = join(repoRoot, 'packages', 'core-wgsl');
  const runner = join(packageDir, 'bench', 'run.mjs');
  const entry = join(packageDir, 'bench', 'kernels.ts');
  for (const path of [runner, entry]) {
    if (!existsSync(path)) throw new Error(`The kernel micro-benchmark is missing: ${path} not found.`);
  }

  const result = spawnSync(process.execPath, [runner, 'bench/kernels.ts', ...args], { cwd: packageDir, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`The kernel micro-benchmark exited with ${result.signal ?? `code ${result.status}`}.`);
}
