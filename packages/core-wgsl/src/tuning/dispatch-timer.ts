import { encodeDispatch, type PreparedDispatch } from '../runtime/dispatch';

/**
 * Times single dispatches: GPU timestamps around the compute pass when the device has
 * `timestamp-query`, else CPU time from submit to `queue.onSubmittedWorkDone()`, which
 * also counts submission overhead (about 0.1 ms), so it favors no variant.
 */
export class DispatchTimer {
  readonly usesTimestamps: boolean;
  private readonly querySet: GPUQuerySet | null = null;
  private readonly resolveBuffer: GPUBuffer | null = null;
  private readonly readBuffer: GPUBuffer | null = null;

  constructor(private readonly device: GPUDevice) {
    this.usesTimestamps = device.features.has('timestamp-query');
    if (!this.usesTimestamps) return;
    this.querySet = device.createQuerySet({ label: 'tuning timestamps', type: 'timestamp', count: 2 });
    this.resolveBuffer = device.createBuffer({ label: 'tuning timestamps', size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    this.readBuffer = device.createBuffer({ label: 'tuning timestamps readback', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  /** Runs `prepared` (one dispatch, or several in one pass) once and returns its time in milliseconds. */
  async time(prepared: PreparedDispatch | readonly PreparedDispatch[]): Promise<number> {
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass(
      this.querySet ? { timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : undefined,
    );
    for (const dispatch of Array.isArray(prepared) ? prepared : [prepared]) encodeDispatch(pass, dispatch);
    pass.end();
    if (this.querySet) {
      encoder.resolveQuerySet(this.querySet, 0, 2, this.resolveBuffer!, 0);
      encoder.copyBufferToBuffer(this.resolveBuffer!, 0, this.readBuffer!, 0, 16);
    }

    const start = performance.now();
    this.device.queue.submit([encoder.finish()]);
    await this.device.queue.onSubmittedWorkDone();
    const cpuMs = performance.now() - start;
    if (!this.readBuffer) return cpuMs;

    await this.readBuffer.mapAsync(GPUMapMode.READ);
    const [begin, end] = new BigInt64Array(this.readBuffer.getMappedRange().slice(0));
    this.readBuffer.unmap();
    const gpuMs = Number(end! - begin!) / 1e6;
    // Some drivers write zeros or reversed stamps (a quantized or reset clock), so fall back to CPU time.
    return gpuMs > 0 ? gpuMs : cpuMs;
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuffer?.destroy();
    this.readBuffer?.destroy();
  }
}
