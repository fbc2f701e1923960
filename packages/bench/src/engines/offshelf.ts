import { createFeatureExtractor, loadModel, SiblingNotFoundError } from '@offshelf/backbone';

import type { Engine } from './engine';

/** offshelf's own WebGPU runner from `@offshelf/backbone`. */
export const offshelf: Engine = {
  name: 'offshelf',
  description: 'offshelf runner (@offshelf/backbone, WGSL kernels)',
  usesGpu: true,
  profilesKernels: true,
  packages: [],

  async unavailableReason() {
    return null;
  },

  async prepare({ modelPath, modelBytes, graph: benchGraph, batch, gpu }) {
    if (!gpu) throw new Error('offshelf needs a WebGPU device, but the bench process has none.');
    const graph = await loadModel({
      name: modelPath,
      readMain: async () => modelBytes,
      readSibling: async (relativePath) => {
        throw new SiblingNotFoundError(modelPath, relativePath, `the bench passes no sibling files, but the model asks for '${relativePath}'.`);
      },
    });
    const extractor = await createFeatureExtractor(gpu.device, graph, { batchSize: batch, layer: benchGraph.outputName });
    const shape = [batch, ...benchGraph.inputShape];

    return {
      async run(input) {
        const outputs = await extractor.runTensors({ [benchGraph.inputName]: { data: input, shape } }, [benchGraph.outputName]);
        return outputs[benchGraph.outputName]!.data;
      },
      async dispose() {
        extractor.dispose();
      },
    };
  },
};
