import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BindingTooLargeError, createStorageBuffer, globalPoolProgram, prepareDispatch, transposeProgram } from '../src/index';

let gpu: OffshelfDevice;
beforeAll(async () => {
  gpu = await requestDevice();
});
afterAll(() => gpu?.destroy());

// prepareDispatch checks each declared binding size against maxStorageBufferBindingSize before
// it creates a bind group, so a small buffer with a declared size just above the limit
// exercises the check without allocating gigabytes on the software GPU.
describe('storage binding size limit', () => {
  it('rejects an oversize input binding', () => {
    const device = gpu.device;
    const limit = device.limits.maxStorageBufferBindingSize;
    const buffer = createStorageBuffer(device, 64);
    const program = globalPoolProgram({ inputShape: [1, 4, 2, 2], mode: 'average' });

    expect(() => prepareDispatch(device, program, [{ buffer, size: limit + 4 }], { buffer, size: 16 })).toThrow(BindingTooLargeError);
    buffer.destroy();
  });

  it('rejects an oversize output binding and names the kernel', () => {
    const device = gpu.device;
    const limit = device.limits.maxStorageBufferBindingSize;
    const buffer = createStorageBuffer(device, 64);
    const program = transposeProgram({ inputShape: [2, 2] });

    expect(() => prepareDispatch(device, program, [{ buffer, size: 16 }], { buffer, size: limit + 4 })).toThrow(/transpose: .*maxStorageBufferBindingSize/);
    buffer.destroy();
  });

  it('error message states size and limit', () => {
    const limit = gpu.device.limits.maxStorageBufferBindingSize;
    const error = new BindingTooLargeError('transpose', limit + 4, limit);
    expect(error.message).toContain(`${limit + 4}-byte`);
    expect(error.message).toContain(`${limit} bytes`);
  });
});
