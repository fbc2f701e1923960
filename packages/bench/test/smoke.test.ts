import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { chromiumPath } from '../src/browser/chromium';
import type { CaseResult } from '../src/measure/result';
import { flopsOrNull, runCase } from '../src/measure/run-case';
import { MODELS } from '../src/models';
import { countFlops } from '../src/onnx/flops';
import { readBenchGraph } from '../src/onnx/read-graph';
import { buildResNet, buildTinyConvNet } from '../src/onnx/resnet';
import { renderMarkdown } from '../src/report/markdown';
import { formatTextTable, relativeDifferenceToReference, speedupOverEngine } from '../src/report/table';
import { testEnvironment } from './helpers/test-environment';

const CHROMIUM_MISSING = existsSync(chromiumPath())
  ? null
  : `Chromium not found at ${chromiumPath()}; install Debian's chromium package or set OFFSHELF_CHROMIUM`;

// Threads requested from ort-wasm-chromium, so the check does not depend on the test machine's core count.
const CHROMIUM_THREADS = 2;

// The harness on the tiny generated model with one engine pair (offshelf on the GPU, onnxruntime-node
// on the CPU), plus onnxruntime-web in headless Chromium where Chromium is installed, so that it
// cannot rot. Timings vary with load and are never asserted.
describe('bench harness', () => {
  let cache: string;
  const results: CaseResult[] = [];
  let chromiumResult: CaseResult | null = null;

  beforeAll(async () => {
    cache = mkdtempSync(join(tmpdir(), 'offshelf-bench-test-'));
    process.env.OFFSHELF_BENCH_CACHE = cache;
    for (const engine of ['offshelf', 'ort-node'] as const) {
      results.push(await runCase({ engine, model: 'tiny', batch: 2, warmup: 0, repeats: 2, profileKernels: false }));
    }
    if (!CHROMIUM_MISSING) {
      chromiumResult = await runCase({
        engine: 'ort-wasm-chromium',
        model: 'tiny',
        batch: 2,
        warmup: 0,
        repeats: 2,
        profileKernels: false,
        chromiumThreads: CHROMIUM_THREADS,
      });
    }
  });

  afterAll(() => {
    rmSync(cache, { recursive: true, force: true });
  });

  it('tiny model FLOPs match a hand count', () => {
    // Counted by hand per image: conv 3→8 3×3 stride 2 on 16×16 (8·8·8 outputs × 27 MACs), ReLU,
    // depthwise 3×3 (512 × 9 MACs), ReLU, 1×1 8→8 (512 × 8), Add, 1×1 8→16 (1024 × 8), ReLU,
    // and a global average pool over 1024 values. Each MAC is 2 FLOPs, every other element 1.
    const expected = 2 * (512 * 27 + 512 * 9 + 512 * 8 + 1024 * 8) + 512 + 512 + 512 + 1024 + 1024;
    const graph = readBenchGraph(buildTinyConvNet(), 'features', 'tiny.onnx');
    expect(countFlops(graph).total).toBe(expected);
  });

  it('ResNet-18 convolution MACs match torchvision', () => {
    // torchvision's ResNet18_Weights page lists 1.81 GFLOPS, counted as multiply-accumulates. The generated
    // model lacks the 0.5 M-MAC classifier, and 1 % covers the rounding of the published figure.
    const graph = readBenchGraph(buildResNet(18), 'features', 'resnet18.onnx');
    const convMacs = countFlops(graph).byOpType.Conv! / 2;
    expect(Math.abs(convMacs - 1.81e9) / 1.81e9).toBeLessThan(0.01);
  });

  it('both engines produce figures', () => {
    for (const result of results) {
      expect(result.status, `${result.engine}: ${result.error}`).toBe('ok');
      expect(result.runsMs).toHaveLength(2);
      expect(result.imagesPerSecond).toBeGreaterThan(0);
      expect(result.gflops).toBeGreaterThan(0);
      expect(result.rssBytes).toBeGreaterThan(0);
    }
    expect(results[0]!.peakGpuBytes).toBeGreaterThan(0);
    expect(results[1]!.peakGpuBytes).toBeNull();
  });

  it('offshelf features match onnxruntime-node', () => {
    // Oracle: onnxruntime-node on the same ONNX file. Float32 sums of at most 72 products
    // differ by reordering only, so 1e-4 of the largest feature is a loose bound.
    const difference = relativeDifferenceToReference(results[0]!, results);
    expect(difference).not.toBeNull();
    expect(difference!, `max relative difference ${difference}`).toBeLessThan(1e-4);
  });

  it('report renders every case', () => {
    expect(speedupOverEngine(results[1]!, results)).toBeGreaterThan(0);
    const table = formatTextTable(results);
    expect(table).toContain('offshelf');
    expect(table).toContain('ort-node');

    const markdown = renderMarkdown(testEnvironment(), { warmup: 0, repeats: 2, flopsPerImage: { tiny: 65024 } }, results);
    expect(markdown).toContain('llvmpipe');
    expect(markdown).toContain('Lavapipe compute threads (LP_NUM_THREADS): 4');
    expect(markdown).toContain('pnpm bench --models=tiny');
    expect(markdown).toContain(MODELS.tiny.description);
  });

  it('runs a model given as a file', async () => {
    // The tiny model saved under another name, read through its first graph output.
    const file = join(cache, 'my-net.onnx');
    writeFileSync(file, buildTinyConvNet());
    const result = await runCase({ engine: 'offshelf', model: file, batch: 1, warmup: 0, repeats: 1, profileKernels: false });

    expect(result.status, result.error).toBe('ok');
    expect(result.gflops).toBeGreaterThan(0);
    expect(formatTextTable([result])).toMatch(/\noffshelf +my-net\.onnx +1 /);
    const markdown = renderMarkdown(testEnvironment(), { warmup: 0, repeats: 1, flopsPerImage: { [file]: 65024 } }, [result]);
    expect(markdown).toContain(`- \`my-net.onnx\`: ONNX file ${file}, weights from the file, 0.000 GFLOP per image`);
  });

  it('leaves GFLOP/s out for operators it cannot count', () => {
    const graph = readBenchGraph(buildTinyConvNet(), 'features', 'tiny.onnx');
    graph.nodes[1]!.opType = 'Sigmoid';
    expect(flopsOrNull(graph, 'tiny.onnx')).toBeNull();
  });

  describe.skipIf(CHROMIUM_MISSING !== null)(`ort-wasm-chromium${CHROMIUM_MISSING ? ` (skipped: ${CHROMIUM_MISSING})` : ''}`, () => {
    it('produces figures with threads', () => {
      const result = chromiumResult!;
      expect(result.status, `ort-wasm-chromium: ${result.error}`).toBe('ok');
      expect(result.runsMs).toHaveLength(2);
      expect(result.imagesPerSecond).toBeGreaterThan(0);
      expect(result.gflops).toBeGreaterThan(0);
      expect(result.peakGpuBytes).toBeNull();
      // The summed PSS of the Chromium processes, read from /proc on Linux.
      expect(result.rssBytes).toBeGreaterThan(0);
      expect(result.engineDetail).toContain('headless Chromium');
      expect(result.engineDetail).toContain(`${CHROMIUM_THREADS} WebAssembly thread(s)`);
    });

    it('features match onnxruntime-node', () => {
      // Oracle: onnxruntime-node on the same ONNX file and the same seeded input, which the page
      // builds itself. Float32 sums of at most 72 products differ by reordering only, so 1e-4 of
      // the largest feature is a loose bound.
      const difference = relativeDifferenceToReference(chromiumResult!, [...results, chromiumResult!]);
      expect(difference).not.toBeNull();
      expect(difference!, `max relative difference ${difference}`).toBeLessThan(1e-4);
    });

    it('report names Chromium and threads', () => {
      const all = [...results, chromiumResult!];
      const markdown = renderMarkdown(testEnvironment(), { warmup: 0, repeats: 2, flopsPerImage: { tiny: 65024 } }, all);
      const engineLine = markdown.split('\n').find((line) => line.startsWith('- `ort-wasm-chromium`'));
      expect(engineLine).toContain('headless Chromium');
      expect(engineLine).toContain(`${CHROMIUM_THREADS} WebAssembly thread(s)`);
      expect(markdown).toContain('timed inside its page with performance.now()');
    });
  });
});
