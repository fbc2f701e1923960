import type { BufferTracker } from '../gpu/buffer-tracker';
import type { ModelSpec } from '../models';
import type { BenchGraph } from '../onnx/read-graph';

export type EngineName = 'offshelf' | 'ort-webgpu' | 'tfjs-webgpu' | 'ort-wasm' | 'ort-node';

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
}

/** An engine ready to run one batch: `run` uploads the NCHW input and waits for the features on the CPU. */
export interface PreparedEngine {
  run(input: Float32Array): Promise<Float32Array>;
  dispose(): Promise<void>;
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
