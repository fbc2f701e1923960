/**
 * Model bundles in the CLI's format (`offshelf train` writes them, `offshelf classify`
 * reads them): one JSON object
 * { "format": "offshelf-model", "version": 1, "classNames": [...],
 *   "backbone": { "name"?, "path", "sha256" }, "layer", "preprocessing", "featureSize",
 *   "head": { ...offshelf-head JSON, trained on class indices... }, "training": { ... } }.
 * The page records the model's file name or URL as `backbone.path`, so the CLI needs
 * `--backbone FILE` to classify with a bundle exported here.
 */
import { samePreprocessing, type Preprocessing } from '@offshelf/backbone';
import { describeFormatField, type HeadJson } from '@offshelf/heads';

import type { BackboneInfo } from './backbone-session';
import type { CrossValidationResult, HeadSettings } from './training-protocol';

export const BUNDLE_FORMAT = 'offshelf-model';
export const BUNDLE_VERSION = 1;

/** A trained head with the class names and the backbone its features came from. */
export interface TrainedModel {
  head: HeadJson;
  /** Class names by class index (the head's labels). */
  classNames: string[];
  backbone: { name?: string; path: string; sha256: string };
  layer: string;
  featureSize: number;
  preprocessing: Preprocessing;
  crossValidation?: CrossValidationResult;
  /** The bundle's `training` record, kept as read so a re-export loses nothing. */
  training: Record<string, unknown>;
}

/** The bundle file as JSON. */
export interface ModelBundle {
  format: typeof BUNDLE_FORMAT;
  version: number;
  classNames: string[];
  backbone: TrainedModel['backbone'];
  layer: string;
  preprocessing: Preprocessing;
  featureSize: number;
  head: HeadJson;
  training: Record<string, unknown>;
}

/** Describes a page-trained head in the bundle's `training` record, as the CLI does. */
export function trainingRecord(settings: HeadSettings, images: number, crossValidation: CrossValidationResult): Record<string, unknown> {
  const { foldAccuracies } = crossValidation;
  const mean = crossValidation.accuracy;
  const std = Math.sqrt(foldAccuracies.reduce((sum, value) => sum + (value - mean) ** 2, 0) / foldAccuracies.length);
  return {
    input: 'offshelf web page',
    images,
    head: `${settings.kind} C=${settings.C}`,
    crossValidation: { folds: settings.folds, accuracy: mean, std, foldAccuracies },
    createdAt: new Date().toISOString(),
  };
}

/** Builds the bundle for a head trained on the page's backbone. */
export function createBundle(trained: TrainedModel): ModelBundle {
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    classNames: trained.classNames,
    backbone: trained.backbone,
    layer: trained.layer,
    preprocessing: trained.preprocessing,
    featureSize: trained.featureSize,
    head: trained.head,
    training: trained.training,
  };
}

/** Returns the bundle's backbone record for a head trained on `info`. */
export function backboneRecord(info: BackboneInfo): TrainedModel['backbone'] {
  return { path: info.source, sha256: info.sha256 };
}

/** Parses and checks a bundle file, with the same checks as the CLI's reader. */
export function parseBundle(text: string, fileName: string): TrainedModel {
  let bundle: ModelBundle;
  try {
    bundle = JSON.parse(text) as ModelBundle;
  } catch {
    throw new Error(`${fileName}: not valid JSON; import a bundle exported by this page or written by \`offshelf train\``);
  }
  if (bundle?.format !== BUNDLE_FORMAT) {
    throw new Error(`${fileName}: not an offshelf model bundle (${describeFormatField(bundle)}, expected "${BUNDLE_FORMAT}")`);
  }
  if (bundle.version !== BUNDLE_VERSION) {
    const newer = typeof bundle.version === 'number' && bundle.version > BUNDLE_VERSION;
    const fix = newer ? 'a newer offshelf wrote it, so reload a newer version of this page or retrain the model here' : 'retrain the model';
    throw new Error(`${fileName}: bundle format version ${JSON.stringify(bundle.version)} is not supported (this page reads version ${BUNDLE_VERSION}); ${fix}`);
  }
  if (!Array.isArray(bundle.classNames) || !bundle.backbone?.sha256 || !bundle.head || !bundle.layer || !bundle.featureSize) {
    throw new Error(`${fileName}: the bundle is incomplete (classNames, backbone, layer, featureSize or head missing); retrain it`);
  }

  return {
    head: bundle.head,
    classNames: bundle.classNames.map(String),
    backbone: bundle.backbone,
    layer: bundle.layer,
    featureSize: bundle.featureSize,
    preprocessing: bundle.preprocessing,
    training: bundle.training ?? {},
  };
}

/** Rejects a bundle whose features came from another backbone file or layer than the loaded one. */
export function checkBundleBackbone(trained: TrainedModel, info: BackboneInfo): void {
  const expected = trained.backbone.name ?? trained.backbone.path;
  if (trained.backbone.sha256 !== info.sha256) {
    throw new Error(
      `the bundle was trained on ${expected} (SHA-256 ${trained.backbone.sha256.slice(0, 12)}…), ` +
        `but the loaded backbone ${info.source} has SHA-256 ${info.sha256.slice(0, 12)}…: load the bundle's backbone file`,
    );
  }
  if (trained.layer !== info.layer || trained.featureSize !== info.featureSize) {
    throw new Error(
      `the bundle uses layer ${trained.layer} (${trained.featureSize} features), but the page extracts ${info.layer} ` +
        `(${info.featureSize} features) from this backbone: retrain the head on the page`,
    );
  }
  // Bundles written before a change of offshelf's defaults for a model record the old recipe.
  if (trained.preprocessing !== undefined && !samePreprocessing(trained.preprocessing, info.preprocessing)) {
    throw new Error('the bundle was trained with other preprocessing (resize, crop or normalization) than the page applies to this backbone: retrain the head on the page');
  }
}
