/**
 * Cached feature vectors, one file per image, keyed by everything that determines
 * them: the backbone file's SHA-256, the layer, the preprocessing, the weight precision,
 * the code that computed them and the image file's own SHA-256. A rerun over unchanged images
 * skips decoding and the GPU.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Preprocessing, WeightPrecision } from '@offshelf/backbone';

import { writeFileAtomic } from '../io/atomic-write';
import { sha256Hex } from '../registry/hash';

export interface FeatureCacheKey {
  backboneSha256: string;
  layer: string;
  preprocessing: Preprocessing;
  /** f16 weights give slightly different features than f32 ones. */
  weightPrecision: WeightPrecision;
}

/**
 * SHA-256 of the running CLI bundle, so features computed by an older (or a broken
 * in-between) build of the runner are never reused. Read at startup, because a
 * rebuild may replace the file while this process runs. Run from sources (tests),
 * it hashes this module only.
 */
const CODE_VERSION = sha256Hex(readFileSync(fileURLToPath(import.meta.url)));

export class FeatureCache {
  private readonly folder: string;
  /** False after a write failed: the cache is optional, so the run goes on without storing. */
  private writable = true;

  /** `warn` receives the one message of a failed write (default: a warning line on stderr). */
  constructor(
    cacheRoot: string,
    key: FeatureCacheKey,
    readonly featureSize: number,
    private readonly warn: (message: string) => void = (message) => process.stderr.write(`warning: ${message}\n`),
  ) {
    const extractorKey = sha256Hex(JSON.stringify([key.backboneSha256, key.layer, key.preprocessing, key.weightPrecision, CODE_VERSION]));
    this.folder = join(cacheRoot, 'features', extractorKey);
  }

  private pathFor(imageSha256: string): string {
    return join(this.folder, imageSha256.slice(0, 2), `${imageSha256}.f32`);
  }

  /**
   * Returns the cached features of an image, or undefined for a miss and for a damaged entry (of
   * another length, or with values that are not finite), which is then computed and stored again.
   */
  async get(imageSha256: string): Promise<Float32Array | undefined> {
    const bytes = await readFile(this.pathFor(imageSha256)).catch(() => undefined);
    if (!bytes || bytes.byteLength !== this.featureSize * 4) return undefined;
    const features = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return features.every(Number.isFinite) ? features : undefined;
  }

  /** Stores an image's features. A failed write warns once and turns storing off for this run. */
  async put(imageSha256: string, features: Float32Array): Promise<void> {
    if (!this.writable) return;
    const bytes = new Uint8Array(features.buffer, features.byteOffset, features.byteLength);
    try {
      await writeFileAtomic(this.pathFor(imageSha256), bytes, 'set OFFSHELF_CACHE to a folder you can write to, or pass --no-cache');
    } catch (error) {
      this.writable = false;
      this.warn(`${(error as Error).message}; going on without storing features in the cache`);
    }
  }
}
