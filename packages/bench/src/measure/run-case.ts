import { requestDevice, type OffshelfDevice } from '@offshelf/device';

import type { EngineName, GpuContext, KernelTime } from '../engines/engine';
import { ENGINES } from '../engines/registry';
import { trackBuffers } from '../gpu/buffer-tracker';
import { KernelProfiler } from '../gpu/kernel-profiler';
import { installNavigatorGpu } from '../gpu/navigator-shim';
import { modelSpec, readModel, type ModelRef } from '../models';
import { countFlops } from '../onnx/flops';
import { readBenchGraph, type BenchGraph } from '../onnx/read-graph';
import { randomInput } from './random-input';
import { emptyResult, type CaseResult } from './result';

// Kernels listed per case in the report.
const TOP_KERNELS = 10;

// Features compared across engines; enough to catch a wrong layout or padding, small enough for the JSON.
const FEATURE_SAMPLE_LENGTH = 64;

export interface CaseOptions {
  engine: EngineName;
  model: ModelRef;
  /** Output read as the features; undefined means the model's own choice (its first output for a file). */
  output?: string;
  batch: number;
  /** Untimed runs after the first one. */
  warmup: number;
  /** Timed runs; the median is reported. */
  repeats: number;
  /** Also time each GPU kernel over one extra run, for engines whose dispatches can be replayed. */
  profileKernels: boolean;
  /** WebAssembly threads for engines in a browser page. Undefined means the engine's default. */
  chromiumThreads?: number;
}

/**
 * Returns the FLOPs of one image, or null where the graph has an operator that countFlops does
 * not count (a model file of the user's), so that the case still runs without GFLOP/s.
 */
export function flopsOrNull(graph: BenchGraph, file: string): number | null {
  try {
    return countFlops(graph).total;
  } catch (error) {
    process.stderr.write(`bench: no GFLOP/s for ${file}: ${(error as Error).message}\n`);
    return null;
  }
}

/** Returns the median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Measures one engine on one model and batch size in this process: load and first run
 * (cold, when the caller gave the process a fresh shader cache), warm-up, then `repeats`
 * timed runs. Every run uploads the input and waits for the features on the CPU. An engine
 * that runs in a browser page reports its own times and memory (see PreparedEngine).
 */
export async function runCase(options: CaseOptions): Promise<CaseResult> {
  const engine = ENGINES[options.engine];
  const unavailable = await engine.unavailableReason();
  if (unavailable) return emptyResult(options.engine, options.model, options.batch, 'missing', unavailable);

  const { path, bytes } = await readModel(options.model);
  const graph = readBenchGraph(bytes, options.output ?? modelSpec(options.model).outputName, path);
  const spec = { ...modelSpec(options.model), outputName: graph.outputName };
  const flopsPerImage = flopsOrNull(graph, path);

  let handle: OffshelfDevice | null = null;
  let gpu: GpuContext | null = null;
  if (engine.usesGpu) {
    handle = await requestDevice();
    gpu = { device: handle.device, adapter: handle.adapter, buffers: trackBuffers(handle.device) };
    installNavigatorGpu(handle.adapter, handle.device);
  }
  // Created before the engine, so that it wraps pipeline creation before the engine creates any.
  const profiler = options.profileKernels && gpu && engine.profilesKernels ? new KernelProfiler(gpu.device) : null;

  try {
    const input = randomInput(options.batch * graph.inputShape.reduce((a, b) => a * b, 1));

    const loadStart = performance.now();
    const prepared = await engine.prepare({
      spec,
      modelPath: path,
      modelBytes: bytes,
      graph,
      batch: options.batch,
      gpu,
      ...(options.chromiumThreads === undefined ? {} : { chromiumThreads: options.chromiumThreads }),
    });
    // An engine that times itself (in a browser page) excludes its browser start and the round trips to Node.
    const loadMs = prepared.loadMs ?? performance.now() - loadStart;
    const firstOutput = await prepared.run(input);
    const firstRunMs = prepared.lastRunMs ? loadMs + prepared.lastRunMs() : performance.now() - loadStart;
    const featureSample = Array.from(firstOutput.subarray(0, FEATURE_SAMPLE_LENGTH));

    for (let i = 0; i < options.warmup; i++) await prepared.run(input);

    const runsMs: number[] = [];
    for (let i = 0; i < options.repeats; i++) {
      const start = performance.now();
      await prepared.run(input);
      runsMs.push(prepared.lastRunMs ? prepared.lastRunMs() : performance.now() - start);
    }

    let kernels: KernelTime[] | undefined;
    if (profiler) {
      profiler.start();
      await prepared.run(input);
      kernels = (await profiler.time(profiler.stop())).slice(0, TOP_KERNELS);
    }
    // maxRSS is in kilobytes.
    const rssBytes = prepared.peakRssBytes ? await prepared.peakRssBytes() : process.resourceUsage().maxRSS * 1024;
    await prepared.dispose();

    const batchMs = median(runsMs);
    const msPerImage = batchMs / options.batch;
    return {
      engine: options.engine,
      model: options.model,
      batch: options.batch,
      status: 'ok',
      msPerImage,
      imagesPerSecond: 1000 / msPerImage,
      firstRunMs,
      loadMs,
      peakGpuBytes: gpu ? gpu.buffers.peakBytes : null,
      gflops: flopsPerImage === null ? null : (flopsPerImage * options.batch) / (batchMs / 1000) / 1e9,
      rssBytes,
      runsMs,
      featureSample,
      ...(kernels ? { kernels } : {}),
      ...(prepared.detail ? { engineDetail: prepared.detail } : {}),
    };
  } finally {
    handle?.destroy();
  }
}
