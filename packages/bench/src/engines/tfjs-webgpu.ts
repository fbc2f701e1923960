import type { Engine } from './engine';
import { TfjsNetwork } from './tfjs-network';

/** TensorFlow.js with its WebGPU backend, the network rebuilt from the ONNX weights in NHWC. */
export const tfjsWebGpu: Engine = {
  name: 'tfjs-webgpu',
  description: 'TensorFlow.js, WebGPU backend, NHWC ops built from the ONNX weights',
  usesGpu: true,
  profilesKernels: false,
  packages: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu'],

  async unavailableReason() {
    return null;
  },

  async prepare({ graph, batch, gpu }) {
    if (!gpu) throw new Error('tfjs-webgpu needs a WebGPU device, but the bench process has none.');

    // navigator.gpu is already the shared device's shim, so the backend registers itself on import.
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('TensorFlow.js could not initialize its webgpu backend.');
    await tf.ready();

    const network = new TfjsNetwork(tf, graph);
    return {
      async run(input) {
        const output = network.predict(input, batch);
        const data = (await output.data()) as Float32Array;
        output.dispose();
        return data;
      },
      async dispose() {
        network.dispose();
      },
    };
  },
};
