/**
 * A kernel program: everything needed to compile and dispatch one compute shader.
 *
 * Binding convention (group 0), shared by every kernel so that host code and
 * bind group layouts stay uniform:
 *   binding 0            uniform buffer, when `uniforms` is not null
 *   next `inputCount`    read-only storage buffers, in the order the kernel documents
 *   last                 the read-write storage output
 */
export type UniformType = 'u32' | 'i32' | 'f32';

/** One scalar uniform. Uniform structs in WGSL hold only 4-byte scalars, in this order. */
export type UniformField = readonly [UniformType, number];

export interface KernelProgram {
  /** Kernel name for debug output and per-kernel timing, such as `conv2d-1x1-gemm`. */
  name: string;
  /** Everything that changes `code`. Two programs with equal keys must have identical code. */
  shaderKey: string;
  /** Specialized WGSL source with a `main` entry point. */
  code: string;
  /** Workgroup counts for `dispatchWorkgroups`. */
  dispatch: readonly [number, number, number];
  /** Scalar uniforms packed into binding 0, or null when the shader has none. */
  uniforms: readonly UniformField[] | null;
  /** Number of read-only storage inputs. */
  inputCount: number;
  /** Floating-point operations (a multiply-add counts 2) and bytes read plus written, for benchmarks. */
  cost?: { flops: number; bytes: number };
  /**
   * The variant name, on each dispatch of a multi-pass convolution such as Winograd. Such a
   * program computes only part of the result, so `runProgram` rejects it. `runConv2d` runs every pass.
   */
  partOf?: string;
  /**
   * Lengths of the operands in 4-byte values (float32, or one packed RGBA8 pixel): each input's
   * exact length, and the least output length (a program may write a slice of a larger tensor).
   * `runProgram` checks them where a builder sets them.
   */
  operandLengths?: { inputs: readonly number[]; output: number };
}

/** Packs uniform fields as consecutive 4-byte scalars, padded to 16 bytes. */
export function packUniforms(fields: readonly UniformField[]): ArrayBuffer {
  const byteLength = Math.max(16, Math.ceil((fields.length * 4) / 16) * 16);
  const buffer = new ArrayBuffer(byteLength);
  const view = new DataView(buffer);
  fields.forEach(([type, value], index) => {
    const offset = index * 4;
    if (type === 'u32') view.setUint32(offset, value, true);
    else if (type === 'i32') view.setInt32(offset, value, true);
    else view.setFloat32(offset, value, true);
  });
  return buffer;
}

/**
 * Splits a 1-D workgroup count over x and y when it exceeds the per-dimension limit
 * (65,535 by default). Shaders recover the linear index as `wid.x + wid.y * nwg.x`
 * and return early past the end.
 */
export function dispatch1d(workgroups: number, maxPerDimension = 65535): [number, number, number] {
  if (workgroups <= maxPerDimension) return [Math.max(1, workgroups), 1, 1];
  const y = Math.ceil(workgroups / maxPerDimension);
  return [Math.ceil(workgroups / y), y, 1];
}

/** Ceiling division for workgroup counts. */
export function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}
