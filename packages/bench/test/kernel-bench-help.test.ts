import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

const repoRoot = resolve(__dirname, '../../..');

/** Runs `pnpm bench kernels ARGS` from the repository root. */
function runKernels(args: string[], timeout = 300_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [join(repoRoot, 'packages/bench/scripts/run.mjs'), 'kernels', ...args], { cwd: repoRoot, encoding: 'utf8', timeout });
}

describe('pnpm bench kernels', () => {
  it('prints its usage for --help', () => {
    const result = runKernels(['--help'], 60_000);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: pnpm bench kernels [CASE [VARIANT]]');
    expect(result.stdout).toContain('BENCH_BATCH=N');
    expect(result.stdout).not.toContain('total ');
  });

  it('writes the kernel section with --write-docs', () => {
    const page = join(mkdtempSync(join(tmpdir(), 'offshelf-kernels-docs-')), 'benchmarks.md');
    writeFileSync(page, '# Benchmarks\n\nkept\n');
    // A missing folder is created before the run.
    const nested = join(dirname(page), 'missing', 'benchmarks.md');
    const result = runKernels(['gemm 512', 'naive', `--write-docs=${page}`]);
    expect(result.status, result.stderr).toBe(0);
    const written = readFileSync(page, 'utf8');
    expect(written).toMatch(/^# Benchmarks\n\nkept\n\n<!-- bench:kernels:start -->\n### Kernels against half the GEMM's rate\n/);
    expect(written).toMatch(/The only 512³ GEMM variant timed, `naive`, ran at [\d.]+ GFLOP\/s, so half of it is [\d.]+ GFLOP\/s\./);
    expect(written).toContain('| gemm 512x512x512 | `');
    expect(written).toContain("- Command: `pnpm bench kernels 'gemm 512' naive --write-docs=");
    expect(written).not.toContain('of 0 convolution shapes');
    expect(written.trimEnd().endsWith('<!-- bench:kernels:end -->')).toBe(true);

    // A variant filter that no GEMM variant matches leaves the report without its reference.
    const intoMissing = runKernels(['dw 3x3 s1 32', 'strip', `--write-docs=${nested}`]);
    expect(intoMissing.status, intoMissing.stderr).toBe(0);
    expect(readFileSync(nested, 'utf8')).toContain('This run timed no 512³ GEMM');
  });

  it('adds the reference GEMM to a case filter and keeps --json', () => {
    const folder = mkdtempSync(join(tmpdir(), 'offshelf-kernels-json-'));
    const page = join(folder, 'benchmarks.md');
    const json = join(folder, 'rows', 'kernels.json');
    const result = runKernels(['gemm classifier', 'naive', `--write-docs=${page}`, `--json=${json}`]);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(page, 'utf8')).toMatch(/The only 512³ GEMM variant timed, `naive`, ran at [\d.]+ GFLOP\/s/);
    const rows = JSON.parse(readFileSync(json, 'utf8')).rows as Array<{ case: string }>;
    expect(rows.map((row) => row.case)).toEqual(['gemm 512x512x512', 'gemm classifier 1x1001x1280 tB']);
  });

  it('times a --conv shape against the reference GEMM', () => {
    const json = join(mkdtempSync(join(tmpdir(), 'offshelf-kernels-custom-')), 'kernels.json');
    const result = runKernels(['--conv=in=4,groups=dw,size=8,kernel=3', '--variant=direct', `--json=${json}`]);
    expect(result.status, result.stderr).toBe(0);

    const rows = JSON.parse(readFileSync(json, 'utf8')).rows as Array<{ case: string; variant: string }>;
    const cases = new Set(rows.map((row) => row.case));
    expect([...cases]).toEqual(['conv 3x3 s1 dw 4->4 @8', 'gemm 512x512x512']);
    expect(rows.filter((row) => row.case === 'conv 3x3 s1 dw 4->4 @8').map((row) => row.variant)).toEqual(['direct']);
    expect(result.stdout).toMatch(/against half the 512³ GEMM's fastest rate \([\d.]+ GFLOP\/s\):\nconv 3x3 s1 dw 4->4 @8 +direct +[\d.]+ GFLOP\/s +\d+%/);
  });

  it('rejects malformed --conv shapes and --write-docs with them', () => {
    const malformed = runKernels(['--conv=in=4,size=8,kernel=3']);
    expect(malformed.status).not.toBe(0);
    expect(malformed.stderr).toContain('kernels: --conv=in=4,size=8,kernel=3: missing out=…');

    const withDocs = runKernels(['--gemm=64x64x64', '--write-docs'], 60_000);
    expect(withDocs.status).not.toBe(0);
    expect(withDocs.stderr).toContain('--write-docs records the built-in cases only; time --gemm=64x64x64 without it');
  });

  it('rejects filters that match nothing', () => {
    const result = runKernels(['nosuchcase']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('kernels: no case and variant match "nosuchcase"; case names start with stem, 1x1, dw,');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
