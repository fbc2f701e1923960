import { createStorageBuffer, readFloat32 } from './buffers';
import { encodeDispatch, prepareDispatch, releaseDispatch } from './dispatch';
import type { KernelProgram } from './program';

/**
 * Runs one program on its inputs (float32, or float16 bit patterns for f16 weights) and reads
 * back `outputLength` floats.
 * Allocates and frees its own buffers: for tests and one-off calls, not for graphs.
 */
export async function runProgram(
  device: GPUDevice,
  program: KernelProgram,
  inputs: readonly (Float32Array | Uint16Array)[],
  outputLength: number,
  initialOutput?: Float32Array,
): Promise<Float32Array> {
  const inputBuffers = inputs.map((data, i) => createStorageBuffer(device, data, `${program.name} input ${i}`));
  const outputBuffer = initialOutput
    ? createStorageBuffer(device, initialOutput, `${program.name} output`)
    : createStorageBuffer(device, outputLength * 4, `${program.name} output`);

  const prepared = prepareDispatch(
    device,
    program,
    inputBuffers.map((buffer, i) => ({ buffer, size: inputs[i]!.byteLength })),
    { buffer: outputBuffer, size: outputLength * 4 },
  );

  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  encodeDispatch(pass, prepared);
  pass.end();
  device.queue.submit([encoder.finish()]);

  const result = await readFloat32(device, outputBuffer, outputLength);
  releaseDispatch(prepared);
  for (const buffer of [...inputBuffers, outputBuffer]) buffer.destroy();
  return result;
}
