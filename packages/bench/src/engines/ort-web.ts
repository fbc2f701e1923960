import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { copySharedMemoryOnUpload } from '../gpu/shared-memory-upload';
import { benchPackageDir } from '../report/environment';
import type { Engine, EngineCase, PreparedEngine } from './engine';

type OrtWeb = typeof import('onnxruntime-web');

// NOTE: one thread, not the 2 a browser page would get: in Node, onnxruntime-web 1.31 fetches
// its worker script to make a blob: URL, which Node can neither fetch (file:) nor import (blob:).
const WASM_THREADS = 1;

// The WebAssembly build that the `onnxruntime-web/webgpu` entry point of onnxruntime-web 1.31 loads.
const WASM_FILE = 'ort-wasm-simd-threaded.asyncify.wasm';

async function importOrtWeb(): Promise<OrtWeb> {
  // The webgpu entry point is the only one with both the WebGPU and the WASM execution providers in Node.
  const ort = (await import('onnxruntime-web/webgpu')) as unknown as OrtWeb;

  // Node's fetch cannot read the file: URL that onnxruntime-web builds for its .wasm, so pass the bytes.
  const require = createRequire(join(benchPackageDir(), 'package.json'));
  const distDir = dirname(require.resolve('onnxruntime-web/webgpu'));
  ort.env.wasm.wasmBinary = readFileSync(join(distDir, WASM_FILE));
  return ort;
}

async function prepareSession(ort: OrtWeb, benchCase: EngineCase, executionProvider: 'webgpu' | 'wasm'): Promise<PreparedEngine> {
  const { modelBytes, graph, batch } = benchCase;
  ort.env.wasm.numThreads = WASM_THREADS;
  ort.env.logLevel = 'error';

  if (executionProvider === 'webgpu') {
    const gpu = benchCase.gpu;
    if (!gpu) throw new Error('ort-webgpu needs a WebGPU device, but the bench process has none.');
    copySharedMemoryOnUpload(gpu.device.queue);
    ort.env.webgpu.device = gpu.device as never;
  }

  // A path would go to fetch(), which cannot read files in Node, so the model is passed as bytes.
  const session = await ort.InferenceSession.create(modelBytes, {
    executionProviders: [executionProvider],
    graphOptimizationLevel: 'all',
  });
  const dims = [batch, ...graph.inputShape];

  return {
    async run(input) {
      const feeds = { [graph.inputName]: new ort.Tensor('float32', input, dims) };
      const outputs = await session.run(feeds, [graph.outputName]);
      return outputs[graph.outputName]!.data as Float32Array;
    },
    async dispose() {
      await session.release();
    },
  };
}

/** onnxruntime-web with its WebGPU execution provider, on the bench's Dawn device. */
export const ortWebGpu: Engine = {
  name: 'ort-webgpu',
  description: 'onnxruntime-web, WebGPU execution provider',
  usesGpu: true,
  profilesKernels: false,
  packages: ['onnxruntime-web'],

  async unavailableReason() {
    return null;
  },

  async prepare(benchCase) {
    return prepareSession(await importOrtWeb(), benchCase, 'webgpu');
  },
};

/** onnxruntime-web's WebAssembly backend: the CPU-in-a-browser baseline. */
export const ortWasm: Engine = {
  name: 'ort-wasm',
  description: `onnxruntime-web, WASM execution provider (SIMD, ${WASM_THREADS} thread)`,
  usesGpu: false,
  profilesKernels: false,
  packages: ['onnxruntime-web'],

  async unavailableReason() {
    return null;
  },

  async prepare(benchCase) {
    return prepareSession(await importOrtWeb(), benchCase, 'wasm');
  },
};
