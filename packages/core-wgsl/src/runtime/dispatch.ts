import { pipelineCacheFor } from './pipeline-cache';
import { packUniforms, type KernelProgram } from './program';

/** A buffer range bound to a kernel input or output. */
export interface BufferRange {
  buffer: GPUBuffer;
  /** Byte offset into `buffer` (default 0), a multiple of the device's minStorageBufferOffsetAlignment (256 on most devices). */
  offset?: number;
  /** Bytes bound, from `offset`. */
  size: number;
}

/** A dispatch with its pipeline, bind group and uniform buffer created ahead of time. */
export interface PreparedDispatch {
  program: KernelProgram;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  uniformBuffer: GPUBuffer | null;
}

/** A tensor does not fit in one storage binding of this device. */
export class BindingTooLargeError extends Error {
  constructor(kernel: string, bytes: number, limit: number) {
    super(
      `${kernel}: a ${bytes}-byte tensor exceeds this device's maxStorageBufferBindingSize of ${limit} bytes. ` +
        'Use a smaller batch or input size.',
    );
    this.name = 'BindingTooLargeError';
  }
}

/**
 * Creates the uniform buffer and bind group for one dispatch. Call once at plan time;
 * `encodeDispatch` then only sets state and dispatches.
 */
export function prepareDispatch(
  device: GPUDevice,
  program: KernelProgram,
  inputs: readonly BufferRange[],
  output: BufferRange,
): PreparedDispatch {
  if (inputs.length !== program.inputCount) {
    throw new Error(`${program.name}: expected ${program.inputCount} inputs, got ${inputs.length}.`);
  }
  const limit = device.limits.maxStorageBufferBindingSize;
  for (const range of [...inputs, output]) {
    if (range.size > limit) throw new BindingTooLargeError(program.name, range.size, limit);
  }

  const { pipeline, layout } = pipelineCacheFor(device).get(program);
  const entries: GPUBindGroupEntry[] = [];
  let binding = 0;

  let uniformBuffer: GPUBuffer | null = null;
  if (program.uniforms) {
    const data = packUniforms(program.uniforms);
    uniformBuffer = device.createBuffer({
      label: `${program.name} uniforms`,
      size: data.byteLength,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(uniformBuffer, 0, data);
    entries.push({ binding: binding++, resource: { buffer: uniformBuffer } });
  }

  for (const range of [...inputs, output]) {
    entries.push({
      binding: binding++,
      resource: { buffer: range.buffer, offset: range.offset ?? 0, size: alignedBindingSize(range.size) },
    });
  }

  const bindGroup = device.createBindGroup({ label: program.name, layout, entries });
  return { program, pipeline, bindGroup, uniformBuffer };
}

/** Records one prepared dispatch into an open compute pass. */
export function encodeDispatch(pass: GPUComputePassEncoder, prepared: PreparedDispatch): void {
  pass.setPipeline(prepared.pipeline);
  pass.setBindGroup(0, prepared.bindGroup);
  const [x, y, z] = prepared.program.dispatch;
  pass.dispatchWorkgroups(x, y, z);
}

/**
 * Destroys the uniform buffer of a prepared dispatch. The storage buffers it binds belong to the
 * caller, who destroys them once no dispatch uses them.
 */
export function releaseDispatch(prepared: PreparedDispatch): void {
  prepared.uniformBuffer?.destroy();
}

// Storage bindings must be a multiple of 4 bytes; every tensor here is 4-byte elements.
function alignedBindingSize(size: number): number {
  return Math.max(4, Math.ceil(size / 4) * 4);
}
