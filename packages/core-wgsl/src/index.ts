// Runtime: programs, preprocessing, pipelines, dispatch and buffers.
export * from './runtime/program';
export * from './runtime/preprocess';
export * from './runtime/pipeline-cache';
export * from './runtime/dispatch';
export * from './runtime/buffers';
export * from './runtime/run-program';
export * from './runtime/float16';

// Kernels.
export * from './kernels/activation/activation';
export * from './kernels/elementwise/unary';

// Convolution and GEMM kernels with fused epilogues.
export * from './kernels/epilogue';
export * from './kernels/kernel-target';
export * from './kernels/weight-precision';
export * from './kernels/conv/conv2d-shape';
export * from './kernels/conv/conv2d-kernel';
export * from './kernels/conv/select-conv2d';
export * from './kernels/conv/run-conv2d';
export * from './kernels/conv/conv2d-expand-depthwise';
export * from './kernels/gemm/gemm-shape';
export * from './kernels/gemm/select-gemm';
export * from './kernels/gemm/run-gemm';
export * from './kernels/elementwise/tensor-shape';
export * from './kernels/elementwise/binary';
export * from './kernels/pool/global-pool';
export * from './kernels/preprocess/preprocess-image';
export * from './kernels/pool/pool2d';
export * from './kernels/normalization/batch-normalization';
export * from './kernels/concat/concat';
export * from './kernels/softmax/softmax';
export * from './kernels/reduce/reduce-mean';
export * from './kernels/pad/pad';
export * from './kernels/transpose/transpose';

// Measured variant choice per adapter.
export * from './tuning/index';
