import type { EngineName, KernelTime } from '../engines/engine';
import type { ModelRef } from '../models';

/** One (engine, model, batch) measurement, as `--json` prints it. */
export interface CaseResult {
  engine: EngineName;
  /** The model's name, or the absolute path of its ONNX file. */
  model: ModelRef;
  batch: number;
  /** `missing`: the engine cannot run here (see `error`); `failed`: it threw or timed out. */
  status: 'ok' | 'missing' | 'failed';
  error?: string;
  /** Median over the timed runs of one batch's wall time, divided by the batch size. */
  msPerImage: number | null;
  imagesPerSecond: number | null;
  /** From model bytes in memory to the first features on the CPU: session creation, shader compilation and one run. */
  firstRunMs: number | null;
  /** Session creation alone (parse, weight upload, and for some engines shader compilation). */
  loadMs: number | null;
  /** Peak live bytes of GPU buffers on the device during the case; null for CPU engines. */
  peakGpuBytes: number | null;
  /** Achieved GFLOP/s at the median time, from the FLOPs counted in the ONNX graph. */
  gflops: number | null;
  /** Peak resident set size of the process that ran the case. An engine in a browser reports its own figure, or null when it cannot measure one. */
  rssBytes: number | null;
  /** Every timed run's wall time for the whole batch, in ms. */
  runsMs: number[];
  /** The first features of the first image, to check engines against each other. */
  featureSample: number[];
  /** Per-kernel GPU times over one run, slowest first, when kernel profiling was requested. */
  kernels?: KernelTime[];
  /** images/s of every successful round when the bench ran several (`--rounds`); this result is the fastest of them. */
  roundsImagesPerSecond?: number[];
  /** The engine's setup in this case (browser version, thread count), when the engine reports one. */
  engineDetail?: string;
}

/** Returns a result without figures, for a case whose engine is missing or failed. */
export function emptyResult(engine: EngineName, model: ModelRef, batch: number, status: 'missing' | 'failed', error: string): CaseResult {
  return {
    engine,
    model,
    batch,
    status,
    error,
    msPerImage: null,
    imagesPerSecond: null,
    firstRunMs: null,
    loadMs: null,
    peakGpuBytes: null,
    gflops: null,
    rssBytes: null,
    runsMs: [],
    featureSample: [],
  };
}
