/**
 * Opens a backbone for feature extraction: resolves the `--backbone` argument,
 * requests a WebGPU device, imports the model and builds the feature extractor.
 */
import { dirname, join } from 'node:path';

import { createFeatureExtractor, loadModel, SUPPORTED_ARCHITECTURES, type FeatureExtractor, type FeatureExtractorOptions, type Graph, type Preprocessing, type Tensor } from '@offshelf/backbone';
import { requestDevice, type OffshelfDevice } from '@offshelf/device';

import { hasFeaturesFileHeader } from '../data/features-file';
import { CliError, errorMessage } from '../errors';
import { resolveModel, type ResolvedModel } from '../registry/models';
import { createLog } from '../ui/log';
import type { TuningMode } from '../tuning/tuning-mode';
import { cliTuningOptions } from '../tuning/tuning-options';
import { fileModelSource } from './file-source';
import { applyPreprocessingOverrides, type PreprocessingOverrides } from './preprocessing-options';
import { checkWeightsSupported } from './weights-option';

export type { FeatureExtractor };
/** A float32 tensor with its shape, as the runner takes and returns them. */
export type FloatTensor = Tensor;

export interface OpenBackboneOptions extends FeatureExtractorOptions {
  /** Architecture name for weight-only files (safetensors). */
  arch?: string;
  quiet?: boolean;
  /** When set, the model file must have this SHA-256 (a model bundle's); checked before loading. */
  expectedSha256?: string;
  /** `--tuning`: how the tuning cache file is used when `tuning` is not set. */
  tuningMode?: TuningMode;
  /** Source of `weightPrecision` named when the adapter lacks shader-f16 (default `--weights <precision>`). */
  weightPrecisionOrigin?: string;
  /**
   * Preprocessing to apply in place of the model's own, such as a model bundle's, so that features
   * are computed as they were for training even if offshelf's defaults for the model changed since.
   */
  preprocessing?: Preprocessing;
  /** Source of `preprocessing`, such as a bundle's path, named in errors. */
  preprocessingOrigin?: string;
  /** `--mean`, `--std` and `--resize`, applied to the model's own recipe when `preprocessing` is not set. */
  preprocessingOverrides?: PreprocessingOverrides;
}

export interface OpenedBackbone {
  model: ResolvedModel;
  graph: Graph;
  extractor: FeatureExtractor;
  /** The value features come from: `--layer`, else the model's pooled feature output. */
  layer: string;
  gpu: OffshelfDevice;
  close(): void;
}

/** Replaces the graph's preprocessing with a recorded one, which must be for the same input size. */
function applyRecordedPreprocessing(graph: Graph, recorded: Preprocessing, origin: string, modelPath: string): void {
  const own = graph.metadata.preprocessing;
  if (recorded.height !== own.height || recorded.width !== own.width) {
    throw new CliError(
      `${origin} records ${recorded.width}×${recorded.height} input images, but ${modelPath} takes ${own.width}×${own.height}; pass --backbone with the model it was trained on`,
    );
  }
  graph.metadata.preprocessing = recorded;
}

/**
 * Imports a resolved model file into the IR graph; `arch` names the network of a weights-only
 * safetensors file. Prints the importer's warnings, and unless `quiet` the file that set the
 * preprocessing, such as a Hugging Face `preprocessor_config.json`. Prints neither where
 * `preprocessingReplaced`: a model bundle's recorded preprocessing takes the place of the model's.
 */
export async function importModel(model: ResolvedModel, arch: string | undefined, quiet?: boolean, preprocessingReplaced = false): Promise<Graph> {
  const graph = await loadGraph(model, arch);
  // The importer's warnings are about its preprocessing, which a recorded recipe replaces.
  if (preprocessingReplaced) return graph;
  const log = createLog(quiet);
  for (const warning of graph.metadata.warnings ?? []) log.warn(warning);
  const { preprocessingSource, preprocessing } = graph.metadata;
  if (preprocessingSource !== undefined) {
    log.info(`preprocessing from ${join(dirname(model.path), preprocessingSource)}: ${describePreprocessing(preprocessing)}`);
  }
  return graph;
}

/** Describes a preprocessing recipe in one line: resize, mean and standard deviation. */
function describePreprocessing(preprocessing: Preprocessing): string {
  const { resize } = preprocessing;
  const numbers = (values: readonly number[]): string => values.map((value) => Number(value.toPrecision(4))).join(',');
  let steps = `stretch to ${preprocessing.width}×${preprocessing.height}`;
  if (resize.mode === 'shorterSideThenCenterCrop') steps = `short side to ${resize.shorterSide}, center crop ${preprocessing.width}×${preprocessing.height}`;
  if (resize.mode === 'stretchThenCenterCrop') {
    steps = `stretch to ${Number(resize.stretchWidth.toPrecision(4))}×${Number(resize.stretchHeight.toPrecision(4))}, center crop ${preprocessing.width}×${preprocessing.height}`;
  }
  return `${steps}, mean ${numbers(preprocessing.mean)}, std ${numbers(preprocessing.std)} (of pixel / 255)`;
}

async function loadGraph(model: ResolvedModel, arch: string | undefined): Promise<Graph> {
  if (model.path.toLowerCase().endsWith('.safetensors') && (await hasFeaturesFileHeader(model.path))) {
    throw new CliError(
      `--backbone ${model.path} is a features file written by \`offshelf extract\` (tensors features and labels), not a model; ` +
        'pass it as the input of `offshelf train` or `offshelf evaluate`, and pass a model file or registry name to --backbone',
    );
  }
  if (model.path.toLowerCase().endsWith('.safetensors') && !arch) {
    throw new CliError(`${model.path}: safetensors files contain weights only; pass --arch NAME to name the network (one of: ${SUPPORTED_ARCHITECTURES.join(', ')})`);
  }
  try {
    return await loadModel(fileModelSource(model.path), arch ? { arch } : {});
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot load model ${model.path}: ${inCliTerms(withoutPathPrefix(errorMessage(error), model.path))}`);
  }
}

/** Names the importer's options as the CLI spells them: loadModel's `arch` option is `--arch` here. */
function inCliTerms(message: string): string {
  return message.replaceAll('the arch option', '--arch');
}

/** Drops a leading `path: ` from an importer's message, so the error names the file once. */
function withoutPathPrefix(message: string, path: string): string {
  const prefix = `${path}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/** Resolves, imports and prepares a backbone on a new WebGPU device. */
export async function openBackbone(spec: string, options: OpenBackboneOptions = {}): Promise<OpenedBackbone> {
  const model = await resolveModel(spec, { quiet: options.quiet });
  if (options.expectedSha256 && model.sha256 !== options.expectedSha256) {
    throw new CliError(
      `backbone ${model.path} has SHA-256 ${model.sha256}, but the model was trained on features from a file with SHA-256 ${options.expectedSha256}; ` +
        'the backbone changed: pass --backbone with the original file, or retrain the model on this backbone',
    );
  }
  const graph = await importModel(model, options.arch, options.quiet, options.preprocessing !== undefined);
  if (options.preprocessing) applyRecordedPreprocessing(graph, options.preprocessing, options.preprocessingOrigin ?? 'the recorded preprocessing', model.path);
  else if (options.preprocessingOverrides) applyPreprocessingOverrides(graph, options.preprocessingOverrides);

  const gpu = await requestDevice();
  try {
    const weightPrecision = options.weightPrecision ?? 'f32';
    checkWeightsSupported(weightPrecision, gpu.summary, options.weightPrecisionOrigin);
    const extractor = await createFeatureExtractor(gpu.device, graph, {
      layer: options.layer,
      batchSize: options.batchSize,
      debug: options.debug,
      keep: options.keep,
      // Variants `offshelf tune` measured on this adapter, where it ran; the selectors' choices elsewhere.
      tuning: options.tuning ?? cliTuningOptions(gpu, options.tuningMode),
      weightPrecision,
    });
    return {
      model,
      graph,
      extractor,
      layer: extractor.layer,
      gpu,
      close: () => {
        extractor.dispose();
        gpu.destroy();
      },
    };
  } catch (error) {
    gpu.destroy();
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot prepare ${model.path} for feature extraction: ${errorMessage(error)}`);
  }
}
