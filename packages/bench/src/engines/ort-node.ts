import type { Engine } from './engine';

/** onnxruntime-node on the CPU: the native reference. */
export const ortNode: Engine = {
  name: 'ort-node',
  description: 'onnxruntime-node, CPU execution provider (native)',
  usesGpu: false,
  profilesKernels: false,
  packages: ['onnxruntime-node'],

  async unavailableReason() {
    return null;
  },

  async prepare({ modelBytes, graph, batch }) {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(modelBytes, {
      executionProviders: ['cpu'],
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
  },
};
