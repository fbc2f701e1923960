import { createStorageBuffer, readFloat32 } from './buffers';
import { encodeDispatch, prepareDispatch, releaseDispatch } from './dispatch';
import type { KernelProgram } from './program';

/** Throws when an input or the output does not have the length that the program's builder recorded. */
function checkOperandLengths(program: KernelProgram, inputs: readonly ArrayBufferView[], outputLength: number, initialOutput: Float32Array | undefined): void {
  const expected = program.operandLengths;
  if (expected === undefined) return;
  inputs.forEach((data, i) => {
    const values = data.byteLength / 4;
    if (values !== expected.inputs[i]) {
      throw new Error(`${program.name}: input ${i} has ${values} 4-byte values (${data.byteLength} bytes), expected ${expected.inputs[i]} for the shape the program was built for.`);
    }
  });
  const output = initialOutput?.length ?? outputLength;
  if (output < expected.output) {
    throw new Error(`${program.name}: the output has room for ${output} values, but the program writes ${expected.output}; pass an outputLength of at least ${expected.output}.`);
  }
}

/**
 * Runs one program on its inputs and reads back `outputLength` floats. Inputs are float32, or
 * float16 bit patterns for f16 weights, or packed RGBA8 pixels (one u32 each) for image preprocessing.
 * Allocates and frees its own buffers: for tests and one-off calls, not for graphs.
 */
export async function runProgram(
  device: GPUDevice,
  program: KernelProgram,
  inputs: readonly (Float32Array | Uint16Array | Uint32Array | Uint8Array | Uint8ClampedArray)[],
  outputLength: number,
  initialOutput?: Float32Array,
): Promise<Float32Array> {
  if (program.partOf !== undefined) {
    throw new Error(
      `${program.name} is one pass of the multi-pass conv2d variant '${program.partOf}' and computes only part of the result. ` +
        'Run the whole convolution with runConv2d.',
    );
  }
  if (inputs.length !== program.inputCount) {
    throw new Error(`${program.name}: expected ${program.inputCount} inputs, got ${inputs.length}.`);
  }
  checkOperandLengths(program, inputs, outputLength, initialOutput);
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
