import { DeviceLostError } from '@offshelf/device';
import type { BufferRange } from '@offshelf/core-wgsl';

const IS_NODE = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
// Runs shorter than this are not worth a timer.
const MIN_PACED_MS = 4;
const PACING_FRACTION = 0.75;

/**
 * Staging buffers that copy a fixed set of GPU ranges back to the CPU. Two of these used in
 * turn give double-buffered readback: one is being mapped while the next batch is recorded.
 */
export class Readback {
  private readonly staging: GPUBuffer[];
  /** When the last copies were recorded, just before their submit. */
  private recordedAt = 0;
  /** Milliseconds from record to mapped in the last read, or 0 before the first. */
  private lastLatencyMs = 0;

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
    this.recordedAt = performance.now();
    this.ranges.forEach((range, i) => {
      encoder.copyBufferToBuffer(range.buffer, range.offset ?? 0, this.staging[i]!, 0, this.staging[i]!.size);
    });
  }

  /** Maps the staging buffers after the submitted copies finish and returns copies of their contents. */
  async read(): Promise<Float32Array[]> {
    await this.waitBeforeMapping();
    await withDeviceLoss(this.device, Promise.all(this.staging.map((buffer) => buffer.mapAsync(GPUMapMode.READ))));
    this.lastLatencyMs = performance.now() - this.recordedAt;
    return this.staging.map((buffer) => {
      const data = new Float32Array(buffer.getMappedRange().slice(0));
      buffer.unmap();
      return data;
    });
  }

  /**
   * Sleeps, in Node, through 3/4 of the last read's latency before requesting the map.
   * Dawn's Node binding polls the device from setImmediate while a map is pending, so one
   * CPU core stays busy, and on a software adapter that core would otherwise run kernels.
   * The estimate shrinks whenever the work gets faster, so it stays close to the real time.
   */
  private async waitBeforeMapping(): Promise<void> {
    if (!IS_NODE || this.lastLatencyMs < MIN_PACED_MS) return;
    const wakeAt = this.recordedAt + PACING_FRACTION * this.lastLatencyMs;
    const delay = wakeAt - performance.now();
    if (delay > 1) await new Promise((resolve) => setTimeout(resolve, delay));
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
