import { specializeWgsl } from '../../runtime/preprocess';
import { ceilDiv, dispatch1d, type KernelProgram } from '../../runtime/program';
import source from './global-pool.wgsl';

/** Global pooling reductions, as in ONNX GlobalAveragePool and GlobalMaxPool. */
export type GlobalPoolMode = 'average' | 'max';

export interface GlobalPoolParams {
  /** Input shape `[N, C, ...spatial]`, such as NCHW, with at least one spatial axis. */
  inputShape: readonly number[];
  mode: GlobalPoolMode;
}

// Planes of at least this many elements get a 64-invocation workgroup each, so that a few large
// planes still spread over many invocations. Smaller planes get one invocation and no barrier.
const WORKGROUP_PLANE_SIZE = 1024;

/**
 * Global average or max pooling over every spatial axis: `[N, C, ...spatial]` → `[N, C, 1, ...]`.
 *
 * Bindings: uniforms → input (N·C·spatial floats) → output (N·C floats).
 */
export function globalPoolProgram(params: GlobalPoolParams): KernelProgram {
  const { inputShape, mode } = params;
  if (inputShape.length < 3) {
    throw new Error(`global-pool: input shape [${inputShape.join(', ')}] needs at least 3 axes, [N, C, ...spatial].`);
  }
  const planes = inputShape[0]! * inputShape[1]!;
  const planeSize = inputShape.slice(2).reduce((product, size) => product * size, 1);
  if (planeSize === 0) {
    throw new Error(`global-pool: input shape [${inputShape.join(', ')}] has an empty spatial axis, and a pool over no elements is undefined.`);
  }

  const perWorkgroup = planeSize >= WORKGROUP_PLANE_SIZE;
  return {
    name: `global-pool-${mode}`,
    shaderKey: `global-pool|${mode}|${perWorkgroup ? 'workgroup' : 'invocation'}`,
    code: specializeWgsl(source, { MAX: mode === 'max', PLANE_PER_WORKGROUP: perWorkgroup }),
    dispatch: dispatch1d(perWorkgroup ? planes : ceilDiv(planes, 64)),
    uniforms: [
      ['u32', planes],
      ['u32', planeSize],
    ],
    inputCount: 1,
    cost: { flops: planes * planeSize, bytes: (planes * planeSize + planes) * 4 },
    operandLengths: { inputs: [planes * planeSize], output: planes },
  };
}
