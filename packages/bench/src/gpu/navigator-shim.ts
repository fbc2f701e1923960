/**
 * Sets `globalThis.navigator.gpu` to an object whose adapter hands out `device`, so engines that
 * request their own adapter and device (TensorFlow.js, onnxruntime-web) all run on the one device
 * the bench instruments. Must run before those libraries are imported, because both check
 * `navigator.gpu` at import time.
 */
export function installNavigatorGpu(adapter: GPUAdapter, device: GPUDevice): void {
  const sharedAdapter = {
    features: device.features,
    limits: device.limits,
    info: (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info,
    isFallbackAdapter: false,
    requestDevice: async () => device,
    requestAdapterInfo: async () => (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info,
  };
  const gpu = {
    requestAdapter: async () => sharedAdapter,
    getPreferredCanvasFormat: () => 'rgba8unorm',
    wgslLanguageFeatures: new Set<string>(),
  };

  const navigator = ((globalThis as { navigator?: object }).navigator ?? {}) as Record<string, unknown>;
  try {
    navigator.gpu = gpu;
    (globalThis as { navigator?: object }).navigator = navigator;
  } catch {
    // Node 21+ defines a read-only global navigator; replace it as a whole.
    Object.defineProperty(globalThis, 'navigator', { value: { ...navigator, gpu }, configurable: true, writable: true });
  }
}
