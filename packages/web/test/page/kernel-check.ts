// Test-only page script: requests the page's WebGPU device and runs one kernel.
import { pipelineCacheFor, runProgram, unaryProgram, type Activation } from '@offshelf/core-wgsl';
import { requestDevice } from '@offshelf/device';

async function runUnaryKernel(input: number[], activation: Activation) {
  const gpu = await requestDevice();
  try {
    const output = await runProgram(gpu.device, unaryProgram(input.length, activation), [Float32Array.from(input)], input.length);
    return { summary: gpu.summary, output: Array.from(output), compiled: pipelineCacheFor(gpu.device).compiledCount };
  } finally {
    gpu.destroy();
  }
}

Object.assign(globalThis, { runUnaryKernel });
document.title = 'kernel-check ready';
