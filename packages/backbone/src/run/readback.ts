import { DeviceLostError } from '@offshelf/device';
import type { BufferRange } from '@offshelf/core-wgsl';

// Read through globalThis, because this module also runs in browsers, which have no `process`.
const IS_NODE = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
// Runs shorter than this are not worth a timer.
const MIN_PACED_MS = 4;
const PACING_FRACTION = 0.75;
// A map that resolves faster than this after the request found the work already done.
const ALREADY_DONE_MS = 1;

/**
 * Estimates how long the GPU takes from submit to mapped, so that `Readback` can sleep
 * instead of requesting the map at once. Dawn's Node binding polls the device from
 * setImmediate while a map is pending, so one CPU core stays busy, and on a software
 * adapter that core would otherwise run kernels.
 */
export class LatencyEstimate {
  private reads = 0;
  private latencyMs = 0;

  /** Returns how long to sleep, at `now`, before requesting the map of work recorded at `recordedAt`. */
  delayMs(recordedAt: number, now: number): number {
    if (this.latencyMs < MIN_PACED_MS) return 0;
    return Math.max(0, recordedAt + PACING_FRACTION * this.latencyMs - now);
  }

  /** Learns from one read: recorded, map requested and mapped times, and whether it slept first. */
  record(recordedAt: number, requestedAt: number, mappedAt: number, slept: boolean): void {
    this.reads += 1;
    if (this.reads === 1) {
      // The first run of a plan compiles its pipelines, which later runs do not repeat.
      this.latencyMs = 0;
    } else if (slept && mappedAt - requestedAt < ALREADY_DONE_MS) {
      // The work was done before the request, so the real latency is unknown: measure it unpaced.
      this.latencyMs = 0;
    } else {
      this.latencyMs = mappedAt - recordedAt;
    }
  }
}

/**
 * Staging buffers that copy a fixed set of GPU ranges back to the CPU. Two of these used in
 * turn give double-buffered readback: one is being mapped while the next batch is recorded.
 */
export class Readback {
  private readonly staging: GPUBuffer[];
  /** When the last copies were recorded, just before their submit. */
  private recordedAt = 0;
  private readonly latency = new LatencyEstimate();

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
    const delay = IS_NODE ? this.latency.delayMs(this.recordedAt, performance.now()) : 0;
    if (delay > 1) await new Promise((resolve) => setTimeout(resolve, delay));

    const requestedAt = performance.now();
    await withDeviceLoss(this.device, Promise.all(this.staging.map((buffer) => buffer.mapAsync(GPUMapMode.READ))));
    this.latency.record(this.recordedAt, requestedAt, performance.now(), delay > 1);
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
