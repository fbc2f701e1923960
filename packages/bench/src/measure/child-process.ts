import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { killProcessTree } from '../browser/process-tree';
import type { CaseOptions } from './run-case';
import { emptyResult, type CaseResult } from './result';

/** Environment variable with the case's scratch folder, which the parent removes after the child exits. */
export const CASE_SCRATCH_ENV = 'OFFSHELF_BENCH_CASE_SCRATCH';

/** Prefix of the stdout line that carries a child's result as JSON. */
export const RESULT_MARKER = '@@offshelf-bench-result ';

/** Command-line arguments that make the bench entry point run one case (see `runCaseCommand`). */
export function caseArguments(options: CaseOptions): string[] {
  const args = [
    'case',
    `--engine=${options.engine}`,
    `--model=${options.model}`,
    ...(options.output === undefined ? [] : [`--output=${options.output}`]),
    `--batch=${options.batch}`,
    `--warmup=${options.warmup}`,
    `--repeats=${options.repeats}`,
  ];
  if (options.profileKernels) args.push('--profile-kernels');
  if (options.chromiumThreads !== undefined) args.push(`--chromium-threads=${options.chromiumThreads}`);
  return args;
}

function removeScratch(scratch: string): void {
  // A browser whose driver was killed kept writing its profile for over 20 s in a test, so
  // the processes started with a profile in this folder are killed first (by id, from /proc).
  const killed = killProcessTree(scratch);
  if (killed.length > 0) process.stderr.write(`bench: killed ${killed.length} leftover browser process(es) of the case: ${killed.join(', ')}\n`);

  try {
    rmSync(scratch, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch (error) {
    process.stderr.write(`bench: failed to remove the case folder ${scratch}: ${(error as Error).message}\n`);
  }
}

/**
 * Runs one case in a fresh Node process with an empty Mesa shader cache, so first-run times
 * include shader compilation and no engine inherits another's WebAssembly, GPU buffers or
 * pipelines. The child's own output goes to stderr; its result comes back on one marked line.
 */
export async function runCaseInChild(options: CaseOptions & { timeoutSeconds: number }): Promise<CaseResult> {
  // One scratch folder per case, removed here even when the child is killed: the Mesa shader
  // cache, and the browser profile of an engine that runs in Chromium.
  const scratch = mkdtempSync(join(tmpdir(), 'offshelf-bench-case-'));
  const shaderCache = join(scratch, 'mesa');
  mkdirSync(shaderCache);
  const entry = process.argv[1]!;
  const child = spawn(process.execPath, ['--liftoff-only', '--enable-source-maps', entry, ...caseArguments(options)], {
    // LP_NUM_THREADS, if set, passes on with the rest, so every engine on lavapipe gets the same threads.
    env: { ...process.env, MESA_SHADER_CACHE_DIR: shaderCache, [CASE_SCRATCH_ENV]: scratch },
    stdio: ['ignore', 'pipe', 'inherit'],
  });

  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    // Forward everything except the result line, so progress and library logs stay visible.
    const lines = stdout.split('\n');
    stdout = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith(RESULT_MARKER)) resultLine = line;
      else process.stderr.write(`${line}\n`);
    }
  });
  let resultLine: string | null = null;

  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutSeconds * 1000);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  clearTimeout(timer);
  removeScratch(scratch);

  if (stdout.startsWith(RESULT_MARKER)) resultLine = stdout;
  if (resultLine) return JSON.parse((resultLine as string).slice(RESULT_MARKER.length)) as CaseResult;

  const reason =
    exit.signal === 'SIGKILL'
      ? `timed out after ${options.timeoutSeconds} s (raise --case-timeout)`
      : `child process exited with ${exit.signal ?? `code ${exit.code}`} before printing a result`;
  return emptyResult(options.engine, options.model, options.batch, 'failed', reason);
}
