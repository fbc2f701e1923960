import type { BufferTracker } from '../gpu/buffer-tracker';
import type { ModelSpec } from '../models';
import type { BenchGraph } from '../onnx/read-graph';

export type EngineName = 'offshelf' | 'ort-webgpu' | 'tfjs-webgpu' | 'ort-wasm' | 'ort-wasm-chromium' | 'ort-node';

/** The WebGPU device shared by the engines of one process, with its buffer counter. */
export interface GpuContext {
  device: GPUDevice;
  adapter: GPUAdapter;
  buffers: BufferTracker;
}

/** Everything an engine needs to prepare one (model, batch) case. */
export interface EngineCase {
  spec: ModelSpec;
  modelPath: string;
  modelBytes: Uint8Array;
  graph: BenchGraph;
  batch: number;
  gpu: GpuContext | null;
  /** WebAssembly threads for engines that run in a browser page (--chromium-threads). Undefined means the engine's default. */
  chromiumThreads?: number;
}

/** An engine ready to run one batch: `run` uploads the NCHW input and waits for the features on the CPU. */
export interface PreparedEngine {
  run(input: Float32Array): Promise<Float32Array>;
  dispose(): Promise<void>;

  // Engines that run outside the bench process (a browser page) time themselves, so that the round
  // trip to Node is not counted. runCase then reports these figures in place of its own wall times.

  /** Session creation time measured by the engine, in ms. */
  loadMs?: number;
  /** Time of the latest `run`, measured by the engine, in ms. */
  lastRunMs?(): number;
  /** Peak memory of the engine's own processes in bytes, or null when it cannot be read. */
  peakRssBytes?(): Promise<number | null>;
  /** Facts about this case's setup for the report, such as a browser version and thread count. */
  detail?: string;
}

/** Total GPU time of one kernel over one run, for the per-kernel table. */
export interface KernelTime {
  kernel: string;
  count: number;
  totalMs: number;
}

export interface Engine {
  name: EngineName;
  /** Description of the library and its execution provider, for the report. */
  description: string;
  /** Whether the engine runs on the shared WebGPU device. */
  usesGpu: boolean;
  /** Whether the kernel profiler can replay this engine's dispatches (see KernelProfiler). */
  profilesKernels: boolean;
  /** npm packages whose versions go into the report. */
  packages: string[];
  /** Returns null when the engine can run here, or why it cannot (a missing export, an unsupported operator). */
  unavailableReason(): Promise<string | null>;
  prepare(benchCase: EngineCase): Promise<PreparedEngine>;
}
