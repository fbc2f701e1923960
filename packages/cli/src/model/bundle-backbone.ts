/** Settings that rebuild a model bundle's features from images, with its backbone checked. */
import { existsSync } from 'node:fs';

import type { WeightPrecision } from '@offshelf/backbone';

import type { ExtractionSettings } from '../data/load-features';
import { CliError } from '../errors';
import { findModelEntry } from '../registry/models';
import type { TuningMode } from '../tuning/tuning-mode';
import { bundleBackboneSpec, type ModelBundle } from './bundle';

export interface BundleExtractionOptions {
  /** `--backbone` given on the command line, replacing the bundle's. */
  backbone?: string;
  batchSize: number;
  strict?: boolean;
  quiet?: boolean;
  cache: boolean;
  /** `--tuning`. */
  tuning?: TuningMode;
  /** `--weights`; defaults to the precision the bundle records for its training features. */
  weights?: WeightPrecision;
}

export function bundleExtractionSettings(bundle: ModelBundle, modelPath: string, options: BundleExtractionOptions): ExtractionSettings {
  const spec = options.backbone ?? bundleBackboneSpec(bundle);
  if (!options.backbone && !bundle.backbone.name && !existsSync(spec) && !findModelEntry(spec)) {
    throw new CliError(
      `${modelPath}: its backbone ${bundle.backbone.path} is missing; pass --backbone FILE with the original model file (SHA-256 ${bundle.backbone.sha256})`,
    );
  }
  return {
    backbone: spec,
    layer: bundle.layer,
    batchSize: options.batchSize,
    strict: options.strict,
    quiet: options.quiet,
    noCache: !options.cache,
    expectedSha256: bundle.backbone.sha256,
    tuningMode: options.tuning,
    weightPrecision: options.weights ?? bundle.weightPrecision ?? 'f32',
    weightPrecisionOrigin: options.weights ? undefined : `${modelPath} (trained on features from f16 weights)`,
    preprocessing: bundle.preprocessing,
    preprocessingOrigin: modelPath,
  };
}
