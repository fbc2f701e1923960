import { describe, expect, it } from 'vitest';

import { availableParallelism } from 'node:os';

import { backendFromEnvironment, defaultLavapipeThreads, DeviceLostError, requestDevice } from '../src/node';

// Doubles integers in a compute shader; the oracle is plain arithmetic on the CPU.
async function doubleOnGpu(device: GPUDevice, values: Float32Array<ArrayBuffer>): Promise<Float32Array> {
  const module = device.createShaderModule({
    code: `
      @group(0) @binding(0) var<storage, read_write> data: array<f32>;
      @compute @workgroup_size(64)
      fn main(@builtin(global_invocation_id) id: vec3<u32>) {
        if (id.x < arrayLength(&data)) { data[id.x] = data[id.x] * 2.0; }
      }`,
  });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const storage = device.createBuffer({ size: values.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  const readback = device.createBuffer({ size: values.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(storage, 0, values);

  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: storage } }] }));
  pass.dispatchWorkgroups(Math.ceil(values.length / 64));
  pass.end();
  encoder.copyBufferToBuffer(storage, 0, readback, 0, values.byteLength);
  device.queue.submit([encoder.finish()]);

  await readback.mapAsync(GPUMapMode.READ);
  const result = new Float32Array(readback.getMappedRange().slice(0));
  readback.unmap();
  return result;
}

describe('requestDevice', () => {
  it('runs a compute shader on the default backend', async () => {
    const gpu = await requestDevice();
    try {
      const values = Float32Array.from({ length: 1000 }, (_, i) => i - 500);
      const doubled = await doubleOnGpu(gpu.device, values);
      expect(Array.from(doubled)).toEqual(Array.from(values, (v) => v * 2));
      expect(['vulkan', 'opengles']).toContain(gpu.summary.backend);
    } finally {
      gpu.destroy();
    }
  });

  it('reports the adapter and the kernel limits', async () => {
    const gpu = await requestDevice();
    try {
      expect(gpu.summary.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
      expect(gpu.summary.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
      expect(Object.keys(gpu.summary.features).sort()).toEqual(['shader-f16', 'subgroups', 'timestamp-query']);
      expect(typeof gpu.summary.isFallbackAdapter).toBe('boolean');
    } finally {
      gpu.destroy();
    }
  });

  it('runs on the OpenGL ES backend in compatibility mode', async () => {
    const gpu = await requestDevice({ backend: 'opengles' });
    try {
      expect(gpu.summary.backend).toBe('opengles');
      expect(gpu.summary.featureLevel).toBe('compatibility');
      const doubled = await doubleOnGpu(gpu.device, Float32Array.of(1.5, -2, 3));
      expect(Array.from(doubled)).toEqual([3, -4, 6]);
    } finally {
      gpu.destroy();
    }
  });

  it('does not report destroy() as a device loss', async () => {
    let reported: DeviceLostError | undefined;
    const gpu = await requestDevice({ onLost: (error) => (reported = error) });
    gpu.destroy();
    const lost = await gpu.lost;
    expect(lost).toBeInstanceOf(DeviceLostError);
    expect(lost.reason).toBe('destroyed');
    expect(reported).toBeUndefined();
  });
});

describe('backendFromEnvironment', () => {
  it('rejects an unknown backend name', () => {
    const saved = process.env.OFFSHELF_BACKEND;
    process.env.OFFSHELF_BACKEND = 'cuda';
    try {
      expect(() => backendFromEnvironment()).toThrow(/Invalid OFFSHELF_BACKEND=cuda/);
    } finally {
      if (saved === undefined) delete process.env.OFFSHELF_BACKEND;
      else process.env.OFFSHELF_BACKEND = saved;
    }
  });
});

describe('DeviceLostError', () => {
  it('names the reason and what to do', () => {
    const error = new DeviceLostError('unknown', 'GPU hang');
    expect(error.message).toMatch(/device lost \(unknown\): GPU hang/);
    expect(error.message).toMatch(/create a new device/);
  });
});

describe('backend choice', () => {
  it('rejects another platform\'s backend', async (context) => {
    if (process.platform === 'darwin') context.skip('Metal is this platform\'s backend');
    await expect(requestDevice({ backend: 'metal' })).rejects.toThrow(`Invalid backend=metal: metal runs only on macOS, and this is ${process.platform}, so expected one of auto, `);
  });

  it('rejects an unknown backend option', async () => {
    await expect(requestDevice({ backend: 'cuda' as never })).rejects.toThrow(/Invalid backend=cuda: expected one of auto, vulkan, opengles/);
  });

  it('follows OFFSHELF_BACKEND when no option is given', async () => {
    const saved = process.env.OFFSHELF_BACKEND;
    process.env.OFFSHELF_BACKEND = 'opengles';
    try {
      const gpu = await requestDevice();
      expect(gpu.summary.backend).toBe('opengles');
      // Mesa's llvmpipe names itself only in the device field on OpenGL ES.
      expect(gpu.summary.isFallbackAdapter).toBe(/llvmpipe/i.test(gpu.summary.adapter.device));
      gpu.destroy();
    } finally {
      if (saved === undefined) delete process.env.OFFSHELF_BACKEND;
      else process.env.OFFSHELF_BACKEND = saved;
    }
  });

  it('sets LP_NUM_THREADS unless the environment has it', async () => {
    expect(defaultLavapipeThreads()).toBe(Math.min(32, availableParallelism()));
    const saved = process.env.LP_NUM_THREADS;
    try {
      delete process.env.LP_NUM_THREADS;
      (await requestDevice()).destroy();
      expect(process.env.LP_NUM_THREADS).toBe(String(defaultLavapipeThreads()));

      process.env.LP_NUM_THREADS = '3';
      (await requestDevice()).destroy();
      expect(process.env.LP_NUM_THREADS).toBe('3');
    } finally {
      if (saved === undefined) delete process.env.LP_NUM_THREADS;
      else process.env.LP_NUM_THREADS = saved;
    }
  });
});
