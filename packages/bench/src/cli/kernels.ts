import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `pnpm bench kernels`: runs the conv/GEMM micro-benchmark that lives with the kernels in
 * packages/core-wgsl/bench/. A `run.mjs` there is run with Node; otherwise its `*.bench.ts`
 * files are run with `vitest bench`. Remaining arguments are passed through.
 */
export async function runKernelBench(repoRoot: string, args: string[]): Promise<void> {
  const packageDir = join(repoRoot, 'packages', 'core-wgsl');
  const benchDir = join(packageDir, 'bench');
  if (!existsSync(benchDir)) {
    throw new Error(`The kernel micro-benchmark is not written yet: ${benchDir} does not exist.`);
  }

  const script = join(benchDir, 'run.mjs');
  const benchFiles = readdirSync(benchDir).filter((file) => file.endsWith('.bench.ts'));
  let result;
  if (existsSync(script)) {
    result = spawnSync(process.execPath, [script, ...args], { cwd: packageDir, stdio: 'inherit' });
  } else if (benchFiles.length > 0) {
    result = spawnSync('npx', ['vitest', 'bench', '--run', ...benchFiles.map((file) => join('bench', file)), ...args], {
      cwd: packageDir,
      stdio: 'inherit',
    });
  } else {
    throw new Error(`${benchDir} has neither run.mjs nor *.bench.ts files; nothing to run.`);
  }
  if (result.status !== 0) throw new Error(`The kernel micro-benchmark exited with ${result.signal ?? `code ${result.status}`}.`);
}
