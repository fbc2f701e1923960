import { createStorageBuffer } from '@offshelf/core-wgsl';

/**
 * GPU copies of constants (packed weights, biases), uploaded once and shared by every plan
 * of one extractor, keyed by initializer name and kernel variant.
 */
export class ConstantStore {
  private readonly buffers = new Map<string, { buffer: GPUBuffer; size: number }>();

  constructor(private readonly device: GPUDevice) {}

  /** Returns the buffer for `key`, uploading `data` the first time. */
  get(key: string, data: Float32Array | Uint16Array): { buffer: GPUBuffer; size: number } {
    let entry = this.buffers.get(key);
    if (!entry) {
      entry = { buffer: createStorageBuffer(this.device, data, key), size: data.byteLength };
      this.buffers.set(key, entry);
    }
    return entry;
  }

  /** Total bytes of constant buffers. */
  get byteLength(): number {
    let total = 0;
    for (const { buffer } of this.buffers.values()) total += buffer.size;
    return total;
  }

  destroy(): void {
    for (const { buffer } of this.buffers.values()) buffer.destroy();
    this.buffers.clear();
  }
}
