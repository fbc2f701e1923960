/**
 * Feature extraction over a list of image files, in batches: read, hash, look up
 * the cache, decode the misses, run them through the backbone, store the results.
 * Unreadable images are skipped (or fatal with `strict`), Ctrl-C stops after the
 * current batch.
 */
import type { RgbaImage } from '@offshelf/backbone';

import type { FeatureExtractor } from '../backbone/open-backbone';
import { CliError, InterruptedError } from '../errors';
import { decodeImageBytes, DEFAULT_MAX_PIXELS, ImageDecodeError, readImageBytes } from '../images/decode';
import { interruptRequested } from '../interrupt';
import { sha256Hex } from '../registry/hash';
import { createProgress } from '../ui/progress';
import type { SkippedFile } from './dataset';
import type { FeatureCache } from './feature-cache';

export interface ExtractFeaturesOptions {
  batchSize: number;
  cache?: FeatureCache;
  /** Fail on the first unreadable image instead of skipping it. */
  strict?: boolean;
  quiet?: boolean;
  maxPixels?: number;
  /** Called once per skipped file, as it is skipped. */
  onSkip?: (skip: SkippedFile) => void;
  label?: string;
  /** The backbone's name or path, for the error about features that are not finite. */
  backboneName?: string;
}

export interface ExtractedFeatures {
  /** Row-major N × featureSize, one row per kept path. */
  features: Float32Array;
  featureSize: number;
  /** Indices into the input paths of the rows of `features`. */
  kept: number[];
  skipped: SkippedFile[];
  cacheHits: number;
  seconds: number;
}

type Prepared = { index: number; sha256: string; cached?: Float32Array; image?: RgbaImage } | { index: number; skip: SkippedFile };

/** Reads, hashes, looks up and (on a cache miss) decodes one file. */
async function prepareImage(path: string, index: number, options: ExtractFeaturesOptions): Promise<Prepared> {
  try {
    const bytes = await readImageBytes(path);
    const sha256 = sha256Hex(bytes);
    const cached = await options.cache?.get(sha256);
    if (cached) return { index, sha256, cached };
    return { index, sha256, image: await decodeImageBytes(bytes, path, options.maxPixels ?? DEFAULT_MAX_PIXELS) };
  } catch (error) {
    if (!(error instanceof ImageDecodeError)) throw error;
    return { index, skip: { path, reason: error.message.slice(path.length + 2) } };
  }
}

/**
 * Rejects a feature row with NaN or infinite values. A readable image gives finite pixels, so such
 * values come from the backbone (its weights, or an overflow in float16), not from the image.
 */
function checkFinite(row: Float32Array, path: string, backboneName = 'the backbone'): void {
  const index = row.findIndex((value) => !Number.isFinite(value));
  if (index === -1) return;
  throw new CliError(
    `${backboneName} gave feature ${index} = ${row[index]} for ${path}: the model computes values that are not finite ` +
      '(check its weights, or run with --weights f32 where it ran with f16); nothing was written',
  );
}

function prepareBatch(paths: string[], start: number, options: ExtractFeaturesOptions): Promise<Prepared[]> {
  const indices = Array.from({ length: Math.min(options.batchSize, paths.length - start) }, (_, i) => start + i);
  return Promise.all(indices.map((index) => prepareImage(paths[index]!, index, options)));
}

/** Extracts one feature row per readable image in `paths`. */
export async function extractFeatures(paths: string[], extractor: FeatureExtractor, options: ExtractFeaturesOptions): Promise<ExtractedFeatures> {
  const featureSize = extractor.featureSize;
  const rows = new Map<number, Float32Array>();
  const skipped: SkippedFile[] = [];
  let cacheHits = 0;
  const startTime = performance.now();
  const progress = createProgress({ label: options.label ?? 'extracting', total: paths.length, rateUnit: 'img/s', quiet: options.quiet });

  try {
    // Decode the next batch on the thread pool while the GPU runs the current one.
    let nextBatch = paths.length > 0 ? prepareBatch(paths, 0, options) : undefined;
    for (let start = 0; start < paths.length; start += options.batchSize) {
      const batch = await nextBatch!;
      const nextStart = start + options.batchSize;
      nextBatch = nextStart < paths.length ? prepareBatch(paths, nextStart, options) : undefined;
      // An unawaited rejection must not crash the process before we reach it.
      nextBatch?.catch(() => undefined);

      const toRun: Array<{ index: number; sha256: string; image: RgbaImage }> = [];
      // The batch is in input order, so --strict stops at the first unreadable file of the list.
      for (const item of batch) {
        if ('skip' in item && options.strict) {
          throw new CliError(`${item.skip.path}: ${item.skip.reason} (--strict makes unreadable images fatal; drop --strict to skip them)`);
        }
        if ('skip' in item) {
          skipped.push(item.skip);
          options.onSkip?.(item.skip);
        } else if (item.cached) {
          rows.set(item.index, item.cached);
          cacheHits++;
        } else {
          toRun.push({ index: item.index, sha256: item.sha256, image: item.image! });
        }
      }

      if (toRun.length > 0) {
        const outputs = await extractor.extract(toRun.map((item) => item.image));
        for (const [i, item] of toRun.entries()) {
          const row = outputs[i]!;
          if (row.length !== featureSize) throw new Error(`feature extractor returned ${row.length} values for ${paths[item.index]}, expected ${featureSize}`);
          checkFinite(row, paths[item.index]!, options.backboneName);
          rows.set(item.index, row);
          await options.cache?.put(item.sha256, row);
        }
      }

      progress.increment(batch.length);
      if (interruptRequested()) throw new InterruptedError();
    }
  } finally {
    progress.stop();
  }

  const kept = [...rows.keys()].sort((a, b) => a - b);
  const features = new Float32Array(kept.length * featureSize);
  for (const [row, index] of kept.entries()) features.set(rows.get(index)!, row * featureSize);

  return { features, featureSize, kept, skipped, cacheHits, seconds: (performance.now() - startTime) / 1000 };
}
