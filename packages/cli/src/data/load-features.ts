/**
 * Features for `extract`, `train`, `evaluate` and `classify`: read from a
 * features file, or computed from images with a backbone (through the cache).
 */
import type { Preprocessing, WeightPrecision } from '@offshelf/backbone';

import type { PreprocessingOverrides } from '../backbone/preprocessing-options';
import { openBackbone } from '../backbone/open-backbone';
import { CliError } from '../errors';
import { READABLE_IMAGE_FORMATS } from '../images/decode';
import { resolveDataset } from '../registry/datasets';
import type { TuningMode } from '../tuning/tuning-mode';
import { cacheFolder } from '../registry/paths';
import type { Log } from '../ui/log';
import { formatCount } from '../ui/plural';
import { readDataset, type SkippedFile } from './dataset';
import { extractFeatures, type ExtractedFeatures } from './extract-features';
import { FeatureCache } from './feature-cache';
import { isFeaturesFile, readFeaturesFile, type FeatureProvenance, type LabelledFeatures } from './features-file';

export interface ExtractionSettings {
  /** `--backbone`: a file or registry name. */
  backbone: string;
  layer?: string;
  arch?: string;
  batchSize: number;
  strict?: boolean;
  quiet?: boolean;
  /** Skip the feature cache (`--no-cache`). */
  noCache?: boolean;
  /** When set, the resolved backbone must have this SHA-256 (a model bundle's). */
  expectedSha256?: string;
  /** `--tuning`: how the kernel tuning cache is used (default: `OFFSHELF_TUNING`, else use). */
  tuningMode?: TuningMode;
  /** Preprocessing in place of the model's own: a model bundle's, so features match its training. */
  preprocessing?: Preprocessing;
  /** Source of `preprocessing`, such as a bundle's path, named in errors. */
  preprocessingOrigin?: string;
  /** `--mean`, `--std` and `--resize`, applied to the model's own recipe. */
  preprocessingOverrides?: PreprocessingOverrides;
  /** `--weights`: storage type of the backbone weights on the GPU (default f32). */
  weightPrecision?: WeightPrecision;
  /** Source of `weightPrecision` named in errors, such as a model bundle (default `--weights <precision>`). */
  weightPrecisionOrigin?: string;
}

export interface ImageFeatures {
  provenance: FeatureProvenance;
  result: ExtractedFeatures;
}

/** Extracts features of image files, reporting skips as they happen and a summary line at the end. */
export async function extractImageFeatures(paths: string[], settings: ExtractionSettings, log: Log, listingSkips = 0): Promise<ImageFeatures> {
  // The network is planned for a whole batch, so fewer images than --batch-size take a smaller one.
  const batchSize = Math.max(1, Math.min(settings.batchSize, paths.length));
  const backbone = await openBackbone(settings.backbone, {
    layer: settings.layer,
    batchSize,
    arch: settings.arch,
    quiet: settings.quiet,
    expectedSha256: settings.expectedSha256,
    tuningMode: settings.tuningMode,
    weightPrecision: settings.weightPrecision,
    weightPrecisionOrigin: settings.weightPrecisionOrigin,
    preprocessing: settings.preprocessing,
    preprocessingOrigin: settings.preprocessingOrigin,
    preprocessingOverrides: settings.preprocessingOverrides,
  });
  try {
    const provenance: FeatureProvenance = {
      backbone: { ...(backbone.model.registryName ? { name: backbone.model.registryName } : {}), path: backbone.model.path, sha256: backbone.model.sha256 },
      layer: backbone.layer,
      preprocessing: backbone.extractor.preprocessing,
      featureSize: backbone.extractor.featureSize,
      weightPrecision: backbone.extractor.weightPrecision,
    };
    const cache = settings.noCache
      ? undefined
      : new FeatureCache(
          cacheFolder(),
          { backboneSha256: provenance.backbone.sha256, layer: provenance.layer, preprocessing: provenance.preprocessing, weightPrecision: backbone.extractor.weightPrecision },
          provenance.featureSize,
          (message) => log.warn(message),
        );

    const result = await extractFeatures(paths, backbone.extractor, {
      batchSize,
      cache,
      strict: settings.strict,
      quiet: settings.quiet,
      onSkip: (skip) => log.warn(`skipped ${skip.path}: ${skip.reason}`),
      backboneName: provenance.backbone.name ?? provenance.backbone.path,
    });

    if (result.kept.length === 0) {
      const first = result.skipped[0];
      throw new CliError(
        `no readable images: ${formatCount(listingSkips + result.skipped.length, 'file')} skipped (see the warnings above)` +
          (first ? `, the first unreadable image ${first.path}` : '') +
          `; pass ${READABLE_IMAGE_FORMATS} files`,
      );
    }
    const computed = result.kept.length - result.cacheHits;
    const rate = result.seconds > 0 ? (result.kept.length / result.seconds).toFixed(1) : '-';
    log.info(
      `features: ${formatCount(result.kept.length, 'image')} × ${result.featureSize} from ${provenance.backbone.name ?? provenance.backbone.path} (layer ${provenance.layer}); ` +
        `${computed} computed, ${result.cacheHits} from cache, ${listingSkips + result.skipped.length} skipped; ${result.seconds.toFixed(1)} s, ${rate} img/s`,
    );
    return { provenance, result };
  } finally {
    backbone.close();
  }
}

/** Reports files skipped while listing, or fails on the first with `strict`. */
export function reportListingSkips(skipped: SkippedFile[], strict: boolean | undefined, log: Log): void {
  for (const skip of skipped) {
    if (strict) throw new CliError(`${skip.path}: ${skip.reason}; --strict stops at the first unreadable file, so remove this one or run without --strict to skip it`);
    log.warn(`skipped ${skip.path}: ${skip.reason}`);
  }
}

/**
 * Extracts labelled features from a data set (folder, CSV or registry name). `checkClasses` runs
 * on the data set's class names before any image is read, so a mismatch fails before the backbone runs.
 */
export async function extractDatasetFeatures(
  datasetSpec: string, settings: ExtractionSettings, log: Log, checkClasses?: (classNames: string[]) => void,
): Promise<LabelledFeatures> {
  const datasetPath = await resolveDataset(datasetSpec, { quiet: settings.quiet });
  const dataset = await readDataset(datasetPath, datasetSpec);
  checkClasses?.(dataset.classNames);
  reportListingSkips(dataset.skipped, settings.strict, log);

  const paths = dataset.images.map((image) => image.path);
  const { provenance, result } = await extractImageFeatures(paths, settings, log, dataset.skipped.length);
  return {
    provenance,
    classNames: dataset.classNames,
    paths: result.kept.map((index) => paths[index]!),
    features: result.features,
    labels: Int32Array.from(result.kept, (index) => dataset.images[index]!.label),
  };
}

/** Reads a features file, or extracts features from a data set. */
export async function loadLabelledFeatures(spec: string, settings: ExtractionSettings, log: Log): Promise<LabelledFeatures> {
  if (isFeaturesFile(spec)) return readFeaturesFile(spec);
  return extractDatasetFeatures(spec, settings, log);
}
