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

// The case whose fastest variant sets the target; its name as kernels.ts prints it.
const REFERENCE_CASE = 'gemm 512x512x512';

/**
 * Adds the reference GEMM to a case filter that leaves it out, so that a filtered --write-docs run
 * can still state each case against half the GEMM's rate. Case filters are comma-separated.
 */
export function addReferenceCase(args: string[]): void {
  const index = args.findIndex((arg) => !arg.startsWith('--'));
  if (index === -1) return;
  const filters = args[index]!.split(',');
  if (!filters.some((filter) => REFERENCE_CASE.includes(filter))) args[index] = [...filters, REFERENCE_CASE].join(',');
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
  const customShape = args.find((arg) => arg.startsWith('--conv') || arg.startsWith('--gemm'));
  if (docsArgument !== undefined && customShape !== undefined) {
    throw new Error(`${docsArgument} records the built-in cases only; time ${customShape} without it, or with --json=FILE to keep the rows.`);
  }
  const jsonArgument = args.find((arg) => arg.startsWith('--json='));
  // The benchmark runs in packages/core-wgsl, so a relative --json path is made absolute here.
  const userJsonPath = jsonArgument === undefined || jsonArgument === '--json=' ? undefined : resolve(jsonArgument.slice('--json='.length));
  const docsPath = docsArgument === undefined ? undefined : resolve(docsArgument.slice('--write-docs='.length) || join(repoRoot, 'docs', 'benchmarks.md'));
  const passed = args
    .filter((arg) => arg !== docsArgument)
    .map((arg) => (arg === jsonArgument && userJsonPath !== undefined ? `--json=${userJsonPath}` : arg));
  if (docsPath !== undefined) addReferenceCase(passed);
  // Created before the run, as the engine bench does, so a long run never ends on a missing folder.
  if (docsPath !== undefined) await mkdir(dirname(docsPath), { recursive: true });
  if (userJsonPath !== undefined) await mkdir(dirname(userJsonPath), { recursive: true });
  // The report reads the rows from the user's --json file, or else from a temporary one.
  const jsonFolder = docsPath === undefined || userJsonPath !== undefined ? undefined : await mkdtemp(join(tmpdir(), 'offshelf-kernels-'));
  const jsonPath = userJsonPath ?? (jsonFolder === undefined ? undefined : join(jsonFolder, 'kernels.json'));

  try {
    const childArgs = [runner, 'bench/kernels.ts', ...passed, ...(jsonFolder === undefined ? [] : [`--json=${jsonPath}`])];
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
