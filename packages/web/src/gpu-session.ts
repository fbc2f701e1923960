import { requestDevice, type DeviceLostError, type OffshelfDevice } from '@offshelf/device';

/**
 * The page's one WebGPU device, requested on first use. After a device loss the
 * next `acquire()` requests a new device; everything built on the old one
 * (pipelines, weights, extractors) must be rebuilt by the caller.
 */
export class GpuSession {
  private handle: OffshelfDevice | undefined;
  private pending: Promise<OffshelfDevice> | undefined;

  constructor(private readonly onLost: (error: DeviceLostError) => void) {}

  /** Returns the current device, requesting one when there is none. */
  acquire(): Promise<OffshelfDevice> {
    if (this.handle) return Promise.resolve(this.handle);
    this.pending ??= requestDevice({
      onLost: (error) => {
        this.handle = undefined;
        this.onLost(error);
      },
    }).then(
      (handle) => {
        this.handle = handle;
        this.pending = undefined;
        return handle;
      },
      (error: unknown) => {
        this.pending = undefined;
        throw error;
      },
    );
    return this.pending;
  }

  get current(): OffshelfDevice | undefined {
    return this.handle;
  }
}
