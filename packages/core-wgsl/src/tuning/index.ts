// Measured choice of convolution and GEMM variants per adapter, with browser-safe caches.
export * from './adapter-identity';
export * from './tuning-key';
export * from './tuning-cache';
export * from './indexeddb-tuning-cache';
export * from './dispatch-timer';
export * from './tune-kernels';
