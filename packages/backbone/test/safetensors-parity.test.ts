import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createFeatureExtractor, exportOnnx, importSafetensors, randomStateDict, writeSafetensors } from '../src/index';
import { compareTensors } from './helpers/compare';
import { memorySource } from './helpers/file-source';

// Oracle: onnxruntime-node (CPU) running the ONNX twin of each imported network: the imported IR,
// before any rewrite, written as ONNX with the same weights. onnxruntime executes ONNX semantics
// with its own kernels, so a wrong pad, stride, group, activation or BatchNorm fold in our runner
// shows up as a difference. Whether the IR matches torchvision is checked by parameter names,
// shapes and counts in architectures.test.ts.
// Tolerance 1e-4 relative max error: up to ~50 layers of float32 sums in another order, with batch
// norm folded into the weights (one extra rounding per weight), stay near 1e-6 relative.
const TOLERANCE = 1e-4;

// Real channel counts with a 64×64 input and batch 1 keep each network to seconds on lavapipe.
// The smallest feature map is then 2×2 in the stride-32 networks.
const SIZE = 64;
const BATCH = 1;
const NUM_CLASSES = 10;

let gpu: OffshelfDevice;

beforeAll(async () => {
  gpu = await requestDevice();
});

afterAll(() => {
  gpu?.destroy();
});

/** Returns a seeded pseudo-random input in [-2, 2), about the range of ImageNet-normalized pixels. */
function randomImage(length: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state / 2147483648) * 4 - 2;
  });
}

const ARCHITECTURES = ['resnet18', 'resnet34', 'resnet50', 'mobilenet_v2', 'mobilenet_v3_small', 'mobilenet_v3_large', 'efficientnet_b0', 'squeezenet1_1'];

// NOTE: with a cold Mesa shader cache each new network spends one to two minutes compiling
// kernels on a busy 2-core lavapipe machine (measured), against about 1 s once cached. ResNet-50
// and MobileNetV3-Large use the same operators as ResNet-18 and MobileNetV3-Small, so they run
// only with OFFSHELF_SLOW_TESTS=1.
const SLOW = new Set(['resnet50', 'mobilenet_v3_large']);
const runSlow = Boolean(process.env.OFFSHELF_SLOW_TESTS);
const COLD_CACHE_TIMEOUT = 400_000;

describe('safetensors state dicts on the runner', () => {
  for (const arch of ARCHITECTURES) {
    it.skipIf(SLOW.has(arch) && !runSlow)(`${arch} matches its ONNX twin in onnxruntime`, async () => {
      const started = performance.now();
      const bytes = writeSafetensors(randomStateDict(arch, { seed: arch.length, numClasses: NUM_CLASSES }));
      const graph = await importSafetensors(memorySource(`${arch}.safetensors`, bytes), { arch, inputSize: SIZE });
      const session = await ort.InferenceSession.create(exportOnnx(graph));
      const extractor = await createFeatureExtractor(gpu.device, graph, { batchSize: BATCH, keep: ['logits'] });
      try {
        const shape = [BATCH, 3, SIZE, SIZE];
        const data = randomImage(BATCH * 3 * SIZE * SIZE, arch.length);
        const ours = await extractor.runTensors({ input: { data, shape } }, ['features', 'logits']);
        const reference = await session.run({ input: new ort.Tensor('float32', data, shape) });

        for (const output of ['features', 'logits']) {
          expect(ours[output]!.shape).toEqual(reference[output]!.dims);
          const error = compareTensors(ours[output]!.data, reference[output]!.data as Float32Array);
          expect(error.relative, `${arch} ${output}: max abs ${error.maxAbs}, relative ${error.relative}; ${error.first}`).toBeLessThan(TOLERANCE);
        }
        expect(ours.logits!.shape).toEqual([BATCH, NUM_CLASSES]);
      } finally {
        extractor.dispose();
        await session.release();
        console.log(`${arch}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
    }, COLD_CACHE_TIMEOUT);
  }
});
