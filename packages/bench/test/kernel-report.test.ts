import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { shellQuote } from '../src/cli/kernels';
import type { BenchEnvironment } from '../src/report/environment';
import { renderKernelReport, type KernelBenchResult, type KernelRow } from '../src/report/kernel-report';
import { KERNEL_REPORT_END, KERNEL_REPORT_START, REPORT_END, REPORT_START, writeKernelReport } from '../src/report/write-report';

const environment = {
  date: '2026-12-05T00:00:00.000Z',
  command: 'BENCH_BATCH=8 pnpm bench kernels --write-docs',
  node: 'v20.0.0',
  cpu: 'Example CPU',
  cpuFeatures: 'family 6, model 1, AVX-512',
  cpuCount: 2,
  loadAverage: 0.5,
} as BenchEnvironment;

function row(name: string, variant: string, gflops: number): KernelRow {
  return { case: name, variant, ms: 1, gflops, gbps: gflops / 2, firstMs: 10 };
}

const result: KernelBenchResult = {
  adapter: 'llvmpipe (vulkan)',
  date: '2026-12-05T00:00:00.000Z',
  batch: 8,
  defaults: { 'dw 3x3 s1 32 @112': 'depthwise-3x3-strip', '1x1 16->96 @112': 'pointwise-subgroup-32x8', 'gemm 512x512x512': 'subgroup-32x8' },
  rows: [
    row('dw 3x3 s1 32 @112', 'depthwise-3x3-strip', 20),
    row('dw 3x3 s1 32 @112', 'depthwise-4x', 8),
    row('dw 3x3 s1 32 @112', 'memory-bound-vec4', 30),
    row('1x1 16->96 @112', 'pointwise-gemm-8x8', 15),
    row('1x1 16->96 @112', 'pointwise-subgroup-32x8', 31),
    row('gemm 512x512x512', 'subgroup-32x8', 50),
    row('gemm 512x512x512', 'naive', 2),
  ],
};

describe('renderKernelReport', () => {
  it('compares each case with half the GEMM', () => {
    const report = renderKernelReport(environment, result);
    expect(report).toContain('`subgroup-32x8`, ran at 50.0 GFLOP/s, so half of it is 25.0');
    expect(report).toContain('1 of 2 convolution shapes reach it');
    expect(report).toContain('| dw 3x3 s1 32 @112 | `depthwise-3x3-strip` | 20.0 | `depthwise-3x3-strip` | 1.00 | 20.0 | 10.0 | 30.0 | 80% |');
    expect(report).toContain('| 1x1 16->96 @112 | `pointwise-subgroup-32x8` | 31.0 | `pointwise-subgroup-32x8` | 1.00 | 31.0 | 15.5 | — | 124% |');
    expect(report).toContain('| gemm 512x512x512 | `subgroup-32x8` | 50.0 | `subgroup-32x8` | 1.00 | 50.0 | 25.0 | — | — |');
    expect(report).toContain('- Batch of the convolution shapes: 8');
    expect(report).toContain('(family 6, model 1, AVX-512)');
  });

  it('names a run without the reference GEMM', () => {
    const report = renderKernelReport(environment, { ...result, rows: result.rows.filter((r) => !r.case.startsWith('gemm')) });
    expect(report).toContain('This run timed no 512³ GEMM');
    expect(report).toContain('| dw 3x3 s1 32 @112 | `depthwise-3x3-strip` | 20.0 | `depthwise-3x3-strip` | 1.00 | 20.0 | 10.0 | 30.0 | — |');
  });
});

describe('kernel report wording', () => {
  it('names a single timed GEMM variant', () => {
    const gemmOnly = { ...result, rows: [row('gemm 512x512x512', 'naive', 2)] };
    const report = renderKernelReport(environment, gemmOnly);
    expect(report).toContain('The only 512³ GEMM variant timed, `naive`, ran at 2.0 GFLOP/s, so half of it is 1.0 GFLOP/s.');
    expect(report).not.toContain('convolution shapes reach it');
    expect(report).toContain('| gemm 512x512x512 | `subgroup-32x8` (not timed) | — | `naive` | 1.00 | 2.0 | 1.0 | — | — |');
    expect(report).toContain('A default variant marked "not timed" was left out by the variant filter.');
  });

  it('keeps two digits of a small GB/s', () => {
    const small = { ...result, rows: [{ ...row('gemm 512x512x512', 'subgroup-32x8', 50), gbps: 0.6134 }] };
    expect(renderKernelReport(environment, small)).toContain('| 1.00 | 50.0 | 0.61 | — | — |');
  });

  it('quotes recorded arguments for the shell', () => {
    expect(shellQuote('gemm 512')).toBe("'gemm 512'");
    expect(shellQuote('--write-docs=/tmp/b.md')).toBe('--write-docs=/tmp/b.md');
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});

describe('writeKernelReport', () => {
  it('keeps the engine section', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'offshelf-kernel-report-')), 'benchmarks.md');
    await writeFile(path, `# Page\n\n${REPORT_START}\nengines\n${REPORT_END}\n\n## Kernels\n\n${KERNEL_REPORT_START}\nold kernels\n${KERNEL_REPORT_END}\n\nkept\n`);

    await writeKernelReport(path, 'new kernels\n');

    const page = await readFile(path, 'utf8');
    expect(page).toContain(`${REPORT_START}\nengines\n${REPORT_END}`);
    expect(page).toContain(`${KERNEL_REPORT_START}\nnew kernels\n${KERNEL_REPORT_END}\n\nkept\n`);
    expect(page).not.toContain('old kernels');
  });
});
