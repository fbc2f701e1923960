import type { BenchEnvironment } from '../../src/report/environment';

/** Returns a fixed lavapipe environment for report tests, with the given LP_NUM_THREADS and command. */
export function testEnvironment(lavapipeThreads = '4', command = 'pnpm bench --models=tiny'): BenchEnvironment {
  return {
    date: '2026-01-01T00:00:00.000Z',
    command,
    node: process.version,
    cpu: 'test CPU',
    cpuFeatures: 'family 25, model 1, AVX2 without AVX-512',
    cpuCount: 1,
    loadAverage: 0.5,
    lavapipeThreads,
    adapter: {
      backend: 'vulkan',
      adapter: { vendor: 'mesa', architecture: '', device: '', description: 'llvmpipe' },
      isFallbackAdapter: true,
      featureLevel: 'core',
      features: {},
      limits: {} as never,
    },
    versions: { 'onnxruntime-node': '1.31.1' },
  };
}
