/** Option parsers and option groups shared by several commands. */
import { InvalidArgumentError, Option, type Command } from 'commander';

import type { WeightPrecision } from '@offshelf/backbone';

import { addPreprocessingOptions, preprocessingOverrides, type PreprocessingOverrides } from '../backbone/preprocessing-options';
import type { ExtractionSettings } from '../data/load-features';
import { addWeightsOption } from '../backbone/weights-option';
import { DEFAULT_BACKBONE, MODEL_REGISTRY } from '../registry/models';
import { addTuningOption, type TuningMode } from '../tuning/tuning-mode';

export const DEFAULT_BATCH_SIZE = 8;

/** Parses a whole number ≥ `min`, for commander. */
export function parseInteger(min: number): (value: string) => number {
  return (value) => {
    // Number('') is 0, so an empty value is checked by its digits first.
    const parsed = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(parsed) || parsed < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}, got "${value}".`);
    return parsed;
  };
}

/** Parses a comma-separated list of positive numbers, for commander. */
export function parsePositiveList(value: string): number[] {
  const values = value.split(',').map((part) => Number(part.trim()));
  if (values.some((number) => !Number.isFinite(number) || number <= 0)) {
    throw new InvalidArgumentError(`expected positive numbers separated by commas, got "${value}".`);
  }
  return values;
}

/** Parses a comma-separated list of whole numbers ≥ 1, for commander. */
export function parsePositiveIntegerList(value: string): number[] {
  const values = value.split(',').map((part) => Number(part.trim()));
  if (values.some((number) => !Number.isInteger(number) || number < 1)) {
    throw new InvalidArgumentError(`expected whole numbers ≥ 1 separated by commas, got "${value}".`);
  }
  return values;
}

export interface CommonOptions {
  quiet?: boolean;
  strict?: boolean;
}

/** Adds `--quiet` and `--strict`. */
export function addCommonOptions(command: Command): Command {
  return command
    .option('-q, --quiet', 'no progress bars or status lines on stderr (warnings still print)')
    .option('--strict', 'stop at the first file that is not an image by its extension, or that cannot be decoded, instead of skipping it');
}

export interface BackboneOptions {
  backbone: string;
  layer?: string;
  arch?: string;
  batchSize: number;
  cache: boolean;
  tuning?: TuningMode;
  weights?: WeightPrecision;
  mean?: [number, number, number];
  std?: [number, number, number];
  resize?: PreprocessingOverrides['resize'];
}

// The options of addBackboneOptions, and --strict, by attribute name as commander stores them.
const BACKBONE_OPTION_FLAGS: Record<string, string> = {
  backbone: '--backbone',
  layer: '--layer',
  arch: '--arch',
  batchSize: '--batch-size',
  cache: '--no-cache',
  tuning: '--tuning',
  weights: '--weights',
  mean: '--mean',
  std: '--std',
  resize: '--resize',
  strict: '--strict',
};

/** Returns the image options given on the command line (not defaults), such as `--layer foo`, for warnings that a features file ignores them. */
export function givenImageOptions(command: Command): string[] {
  return Object.entries(BACKBONE_OPTION_FLAGS)
    .filter(([name]) => command.getOptionValueSource(name) === 'cli')
    .map(([name, flag]) => {
      const value: unknown = command.getOptionValue(name);
      if (typeof value === 'boolean') return flag;
      // --resize is parsed into an object; the others print as given.
      const text = name === 'resize' ? resizeText(value as NonNullable<PreprocessingOverrides['resize']>) : String(value);
      return `${flag} ${text}`;
    });
}

/** Formats a parsed `--resize` as it was typed: stretch, crop or crop:N. */
function resizeText(resize: NonNullable<PreprocessingOverrides['resize']>): string {
  return resize.mode === 'shorterSideThenCenterCrop' ? `crop:${resize.shorterSide}` : resize.mode;
}

/** Returns the extraction settings that the backbone options and `--strict` and `--quiet` set. */
export function extractionSettings(options: BackboneOptions & CommonOptions): ExtractionSettings {
  return {
    backbone: options.backbone,
    layer: options.layer,
    arch: options.arch,
    batchSize: options.batchSize,
    strict: options.strict,
    quiet: options.quiet,
    noCache: !options.cache,
    tuningMode: options.tuning,
    weightPrecision: options.weights,
    preprocessingOverrides: preprocessingOverrides(options),
  };
}

/** Adds `--backbone`, `--layer`, `--arch`, `--batch-size`, `--no-cache`, `--tuning`, `--weights`, `--mean`, `--std` and `--resize`. */
export function addBackboneOptions(command: Command, defaultBackbone: string | undefined = DEFAULT_BACKBONE): Command {
  const names = MODEL_REGISTRY.map((entry) => entry.name).join(', ');
  const backbone = new Option('--backbone <model>', `model file (.onnx, .tflite, TF.js model.json, .safetensors with --arch) or registry name: ${names}`);
  if (defaultBackbone) backbone.default(defaultBackbone);
  command
    .addOption(backbone)
    .option('--layer <name>', "tensor to take features from (default: the model's pooled feature output)")
    .option('--arch <name>', 'network architecture for a weights-only .safetensors backbone')
    .option('--batch-size <n>', 'images per GPU batch', parseInteger(1), DEFAULT_BATCH_SIZE)
    .option('--no-cache', 'do not read or write the feature cache in the user cache folder');
  return addPreprocessingOptions(addWeightsOption(addTuningOption(command)));
}
