import { createStorageBuffer, readFloat32 } from '../../runtime/buffers';
import { encodeDispatch, prepareDispatch, releaseDispatch, type BufferRange, type PreparedDispatch } from '../../runtime/dispatch';
import { checkBuiltFor, checkEpilogueOperands, checkOperandLength } from '../../runtime/operand-lengths';
import type { Epilogue } from '../epilogue';
import { conv2dPasses, type Conv2dKernel, type Conv2dOperand } from './conv2d-kernel';
import { conv2dOutputLength, conv2dOutputShape, type Conv2dShape } from './conv2d-shape';

/** The operands of one convolution, in row-major float32 (weights as `packWeights` returned them). */
export interface Conv2dOperands {
  /** NCHW, [batch, inChannels, inHeight, inWidth]. */
  input: Float32Array;
  /** `kernel.packWeights(weightsOIHW)`, where OIHW is [outChannels, inChannels / groups, kernelHeight, kernelWidth]. */
  weights: Float32Array | Uint16Array;
  /** [outChannels], when the epilogue has a bias. */
  bias?: Float32Array | null;
  /** NCHW of the output's shape, when the epilogue adds a residual. */
  residual?: Float32Array | null;
}

/**
 * Runs every dispatch of `kernel` (one, or several with scratch buffers between them, as for
 * Winograd and im2col) in one compute pass and returns the NCHW output. Checks each operand's
 * length against `shape` first. Allocates and frees its own buffers: for tests and one-off calls.
 */
export async function runConv2d(
  device: GPUDevice,
  shape: Conv2dShape,
  kernel: Conv2dKernel,
  epilogue: Epilogue,
  operands: Conv2dOperands,
): Promise<Float32Array> {
  const name = `conv2d ${kernel.variant}`;
  checkBuiltFor(name, kernel.builtFor, shape, epilogue, 'selectConv2d');
  const outputLength = conv2dOutputLength(shape);
  const outputShape = conv2dOutputShape(shape).join('x');
  const weightLength = shape.outChannels * (shape.inChannels / shape.groups) * shape.kernelHeight * shape.kernelWidth;
  checkOperandLength(name, 'input', operands.input, shape.batch * shape.inChannels * shape.inHeight * shape.inWidth,
    `NCHW ${shape.batch}x${shape.inChannels}x${shape.inHeight}x${shape.inWidth}`);
  // Packing zeros gives the packed length of this variant without asking each variant for a formula.
  checkOperandLength(name, 'weights', operands.weights, kernel.packWeights(new Float32Array(weightLength)).length,
    `pass kernel.packWeights(weights), with weights OIHW ${shape.outChannels}x${shape.inChannels / shape.groups}x${shape.kernelHeight}x${shape.kernelWidth}`);
  checkEpilogueOperands(
    name,
    epilogue,
    operands,
    { length: shape.outChannels, layout: 'one per output channel' },
    { length: outputLength, layout: `NCHW ${outputShape}, the output's shape` },
  );

  const named = new Map<string, BufferRange>();
  const upload = (key: string, data: Float32Array | Uint16Array | null | undefined): void => {
    if (data) named.set(key, { buffer: createStorageBuffer(device, data, `${name} ${key}`), size: data.byteLength });
  };
  upload('input', operands.input);
  upload('weights', operands.weights);
  upload('bias', operands.bias);
  upload('residual', operands.residual);
  named.set('output', { buffer: createStorageBuffer(device, outputLength * 4, `${name} output`), size: outputLength * 4 });
  (kernel.scratchLengths ?? []).forEach((length, i) => {
    named.set(`scratch${i}`, { buffer: createStorageBuffer(device, length * 4, `${name} scratch ${i}`), size: length * 4 });
  });
  const rangeOf = (operand: Conv2dOperand): BufferRange => named.get(typeof operand === 'string' ? operand : `scratch${operand.scratch}`)!;

  const prepared: PreparedDispatch[] = [];
  try {
    for (const pass of conv2dPasses(kernel, epilogue)) {
      prepared.push(prepareDispatch(device, pass.program, pass.inputs.map(rangeOf), rangeOf(pass.output)));
    }
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (const dispatch of prepared) encodeDispatch(pass, dispatch);
    pass.end();
    device.queue.submit([encoder.finish()]);

    return await readFloat32(device, named.get('output')!.buffer, outputLength);
  } finally {
    for (const dispatch of prepared) releaseDispatch(dispatch);
    for (const { buffer } of named.values()) buffer.destroy();
  }
}
