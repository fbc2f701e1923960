import { conv2dPasses, createStorageBuffer, encodeDispatch, prepareDispatch, readFloat32, releaseDispatch } from '../../src/index';
import type { Conv2dKernel, Conv2dOperand, Epilogue } from '../../src/index';

/** The operands of one convolution: weights as `packWeights` returned them. */
export interface Conv2dOperands {
  input: Float32Array;
  weights: Float32Array | Uint16Array;
  bias?: Float32Array | null;
  residual?: Float32Array | null;
}

/**
 * Runs every dispatch of `kernel` (one, or several with scratch buffers between them) in one
 * compute pass and reads back `outputLength` floats. Allocates and frees its own buffers.
 */
export async function runConv2d(
  device: GPUDevice,
  kernel: Conv2dKernel,
  epilogue: Epilogue,
  operands: Conv2dOperands,
  outputLength: number,
): Promise<Float32Array> {
  const named = new Map<string, { buffer: GPUBuffer; size: number }>();
  const upload = (name: string, data: Float32Array | Uint16Array | null | undefined): void => {
    if (data) named.set(name, { buffer: createStorageBuffer(device, data, `${kernel.variant} ${name}`), size: data.byteLength });
  };
  upload('input', operands.input);
  upload('weights', operands.weights);
  upload('bias', operands.bias);
  upload('residual', operands.residual);
  named.set('output', { buffer: createStorageBuffer(device, outputLength * 4, `${kernel.variant} output`), size: outputLength * 4 });
  (kernel.scratchLengths ?? []).forEach((length, i) => {
    named.set(`scratch${i}`, { buffer: createStorageBuffer(device, length * 4, `${kernel.variant} scratch ${i}`), size: length * 4 });
  });
  const rangeOf = (operand: Conv2dOperand): { buffer: GPUBuffer; size: number } => {
    const range = named.get(typeof operand === 'string' ? operand : `scratch${operand.scratch}`);
    if (!range) throw new Error(`runConv2d: ${kernel.variant} binds ${JSON.stringify(operand)}, which the test did not provide.`);
    return range;
  };

  const prepared = conv2dPasses(kernel, epilogue).map((pass) =>
    prepareDispatch(device, pass.program, pass.inputs.map(rangeOf), rangeOf(pass.output)),
  );
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  for (const dispatch of prepared) encodeDispatch(pass, dispatch);
  pass.end();
  device.queue.submit([encoder.finish()]);

  const result = await readFloat32(device, named.get('output')!.buffer, outputLength);
  for (const dispatch of prepared) releaseDispatch(dispatch);
  for (const { buffer } of named.values()) buffer.destroy();
  return result;
}
