import { DeviceLostError } from '@offshelf/device';
import type { BufferRange } from '@offshelf/core-wgsl';

/**
 * Staging buffers that copy a fixed set of GPU ranges back to the CPU. Two of these used in
 * turn give double-buffered readback: one is being mapped while the next batch is recorded.
 */
export class Readback {
  private readonly staging: GPUBuffer[];

  constructor(
    private readonly device: GPUDevice,
    private readonly ranges: readonly BufferRange[],
  ) {
    this.staging = ranges.map((range) =>
      device.createBuffer({ label: 'readback', size: Math.ceil(range.size / 4) * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
    );
  }

  /** Records the copies into the staging buffers. */
  encode(encoder: GPUCommandEncoder): void {
    this.ranges.forEach((range, i) => {
      encoder.copyBufferToBuffer(range.buffer, range.offset ?? 0, this.staging[i]!, 0, this.staging[i]!.size);
    });
  }

  /** Maps the staging buffers after the submitted copies finish and returns copies of their contents. */
  async read(): Promise<Float32Array[]> {
    await withDeviceLoss(this.device, Promise.all(this.staging.map((buffer) => buffer.mapAsync(GPUMapMode.READ))));
    return this.staging.map((buffer) => {
      const data = new Float32Array(buffer.getMappedRange().slice(0));
      buffer.unmap();
      return data;
    });
  }

  destroy(): void {
    for (const buffer of this.staging) buffer.destroy();
  }
}

/** Awaits `work`, rejecting with `DeviceLostError` instead when the device is lost first. */
export async function withDeviceLoss<T>(device: GPUDevice, work: Promise<T>): Promise<T> {
  const lost = device.lost.then((info) => {
    throw new DeviceLostError(info.reason ?? 'unknown', info.message);
  });
  // Only the race result matters; a late loss after `work` settles is observed by the device layer.
  lost.catch(() => undefined);
  try {
    return await Promise.race([work, lost]);
  } catch (error) {
    if (error instanceof DeviceLostError) throw error;

    // The map can fail before the loss notice arrives, so give the notice one task to arrive.
    const lostError = await Promise.race([lost.then(() => null, (e: unknown) => e), new Promise<null>((resolve) => setTimeout(() => resolve(null), 0))]);
    throw lostError instanceof DeviceLostError ? lostError : error;
  }
}
