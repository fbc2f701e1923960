/** Browser entry point: WebGPU from `navigator.gpu`. */
import { createDevice, NoAdapterError, requestAdapterFrom, type OffshelfDevice, type RequestDeviceOptions } from './common';

export * from './common';

export const SOFTWARE_GPU_HINT =
  'This browser exposes no WebGPU adapter. Use a current Chrome, Edge or Firefox with WebGPU enabled ' +
  '(headless Chromium needs --enable-unsafe-webgpu).';

/** Returns a WebGPU device from `navigator.gpu`. This is the browser build; in Node the same call takes it from Dawn. */
export async function requestDevice(options: RequestDeviceOptions = {}): Promise<OffshelfDevice> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) throw new NoAdapterError(['navigator.gpu'], SOFTWARE_GPU_HINT);

  let adapter = await requestAdapterFrom(gpu, 'core', options.powerPreference);
  let featureLevel: 'core' | 'compatibility' = 'core';
  if (!adapter) {
    adapter = await requestAdapterFrom(gpu, 'compatibility', options.powerPreference);
    featureLevel = 'compatibility';
  }
  if (!adapter) throw new NoAdapterError(['navigator.gpu'], SOFTWARE_GPU_HINT);

  return createDevice(adapter, 'browser', featureLevel, options);
}
