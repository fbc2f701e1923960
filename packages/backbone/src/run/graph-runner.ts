import { writeBuffer, type WeightPrecision } from '@offshelf/core-wgsl';

import { InputTensorError, type Graph } from '../ir/graph';
import { ConstantStore } from '../plan/constant-store';
import type { KernelVariants } from '../plan/lower-node';
import { planGraph, type GraphPlan } from '../plan/plan-graph';
import { Readback } from './readback';
import { formatTensorStats } from './tensor-stats';
import { checkWeightPrecisionSupport } from './weight-precision';

/** A tensor on the CPU: float32 data in row-major order and its shape. */
export interface Tensor {
  data: Float32Array;
  shape: number[];
}

export interface RunnerOptions {
  /** Print each node's output statistics after every run (for bisecting parity errors). */
  debug?: boolean;
  /** Receives debug lines; defaults to `console.log`. */
  log?: (line: string) => void;
  /** Conv and GEMM variants to force where they apply, such as `{ conv2d: 'direct' }` to rule out a fast path. */
  kernelVariants?: KernelVariants;
  /**
   * Storage type of convolution weights and constant GEMM B operands (default 'f32'). 'f16' halves
   * their GPU memory and needs the device feature 'shader-f16'. Bias and activations stay f32.
   */
  weightPrecision?: WeightPrecision;
  /**
   * Scratch bytes above which a multi-pass convolution (Winograd or im2col) runs over the batch
   * in chunks that share smaller scratch buffers (default 8 MiB). Lower values save GPU memory.
   */
  maxScratchBytes?: number;
}

/**
 * Runs a graph on the GPU. Plans are cached per input shapes and requested outputs, so the
 * kernels, buffers and bind groups for a shape are created once. Constants are shared by all plans.
 */
export class GraphRunner {
  readonly constants: ConstantStore;
  // NOTE: plans are never evicted, so each new input shape or output set keeps its activation buffers until destroy().
  private readonly plans = new Map<string, { plan: GraphPlan; readback: Readback; outputs: string[] }>();

  constructor(
    readonly device: GPUDevice,
    readonly graph: Graph,
    private readonly options: RunnerOptions = {},
  ) {
    const maxScratch = options.maxScratchBytes;
    if (maxScratch !== undefined && !(Number.isFinite(maxScratch) && maxScratch > 0)) {
      throw new Error(`Invalid maxScratchBytes ${String(maxScratch)}: expected a positive number of bytes.`);
    }
    checkWeightPrecisionSupport(device, options.weightPrecision ?? 'f32');
    this.constants = new ConstantStore(device);
  }

  /** Returns the plan for these input shapes and outputs, creating it on first use. */
  async plan(inputShapes: Record<string, number[]>, outputs: readonly string[]): Promise<GraphPlan> {
    return (await this.planEntry(inputShapes, outputs)).plan;
  }

  /** Uploads `inputs`, runs the whole graph in one command buffer and reads back `outputs`. */
  async run(inputs: Record<string, Tensor>, outputs: readonly string[]): Promise<Record<string, Tensor>> {
    const inputShapes = Object.fromEntries(Object.entries(inputs).map(([name, tensor]) => [name, tensor.shape]));
    const file = this.graph.metadata.sourceName;
    for (const [name, tensor] of Object.entries(inputs)) {
      if (!this.graph.inputs.some((input) => input.name === name)) {
        throw new InputTensorError(file, `'${name}' is not an input of the model; its inputs are ${this.graph.inputs.map((i) => `'${i.name}'`).join(', ')}.`);
      }
      if (!(tensor.data instanceof Float32Array)) {
        throw new InputTensorError(file, `input '${name}' must be a Float32Array, got ${Object.prototype.toString.call(tensor.data).slice(8, -1)}.`);
      }
      if (!Array.isArray(tensor.shape) || tensor.shape.some((d) => !Number.isInteger(d) || d < 1)) {
        throw new InputTensorError(file, `input '${name}' has shape [${String(tensor.shape)}]; every dimension, the batch included, must be a positive integer.`);
      }
      const expected = tensor.shape.reduce((a, b) => a * b, 1);
      if (tensor.data.length !== expected) {
        throw new InputTensorError(file, `input '${name}' has ${tensor.data.length} values but shape [${tensor.shape.join(', ')}] needs ${expected}.`);
      }
    }
    // Outputs that are constants (a Constant node wired to a graph output) need no GPU work.
    const constantOutputs = outputs.filter((name) => this.graph.initializers.has(name));
    const computed = outputs.filter((name) => !this.graph.initializers.has(name));
    const entry = await this.planEntry(inputShapes, computed);
    for (const [name, tensor] of Object.entries(inputs)) {
      const range = entry.plan.rangeOf(name);
      writeBuffer(this.device, range.buffer, tensor.data, range.offset ?? 0);
    }

    const encoder = this.device.createCommandEncoder();
    entry.plan.encode(encoder);
    entry.readback.encode(encoder);
    this.device.queue.submit([encoder.finish()]);
    const values = await entry.readback.read();

    const result: Record<string, Tensor> = {};
    for (const name of constantOutputs) {
      const tensor = this.graph.initializers.get(name)!;
      result[name] = { data: Float32Array.from(tensor.data as ArrayLike<number>, Number), shape: [...tensor.shape] };
    }
    entry.outputs.forEach((name, i) => {
      result[name] = { data: values[i]!, shape: entry.plan.shapes.get(name)! };
    });
    if (!this.options.debug) return result;

    this.printDebug(entry.plan, result);
    return Object.fromEntries(outputs.map((name) => [name, result[name]!]));
  }

  /** Frees every plan's buffers and the constants; the device itself stays usable. */
  destroy(): void {
    for (const { plan, readback } of this.plans.values()) {
      plan.destroy();
      readback.destroy();
    }
    this.plans.clear();
    this.constants.destroy();
  }

  /** Bytes of GPU buffers held now: activations of every cached plan plus constants. */
  get gpuBytes(): number {
    let total = this.constants.byteLength;
    for (const { plan } of this.plans.values()) total += plan.activationBytes;
    return total;
  }

  private async planEntry(inputShapes: Record<string, number[]>, outputs: readonly string[]) {
    const known = new Set([...this.graph.inputs.map((i) => i.name), ...this.graph.nodes.flatMap((n) => n.outputs)]);
    for (const name of outputs) {
      if (!known.has(name)) {
        throw new Error(`'${name}' is not a value of model ${this.graph.metadata.sourceName}; values fused away at load time are not observable (pass them in options.keep).`);
      }
    }

    // In debug mode every value is kept and computed, so each node's output can be printed.
    const keep = this.options.debug ? [...new Set([...outputs, ...this.graph.nodes.flatMap((n) => n.outputs)])] : [...outputs];
    const key = JSON.stringify([inputShapes, outputs]);
    let entry = this.plans.get(key);
    if (!entry) {
      const plan = await planGraph(this.device, this.graph, inputShapes, this.constants, {
        keep,
        reuseBuffers: !this.options.debug,
        kernelVariants: this.options.kernelVariants,
        weightPrecision: this.options.weightPrecision,
        maxScratchBytes: this.options.maxScratchBytes,
      });
      const readOutputs = this.options.debug ? keep : [...outputs];
      entry = { plan, readback: new Readback(this.device, readOutputs.map((name) => plan.rangeOf(name))), outputs: readOutputs };
      this.plans.set(key, entry);
    }
    return entry;
  }

  private printDebug(plan: GraphPlan, values: Record<string, Tensor>): void {
    const log = this.options.log ?? ((line: string) => console.log(line));
    for (const node of this.graph.nodes) {
      for (const output of node.outputs) {
        const tensor = values[output];
        if (tensor) log(`${node.opType} ${node.name}: ${formatTensorStats(output, plan.shapes.get(output)!, tensor.data)}`);
      }
    }
  }
}
