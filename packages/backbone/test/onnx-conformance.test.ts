import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { onnx, type OnnxTypes } from '../src/import/onnx/proto';
import { decodeTensor } from '../src/import/onnx/tensor';
import { createFeatureExtractor, importOnnx, SUPPORTED_OPERATORS } from '../src/index';
import { memorySource } from './helpers/file-source';

// Oracle: the ONNX operator conformance data (Debian libonnx-testdata), outputs stored next to each model.
// Tolerance: |Δ| ≤ 1e-5 + 1e-3·|expected| per element, the ONNX backend tests' rtol of 1e-3 with an
// absolute floor for float32 results near zero (exp, sigmoid and tanh on the GPU differ by a few ulp).
const ATOL = 1e-5;
const RTOL = 1e-3;
const ROOT = '/usr/share/libonnx-testdata/data/node';

/** Cases whose model uses only supported op types but which the runner does not cover, with the reason. */
const SKIPPED: Record<string, string> = {
  test_averagepool_3d_default: '3-D pooling: only 1-D and 2-D pooling kernels exist.',
  test_maxpool_3d_default: '3-D pooling: only 1-D and 2-D pooling kernels exist.',
  test_maxpool_with_argmax_2d_precomputed_pads: 'the MaxPool Indices output is not supported.',
  test_maxpool_with_argmax_2d_precomputed_strides: 'the MaxPool Indices output is not supported.',
  test_batchnorm_epsilon_training_mode: 'training-mode BatchNormalization (running statistics outputs) is out of scope for inference.',
  test_batchnorm_example_training_mode: 'training-mode BatchNormalization (running statistics outputs) is out of scope for inference.',
  test_training_dropout: 'training-mode Dropout is random; inference treats Dropout as Identity.',
  test_training_dropout_default: 'training-mode Dropout is random; inference treats Dropout as Identity.',
  test_training_dropout_default_mask: 'training-mode Dropout is random; inference treats Dropout as Identity.',
  test_training_dropout_mask: 'training-mode Dropout is random; inference treats Dropout as Identity.',
  test_training_dropout_zero_ratio_mask: 'the Dropout mask output is not supported.',
  test_dropout_default_mask: 'the Dropout mask output is not supported.',
  test_dropout_default_mask_ratio: 'the Dropout mask output is not supported.',
  test_div_uint8: 'integer division: every kernel computes in float32.',
  test_globalaveragepool: 'opset 1, below the supported opset 7.',
  test_globalaveragepool_precomputed: 'opset 1, below the supported opset 7.',
  test_globalmaxpool: 'opset 1, below the supported opset 7.',
  test_globalmaxpool_precomputed: 'opset 1, below the supported opset 7.',
  test_hardsigmoid: 'opset 6, below the supported opset 7.',
  test_hardsigmoid_default: 'opset 6, below the supported opset 7.',
  test_hardsigmoid_example: 'opset 6, below the supported opset 7.',
  test_identity_opt: 'optional-typed values are not supported.',
  test_identity_sequence: 'sequence-typed values are not supported.',
  test_reshape_allowzero_reordered: 'zero-size tensors are not supported.',
};

/** Operand positions that must be constant, per op type: test inputs there become initializers. */
const CONSTANT_OPERANDS: Record<string, number[]> = {
  Conv: [1, 2],
  Gemm: [2],
  BatchNormalization: [1, 2, 3, 4],
  Clip: [1, 2],
  Pad: [1, 2, 3],
  Reshape: [1],
  ReduceMean: [1],
  Squeeze: [1],
  Unsqueeze: [1],
};

interface ConformanceCase {
  name: string;
  dir: string;
}

function listCases(): ConformanceCase[] {
  if (!existsSync(ROOT)) return [];
  return readdirSync(ROOT)
    .filter((name) => name.startsWith('test_') && !name.endsWith('_expanded'))
    .map((name) => ({ name, dir: join(ROOT, name) }))
    .filter(({ dir }) => {
      if (!existsSync(join(dir, 'model.onnx')) || !existsSync(join(dir, 'test_data_set_0'))) return false;
      const model = onnx.ModelProto.decode(readFileSync(join(dir, 'model.onnx')));
      return (model.graph?.node ?? []).every((node) => !node.domain && SUPPORTED_OPERATORS.has(node.opType ?? ''));
    });
}

function readTensors(dir: string, prefix: 'input' | 'output'): OnnxTypes.TensorProto[] {
  const files = readdirSync(dir).filter((f) => f.startsWith(`${prefix}_`) && f.endsWith('.pb'));
  files.sort((a, b) => Number(a.slice(prefix.length + 1, -3)) - Number(b.slice(prefix.length + 1, -3)));
  return files.map((f) => onnx.TensorProto.decode(readFileSync(join(dir, f))));
}

/**
 * Loads a case with test inputs at constant-operand positions (weights, shapes, axes, bounds)
 * and non-float inputs moved into initializers, as real models store them.
 */
function prepareCase(testCase: ConformanceCase) {
  const model = onnx.ModelProto.decode(readFileSync(join(testCase.dir, 'model.onnx')));
  const graph = model.graph!;
  const inputs = readTensors(join(testCase.dir, 'test_data_set_0'), 'input');
  const outputs = readTensors(join(testCase.dir, 'test_data_set_0'), 'output');
  const graphInputs = (graph.input ?? []).filter((v) => !(graph.initializer ?? []).some((t) => t.name === v.name));

  const constantNames = new Set<string>();
  for (const node of graph.node ?? []) {
    for (const index of CONSTANT_OPERANDS[node.opType ?? ''] ?? []) if (node.input?.[index]) constantNames.add(node.input[index]!);
  }
  const runtimeInputs: Array<{ name: string; tensor: OnnxTypes.TensorProto }> = [];
  graphInputs.forEach((value, i) => {
    const tensor = inputs[i]!;
    const isFloat = tensor.dataType === onnx.TensorProto.DataType.FLOAT;
    if (!isFloat || constantNames.has(value.name ?? '')) {
      tensor.name = value.name ?? '';
      graph.initializer = [...(graph.initializer ?? []), tensor];
    } else {
      runtimeInputs.push({ name: value.name ?? '', tensor });
    }
  });
  graph.input = graphInputs.filter((v) => runtimeInputs.some((r) => r.name === v.name));
  const bytes = onnx.ModelProto.encode(model).finish();
  return { bytes, runtimeInputs, outputs, outputNames: (graph.output ?? []).map((o) => o.name ?? '') };
}

let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

const cases = listCases();

describe.skipIf(cases.length === 0)('ONNX conformance', () => {
  it('finds applicable cases', () => {
    expect(cases.length).toBeGreaterThan(100);
  });

  it('skip list names only existing cases', () => {
    const names = new Set(cases.map((c) => c.name));
    expect(Object.keys(SKIPPED).filter((name) => !names.has(name))).toEqual([]);
  });

  for (const testCase of cases) {
    const { name } = testCase;
    it.skipIf(name in SKIPPED)(name, async () => {
      const prepared = prepareCase(testCase);
      const graph = await importOnnx(memorySource(`${name}/model.onnx`, prepared.bytes));

      const extractor = await createFeatureExtractor(gpu.device, graph, { layer: prepared.outputNames[0], batchSize: 1 });
      try {
        const feeds: Record<string, { data: Float32Array; shape: number[] }> = {};
        for (const { name: inputName, tensor } of prepared.runtimeInputs) {
          const decoded = await decodeTensor(tensor, name);
          feeds[inputName] = { data: decoded.data as Float32Array, shape: decoded.shape };
        }
        const result = await extractor.runTensors(feeds, prepared.outputNames);

        for (const [i, outputName] of prepared.outputNames.entries()) {
          const expected = await decodeTensor(prepared.outputs[i]!, name);
          const actual = result[outputName]!;
          expect(actual.shape, `${outputName} shape`).toEqual(expected.shape);
          const reference = expected.data as ArrayLike<number>;
          let worst = 0;
          let maxAbs = 0;
          for (let j = 0; j < reference.length; j++) {
            const delta = Math.abs(actual.data[j]! - Number(reference[j]));
            maxAbs = Math.max(maxAbs, Number.isNaN(delta) ? Infinity : delta);
            worst = Math.max(worst, Number.isNaN(delta) ? Infinity : delta / (ATOL + RTOL * Math.abs(Number(reference[j]))));
          }
          expect(worst, `${outputName}: max abs error ${maxAbs}; first values ${Array.from(actual.data.slice(0, 4))} vs ${Array.from(reference).slice(0, 4)}`).toBeLessThanOrEqual(1);
        }
      } finally {
        extractor.dispose();
      }
    });
  }
});
