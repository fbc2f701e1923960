/** Creates a storage buffer, optionally filled with `data`. Sizes round up to 16 bytes so vec4 loads stay in bounds. */
export function createStorageBuffer(
  device: GPUDevice,
  dataOrByteLength: ArrayBufferView | number,
  label?: string,
): GPUBuffer {
  const byteLength = typeof dataOrByteLength === 'number' ? dataOrByteLength : dataOrByteLength.byteLength;
  const buffer = device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(byteLength / 16) * 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  if (typeof dataOrByteLength !== 'number') writeBuffer(device, buffer, dataOrByteLength);
  return buffer;
}

/**
 * Writes `data` to `buffer`. Views of a SharedArrayBuffer are copied first because
 * Dawn in Node (webgpu 0.6.2) crashes or rejects writes from shared memory.
 */
export function writeBuffer(device: GPUDevice, buffer: GPUBuffer, data: ArrayBufferView, offset = 0): void {
  let view = data;
  if (typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer) {
    view = new Uint8Array(data.byteLength);
    (view as Uint8Array).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  const padded = view.byteLength % 4 === 0 ? view : padToFour(view);
  device.queue.writeBuffer(buffer, offset, padded.buffer, padded.byteOffset, padded.byteLength);
}

function padToFour(view: ArrayBufferView): Uint8Array {
  const out = new Uint8Array(Math.ceil(view.byteLength / 4) * 4);
  out.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return out;
}

/** Copies `byteLength` bytes from a storage buffer, starting at byte `offset`, to the CPU. */
export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, byteLength: number, offset = 0): Promise<ArrayBuffer> {
  const size = Math.ceil(byteLength / 4) * 4;
  const staging = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, offset, staging, 0, size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0, byteLength);
  staging.unmap();
  staging.destroy();
  return copy;
}

/** Reads `length` float32 values back from a storage buffer, starting at byte `offset`. */
export async function readFloat32(device: GPUDevice, buffer: GPUBuffer, length: number, offset = 0): Promise<Float32Array> {
  return new Float32Array(await readBuffer(device, buffer, length * 4, offset));
}
