import { afterEach, describe, expect, it, vi } from 'vitest';

import { promisify } from 'node:util';

import { eventPolling, requestDevice, setEventPolling } from '../src/node';

// Runs a shader that spins for `iterations` steps per invocation, long enough (tens of ms on
// lavapipe) that the wait for its result outlasts the first immediate polls, and returns the sums.
async function slowSums(device: GPUDevice, iterations: number): Promise<Float32Array> {
  const module = device.createShaderModule({
    code: `
      @group(0) @binding(0) var<storage, read_write> data: array<f32>;
      @compute @workgroup_size(64)
      fn main(@builtin(global_invocation_id) id: vec3<u32>) {
        var sum = 0.0;
        for (var i = 0u; i < ${iterations}u; i++) { sum += f32(i % 4u); }
        data[id.x] = sum + f32(id.x);
      }`,
  });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const count = 4096;
  const storage = device.createBuffer({ size: count * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ size: count * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: storage } }] }));
  pass.dispatchWorkgroups(count / 64);
  pass.end();
  encoder.copyBufferToBuffer(storage, 0, readback, 0, count * 4);
  device.queue.submit([encoder.finish()]);
  await readback.mapAsync(GPUMapMode.READ);
  const result = new Float32Array(readback.getMappedRange().slice(0));
  readback.unmap();
  return result;
}

// The sum of i % 4 over i < iterations, plus the invocation index: plain arithmetic as the oracle.
function expectedSums(iterations: number, count: number): number[] {
  const cycles = Math.floor(iterations / 4);
  let sum = cycles * 6;
  for (let i = cycles * 4; i < iterations; i++) sum += i % 4;
  return Array.from({ length: count }, (_, x) => sum + x);
}

describe('event polling', () => {
  afterEach(() => {
    setEventPolling('busy');
    vi.restoreAllMocks();
  });

  // Paced, polls after the first 0.5 ms of the wait go through 1 ms timers. Busy, none do.
  it.each([
    ['paced', true],
    ['busy', false],
  ] as const)('keeps the results with %s polling', async (mode, usesTimers) => {
    const gpu = await requestDevice({ eventPolling: mode });
    try {
      expect(eventPolling()).toBe(mode);
      const timers = vi.spyOn(globalThis, 'setTimeout');
      const sums = await slowSums(gpu.device, 100000);
      expect(Array.from(sums)).toEqual(expectedSums(100000, 4096));
      expect(timers.mock.calls.some((call) => call[1] === 1)).toBe(usesTimers);
    } finally {
      gpu.destroy();
    }
  });

  it('passes other setImmediate callers straight through', async () => {
    setEventPolling('paced');
    const value = await new Promise((resolve) => setImmediate(resolve, 'argument'));
    expect(value).toBe('argument');
    expect(await promisify(setImmediate)('promisified')).toBe('promisified');

    // Other callers never go through the pacing timer.
    const timers = vi.spyOn(globalThis, 'setTimeout');
    await new Promise((resolve) => setImmediate(resolve));
    expect(timers).not.toHaveBeenCalled();
  });

  it('rejects an unknown polling mode', () => {
    expect(() => setEventPolling('spin' as never)).toThrow(/Invalid event polling mode spin: expected busy or paced/);
  });

  it('restores the original setImmediate', () => {
    const original = globalThis.setImmediate;
    setEventPolling('paced');
    expect(globalThis.setImmediate).not.toBe(original);
    setEventPolling('paced');
    setEventPolling('busy');
    expect(globalThis.setImmediate).toBe(original);
  });

  it('defaults to paced on a CPU adapter', async () => {
    const gpu = await requestDevice();
    try {
      expect(eventPolling()).toBe(gpu.summary.isFallbackAdapter ? 'paced' : 'busy');
      expect(gpu.eventPolling).toBe(eventPolling());
    } finally {
      gpu.destroy();
    }
  });

  it('rejects an unknown OFFSHELF_EVENT_POLLING', async () => {
    const saved = process.env.OFFSHELF_EVENT_POLLING;
    process.env.OFFSHELF_EVENT_POLLING = 'spin';
    try {
      await expect(requestDevice()).rejects.toThrow(/Invalid OFFSHELF_EVENT_POLLING=spin: expected one of busy, paced/);
    } finally {
      if (saved === undefined) delete process.env.OFFSHELF_EVENT_POLLING;
      else process.env.OFFSHELF_EVENT_POLLING = saved;
    }
  });
});
