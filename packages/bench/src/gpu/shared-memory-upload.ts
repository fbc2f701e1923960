/**
 * Makes `GPUQueue.writeBuffer` accept views of a `SharedArrayBuffer` by copying them into an
 * ordinary `ArrayBuffer` first. Dawn in `webgpu@0.6.2` crashes or rejects such views, and
 * onnxruntime-web's threaded WebAssembly memory is one. Affects only this process.
 */
export function copySharedMemoryOnUpload(queue: GPUQueue): void {
  const prototype = Object.getPrototypeOf(queue) as GPUQueue & { __offshelfSharedCopy?: boolean };
  if (prototype.__offshelfSharedCopy) return;
  const writeBuffer = prototype.writeBuffer;

  prototype.writeBuffer = function (this: GPUQueue, buffer, bufferOffset, data, dataOffset?, size?) {
    let copy = data;
    if (typeof SharedArrayBuffer !== 'undefined') {
      if (data instanceof SharedArrayBuffer) {
        copy = new Uint8Array(data).slice().buffer;
      } else if (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer) {
        // The same element type keeps dataOffset and size, which count elements, valid.
        const View = data.constructor as new (source: ArrayBufferView) => ArrayBufferView;
        copy = new View(data) as typeof data;
      }
    }
    return writeBuffer.call(this, buffer, bufferOffset, copy as GPUAllowSharedBufferSource, dataOffset, size);
  } as GPUQueue['writeBuffer'];
  prototype.__offshelfSharedCopy = true;
}
