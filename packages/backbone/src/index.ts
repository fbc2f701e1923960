// IR and model sources.
export * from './ir/graph';
export * from './source';
export { missingFileResponse, modelSourceFromBytes, modelSourceFromUrl, rgbaFromImageBitmap } from './source-helpers';
export { SUPPORTED_OPERATORS } from './ir/operators';
export { inferShapes } from './ir/shape-inference';

// Import, rewrite, plan, run.
export { importOnnx } from './import/onnx/import-onnx';
export { importTflite } from './import/tflite/index';
export { importTfjs } from './import/tfjs/index';
export { optimizeGraph, type OptimizeOptions } from './rewrite/optimize';
export { GraphRunner, type RunnerOptions, type Tensor } from './run/graph-runner';
export { checkWeightPrecisionSupport, WeightPrecisionError } from './run/weight-precision';
export type { WeightPrecision } from '@offshelf/core-wgsl';
export { UnsupportedNodeError, type KernelVariants } from './plan/lower-node';

// Public extraction API.
export { loadModel, detectFormat, registerImporter, type Importer, type LoadModelOptions, type ModelFormat } from './extract/load-model';
export { createFeatureExtractor, type FeatureExtractor, type FeatureExtractorOptions } from './extract/feature-extractor';

// Safetensors state dicts for built-in architectures.
export { importSafetensors, readSafetensors, writeSafetensors, type SafetensorsImportOptions, type SafetensorsContents } from './import/safetensors/index';
export { SUPPORTED_ARCHITECTURES } from './architectures/registry';
export { randomStateDict, type RandomStateDictOptions } from './architectures/random-state-dict';
export { exportOnnx } from './export/onnx/index';
