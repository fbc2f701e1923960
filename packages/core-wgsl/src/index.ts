// Runtime: programs, preprocessing, pipelines, dispatch and buffers.
export * from './runtime/program';
export * from './runtime/preprocess';
export * from './runtime/pipeline-cache';
export * from './runtime/dispatch';
export * from './runtime/buffers';
export * from './runtime/run-program';

// Kernels.
export * from './kernels/activation/activation';
export * from './kernels/elementwise/unary';
