import type { KernelProgram } from '@offshelf/core-wgsl';

/**
 * A kernel operand: a graph value (activation) or a constant uploaded once (packed weights, bias).
 * Constant data is float32, or float16 bit patterns for weights stored as f16.
 */
export type Operand = { value: string; range?: ByteRange } | { constant: string; data: Float32Array | Uint16Array };

/** Part of a value's buffer, for a dispatch that covers some of a batch. */
export interface ByteRange {
  byteOffset: number;
  byteLength: number;
}

/** One kernel dispatch of a lowered graph node. */
export interface Step {
  /** The graph node this dispatch computes, for errors and debug output. */
  node: string;
  program: KernelProgram;
  inputs: Operand[];
  /** Value written by this dispatch. */
  output: string;
  /** The part of `output` written, when the dispatch covers only some images of the batch. */
  outputRange?: ByteRange;
}

/** Output value `output` is `input` seen with another shape: same buffer, no copy. */
export interface View {
  node: string;
  input: string;
  output: string;
}

/**
 * A node lowered to kernel dispatches, or to a view of its input. Several dispatches of one node
 * may pass data in private values, listed with their byte sizes in `scratchBytes`. The buffer
 * planner leases and frees them like any other value.
 */
export type Lowered = { steps: Step[]; scratchBytes?: ReadonlyMap<string, number> } | { view: View };
