import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { collectEnvironment } from '../report/environment';
import { renderKernelReport, type KernelBenchResult } from '../report/kernel-report';
import { writeKernelReport } from '../report/write-report';

/** Quotes `arg` for a POSIX shell where it contains anything but plain word characters, so a recorded command runs as it ran. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * Runs `pnpm bench kernels`: the conv/GEMM micro-benchmark that lives with the kernels, run as
 * `node bench/run.mjs bench/kernels.ts [case-name filter]` from packages/core-wgsl.
 * Remaining arguments (a case-name filter) are passed through. `--write-docs[=FILE]` also writes
 * the kernel section of FILE (default docs/benchmarks.md) from the run's rows.
 */
export async function runKernelBench(repoRoot: string, args: string[]): Promise<void> {
  const packageDir = join(repoRoot, 'packages', 'core-wgsl');
  const runner = join(packageDir, 'bench', 'run.mjs');
  const entry = join(packageDir, 'bench', 'kernels.ts');
  for (const path of [runner, entry]) {
    if (!existsSync(path)) throw new Error(`The kernel micro-benchmark is missing: ${path} not found.`);
  }

  const docsArgument = args.find((arg) => arg === '--write-docs' || arg.startsWith('--write-docs='));
  const passed = args.filter((arg) => arg !== docsArgument);
  const docsPath = docsArgument === undefined ? undefined : resolve(docsArgument.slice('--write-docs='.length) || join(repoRoot, 'docs', 'benchmarks.md'));
  // Created before the run, as the engine bench does, so a long run never ends on a missing folder.
  if (docsPath !== undefined) await mkdir(dirname(docsPath), { recursive: true });
  const jsonFolder = docsPath === undefined ? undefined : await mkdtemp(join(tmpdir(), 'offshelf-kernels-'));
  const jsonPath = jsonFolder === undefined ? undefined : join(jsonFolder, 'kernels.json');

  try {
    const childArgs = [runner, 'bench/kernels.ts', ...passed, ...(jsonPath === undefined ? [] : [`--json=${jsonPath}`])];
    const result = spawnSync(process.execPath, childArgs, { cwd: packageDir, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`The kernel micro-benchmark exited with ${result.signal ?? `code ${result.status}`}.`);
    if (docsPath === undefined || jsonPath === undefined) return;

    const results = JSON.parse(await readFile(jsonPath, 'utf8')) as KernelBenchResult;
    const batch = process.env.BENCH_BATCH ? `BENCH_BATCH=${process.env.BENCH_BATCH} ` : '';
    const command = `${batch}pnpm bench kernels ${args.map(shellQuote).join(' ')}`.trim();
    await writeKernelReport(docsPath, renderKernelReport(await collectEnvironment(command), results));
    process.stderr.write(`bench: wrote the kernel section of ${docsPath}\n`);
  } finally {
    if (jsonFolder !== undefined) await rm(jsonFolder, { recursive: true, force: true });
  }
}
