/**
 * Model bundles written by `offshelf train`: one JSON file with the trained head
 * (in @offshelf/heads' JSON format), the class names, and the backbone, layer,
 * preprocessing and weight precision that produced its features. With these, `evaluate`
 * and `classify` rebuild the same features and detect a changed backbone.
 *
 * Format, version 1:
 * { "format": "offshelf-model", "version": 1, "classNames": [...],
 *   "backbone": { "name"?, "path", "sha256" }, "layer", "preprocessing", "featureSize",
 *   "weightPrecision"?: "f32" | "f16" (absent in older bundles: f32),
 *   "head": { ...offshelf-head JSON... }, "training": { ... } }
 */
import { readFile } from 'node:fs/promises';

import { samePreprocessing, type Preprocessing, type WeightPrecision } from '@offshelf/backbone';
import { describeFormatField } from '@offshelf/heads';

import { parseRecordedPrecision } from '../backbone/weights-option';
import type { FeatureProvenance } from '../data/features-file';
import { CliError } from '../errors';
import { writeFileAtomic } from '../io/atomic-write';

export const BUNDLE_FORMAT = 'offshelf-model';
export const BUNDLE_VERSION = 1;

export interface ModelBundle {
  format: typeof BUNDLE_FORMAT;
  version: number;
  classNames: string[];
  backbone: FeatureProvenance['backbone'];
  layer: string;
  preprocessing: Preprocessing;
  featureSize: number;
  /** Storage type of the backbone weights that computed the training features; absent means f32. */
  weightPrecision?: WeightPrecision;
  head: unknown;
  /** Training record: data, options and cross-validation scores. */
  training: Record<string, unknown>;
}

/** Returns the provenance stored in a bundle. */
export function bundleProvenance(bundle: ModelBundle): FeatureProvenance {
  return {
    backbone: bundle.backbone,
    layer: bundle.layer,
    preprocessing: bundle.preprocessing,
    featureSize: bundle.featureSize,
    weightPrecision: bundle.weightPrecision ?? 'f32',
  };
}

export async function writeBundle(path: string, bundle: ModelBundle): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(bundle, null, 1)}\n`);
}

/** Reads and checks a model bundle. */
export async function readBundle(path: string): Promise<ModelBundle> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    const reason = error.code === 'ENOENT' ? 'file not found' : `cannot read the file (${error.code ?? error.message})`;
    throw new CliError(`--model ${path}: ${reason}; pass a model bundle written by \`offshelf train\` (pnpm cli train)`);
  });
  let bundle: ModelBundle;
  try {
    bundle = JSON.parse(text) as ModelBundle;
  } catch {
    throw new CliError(`--model ${path}: not valid JSON; pass a model written by \`offshelf train\``);
  }
  if (bundle?.format !== BUNDLE_FORMAT) {
    throw new CliError(`--model ${path}: not an offshelf model (${describeFormatField(bundle)}, expected "${BUNDLE_FORMAT}"); pass a model written by \`offshelf train\``);
  }
  if (bundle.version !== BUNDLE_VERSION) {
    const newer = typeof bundle.version === 'number' && bundle.version > BUNDLE_VERSION;
    const fix = newer ? 'a newer offshelf wrote it, so update offshelf or retrain the model with this one' : 'retrain the model with this offshelf';
    throw new CliError(`--model ${path}: model format version ${JSON.stringify(bundle.version)} is not supported by this build (version ${BUNDLE_VERSION}); ${fix}`);
  }
  if (!Array.isArray(bundle.classNames) || !bundle.backbone?.sha256 || !bundle.head) throw new CliError(`--model ${path}: the model is incomplete (classNames, backbone or head missing); retrain it`);
  bundle.weightPrecision = parseRecordedPrecision(bundle.weightPrecision, `--model ${path}`);
  return bundle;
}

/** Checks that features came from the bundle's backbone and layer and have its width. */
export function checkFeaturesMatchBundle(provenance: FeatureProvenance, bundle: ModelBundle, featuresName: string, modelName: string): void {
  if (provenance.featureSize !== bundle.featureSize) {
    throw new CliError(
      `${featuresName} has ${provenance.featureSize} features per image but ${modelName} expects ${bundle.featureSize}; extract features with the model's backbone (${bundle.backbone.name ?? bundle.backbone.path}, layer ${bundle.layer})`,
    );
  }
  if (provenance.backbone.sha256 !== bundle.backbone.sha256 || provenance.layer !== bundle.layer) {
    throw new CliError(
      `${featuresName} was extracted with ${provenance.backbone.name ?? provenance.backbone.path} (SHA-256 ${provenance.backbone.sha256.slice(0, 12)}…, layer ${provenance.layer}) ` +
        `but ${modelName} was trained on ${bundle.backbone.name ?? bundle.backbone.path} (SHA-256 ${bundle.backbone.sha256.slice(0, 12)}…, layer ${bundle.layer}); re-extract with the model's backbone`,
    );
  }
  if (!samePreprocessing(provenance.preprocessing, bundle.preprocessing)) {
    throw new CliError(
      `${featuresName} was extracted with other preprocessing than ${modelName} was trained on (its resize, crop or normalization differ); ` +
        `re-extract the images, or evaluate them as images, which applies the model's recorded preprocessing`,
    );
  }
}

/** Returns the `--backbone` argument that reproduces the bundle's features: its registry name, else its path. */
export function bundleBackboneSpec(bundle: ModelBundle): string {
  return bundle.backbone.name ?? bundle.backbone.path;
}
