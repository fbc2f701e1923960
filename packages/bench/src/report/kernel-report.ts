/**
 * The kernel section of docs/benchmarks.md, from the JSON that the kernel micro-benchmark
 * (packages/core-wgsl/bench/kernels.ts --json=FILE) writes: each case's default and best variant
 * against half the rate of the best 512³ GEMM kernel in the same run.
 */
import type { BenchEnvironment } from './environment';
import { markdownTable } from './markdown';

/** One timed variant of one case. */
export interface KernelRow {
  case: string;
  variant: string;
  ms: number;
  gflops: number;
  gbps: number;
  firstMs: number;
}

/** The JSON file that kernels.ts --json writes. */
export interface KernelBenchResult {
  adapter: string;
  date: string;
  batch: number;
  /** The variant that the selector (or, for fused cases, the runner) picks on the adapter, by case. */
  defaults: Record<string, string>;
  rows: KernelRow[];
}

// Reads the input and writes the output once, with the convolution's FLOPs: a depthwise case's bound.
const MEMORY_BOUND_VARIANT = 'memory-bound-vec4';
// The reference of the target: half the rate of the fastest kernel on this square GEMM.
const REFERENCE_GEMM_PREFIX = 'gemm 512x512x512';

/** Returns the fastest row of `rows` (most GFLOP/s), or undefined for none. */
function fastest(rows: KernelRow[]): KernelRow | undefined {
  return rows.reduce<KernelRow | undefined>((best, row) => (best === undefined || row.gflops > best.gflops ? row : best), undefined);
}

/** Renders the kernel section: environment, then one row per case in the order they ran. */
export function renderKernelReport(environment: BenchEnvironment, result: KernelBenchResult): string {
  const reference = fastest(result.rows.filter((row) => row.case.startsWith(REFERENCE_GEMM_PREFIX)));
  const half = reference === undefined ? undefined : reference.gflops / 2;
  const cases = [...new Set(result.rows.map((row) => row.case))];
  const parts: string[] = [];

  // Headings start at level 3: this report is one section of docs/benchmarks.md.
  parts.push('### Kernels against half the GEMM\'s rate');
  parts.push(
    [
      `- Date: ${result.date}`,
      `- Command: \`${environment.command}\``,
      `- Adapter: ${result.adapter}`,
      `- CPU: ${environment.cpu}${environment.cpuFeatures === null ? '' : ` (${environment.cpuFeatures})`}, ${environment.cpuCount} logical cores, ` +
        `one-minute load average ${environment.loadAverage.toFixed(1)} at the start; Node ${environment.node}`,
      `- Batch of the convolution shapes: ${result.batch}`,
    ].join('\n'),
  );

  const convolutions = cases.filter((name) => !name.startsWith('gemm'));
  let reached = 0;
  const rows = cases.map((name) => {
    const timed = result.rows.filter((row) => row.case === name && row.variant !== MEMORY_BOUND_VARIANT);
    const best = fastest(timed)!;
    const defaultVariant = result.defaults[name];
    const defaultRow = timed.find((row) => row.variant === defaultVariant);
    const bound = result.rows.find((row) => row.case === name && row.variant === MEMORY_BOUND_VARIANT);
    const isConvolution = !name.startsWith('gemm');
    if (isConvolution && half !== undefined && best.gflops >= half) reached++;
    const share = isConvolution && half !== undefined ? `${Math.round((100 * best.gflops) / half)}%` : '—';
    return [
      name,
      defaultVariant === undefined ? '—' : `\`${defaultVariant}\`${defaultRow === undefined ? ' (not timed)' : ''}`,
      defaultRow === undefined ? '—' : defaultRow.gflops.toFixed(1),
      `\`${best.variant}\``,
      best.ms.toFixed(2),
      best.gflops.toFixed(1),
      // Compute-bound kernels move little data: two significant digits keep their GB/s above 0.0.
      best.gbps < 1 ? best.gbps.toPrecision(2) : best.gbps.toFixed(1),
      bound === undefined ? '—' : bound.gflops.toFixed(1),
      share,
    ];
  });

  const sentences: string[] = [];
  if (reference === undefined || half === undefined) {
    sentences.push('This run timed no 512³ GEMM, so it has no reference rate: run it without a variant filter, or with one that GEMM variants match.');
  } else {
    const timedGemm = new Set(result.rows.filter((row) => row.case.startsWith(REFERENCE_GEMM_PREFIX)).map((row) => row.variant));
    const referenceLabel = timedGemm.size === 1 ? 'The only 512³ GEMM variant timed' : 'The fastest 512³ GEMM variant';
    sentences.push(`${referenceLabel}, \`${reference.variant}\`, ran at ${reference.gflops.toFixed(1)} GFLOP/s, so half of it is ${half.toFixed(1)} GFLOP/s.`);
    if (convolutions.length > 0) sentences.push(`With their fastest variant, ${reached} of ${convolutions.length} convolution shapes reach it.`);
  }
  sentences.push(
    "ms is the fastest time per dispatch over repeated passes. GFLOP/s counts 2 FLOPs per multiply-add (the direct convolution's FLOPs for Winograd). GB/s counts the input, weights and output once each.",
  );
  if (result.rows.some((row) => row.variant === MEMORY_BOUND_VARIANT)) {
    sentences.push(`The memory bound is \`${MEMORY_BOUND_VARIANT}\`, which only reads a depthwise layer's input and writes its output, with the convolution's FLOPs.`);
  }
  if (cases.some((name) => result.defaults[name] !== undefined && !result.rows.some((row) => row.case === name && row.variant === result.defaults[name]))) {
    sentences.push('A default variant marked "not timed" was left out by the variant filter.');
  }
  parts.push(sentences.join(' '));
  parts.push(
    markdownTable(
      ['case', 'default variant', 'default GFLOP/s', 'fastest variant', 'ms', 'GFLOP/s', 'GB/s', 'memory bound GFLOP/s', 'against half the GEMM'],
      rows,
    ),
  );
  return `${parts.join('\n\n')}\n`;
}
