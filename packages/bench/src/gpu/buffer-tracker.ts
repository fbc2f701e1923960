/** Live and peak bytes of GPU buffers created on one device. */
export interface BufferTracker {
  readonly liveBytes: number;
  readonly peakBytes: number;
  /** Starts a new peak from the current live bytes. */
  resetPeak(): void;
}

/**
 * Wraps `device.createBuffer` and each new buffer's `destroy` to count live bytes. It works for
 * every engine that creates buffers on this device object, whichever library it is.
 * NOTE: a buffer that is dropped without `destroy()` stays counted until the device is destroyed,
 * which matches the memory Dawn holds until garbage collection runs.
 */
export function trackBuffers(device: GPUDevice): BufferTracker {
  let liveBytes = 0;
  let peakBytes = 0;
  const createBuffer = device.createBuffer.bind(device);

  device.createBuffer = (descriptor: GPUBufferDescriptor): GPUBuffer => {
    const buffer = createBuffer(descriptor);
    const size = descriptor.size;
    liveBytes += size;
    peakBytes = Math.max(peakBytes, liveBytes);

    let destroyed = false;
    const destroy = buffer.destroy.bind(buffer);
    buffer.destroy = () => {
      if (!destroyed) liveBytes -= size;
      destroyed = true;
      destroy();
    };
    return buffer;
  };

  return {
    get liveBytes() {
      return liveBytes;
    },
    get peakBytes() {
      return peakBytes;
    },
    resetPeak() {
      peakBytes = liveBytes;
    },
  };
}
