import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Preprocessing } from '@offshelf/backbone';
import { afterAll, describe, expect, it } from 'vitest';

import { FeatureCache, type FeatureCacheKey } from '../src/data/feature-cache';

const folder = mkdtempSync(join(tmpdir(), 'offshelf-feature-cache-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const preprocessing: Preprocessing = {
  height: 224, width: 224, sourceLayout: 'NCHW', channelOrder: 'RGB', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], resize: { mode: 'stretch' },
};
const key: FeatureCacheKey = { backboneSha256: 'a'.repeat(64), layer: 'features', preprocessing, weightPrecision: 'f32' };
const imageSha256 = 'b'.repeat(64);

describe('FeatureCache', () => {
  it('returns what it stored', async () => {
    const cache = new FeatureCache(folder, key, 3);
    await cache.put(imageSha256, Float32Array.of(1, 2, 3));
    expect(Array.from((await cache.get(imageSha256))!)).toEqual([1, 2, 3]);
  });

  it('misses an entry of another length', async () => {
    const cache = new FeatureCache(folder, key, 4);
    expect(await cache.get(imageSha256)).toBeUndefined();
  });

  it('warns once when the cache cannot be written', async (context) => {
    if (!existsSync('/proc/self')) context.skip('no /proc on this system');
    const warnings: string[] = [];
    const cache = new FeatureCache('/proc/offshelf-cache', key, 3, (message) => warnings.push(message));
    await cache.put(imageSha256, Float32Array.of(1, 2, 3));
    await cache.put('c'.repeat(64), Float32Array.of(1, 2, 3));

    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^cannot write \/proc\/offshelf-cache\/features\/.*\.f32: set OFFSHELF_CACHE to a folder you can write to, or pass --no-cache \(/);
    expect(warnings[0]).toMatch(/; going on without storing features in the cache$/);
  });

  it('misses an entry with NaN values', async () => {
    const cache = new FeatureCache(folder, key, 3);
    await cache.put(imageSha256, Float32Array.of(1, Number.NaN, 3));
    expect(await cache.get(imageSha256)).toBeUndefined();
  });
});
