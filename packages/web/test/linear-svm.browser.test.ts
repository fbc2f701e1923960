import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startHarness, type Harness } from './support/harness';
import { errorAfter, loadBackboneFromUrl, openApp, runStep } from './support/page';
import { sharedPath } from './support/shared';

// The 128-pixel MobileNetV1 0.25 keeps extraction on SwiftShader to a few seconds.
const SMALL_MODEL = 'models/coral/mobilenet_v1_0.25_128_quant.tflite';
const CLASSES = ['ants', 'bees'] as const;
// Another backbone, for the check that a head trained on SMALL_MODEL does not fit it.
const OTHER_MODEL = 'models/coral/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite';

function firstJpegs(split: 'train' | 'val', className: string, count: number): string[] {
  const folder = sharedPath(`datasets/hymenoptera/${split}/${className}`);
  return readdirSync(folder)
    .filter((name) => /\.jpe?g$/i.test(name))
    .sort()
    .slice(0, count)
    .map((name) => join(folder, name));
}

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.shutdown();
});

/** Opens the page and trains a linear SVM (C = 0.1, 2 folds) on 4 ants and 4 bees with SMALL_MODEL. */
async function trainSmallSvm(): Promise<Page> {
  const page = await openApp(harness);
  await loadBackboneFromUrl(page, `/shared/${SMALL_MODEL}`);
  for (const name of CLASSES) {
    await page.fill('#class-name', name);
    await runStep(page, `adding class ${name}`, () => page.click('#add-class'), 10_000);
    await runStep(page, `adding ${name} images`, () => page.setInputFiles(`input[type=file][data-class="${name}"]`, firstJpegs('train', name, 4)), 60_000);
  }
  await runStep(page, 'feature extraction', () => page.click('#extract'), 120_000);

  await page.selectOption('#head-kind', 'linear-svm');
  await page.fill('#head-c', '0.1');
  await page.fill('#cv-folds', '2');
  await runStep(page, 'training', () => page.click('#train'), 60_000);
  return page;
}

describe('page linear SVM head', () => {
  it('gives Platt probabilities and exports them', async () => {
    const page = await trainSmallSvm();
    const valPaths = CLASSES.flatMap((name) => firstJpegs('val', name, 2));
    await runStep(page, 'classification', () => page.setInputFiles('#classify-files', valPaths), 120_000);
    const rows = await page.$$eval('#predictions tbody tr', (elements) =>
      elements.map((row) => ({
        label: row.getAttribute('data-label')!,
        probabilities: [...row.querySelectorAll('td')].slice(2).map((cell) => Number(cell.textContent)),
      })),
    );

    expect(rows).toHaveLength(valPaths.length);
    for (const row of rows) {
      // Probabilities are printed with 3 decimals, so their sum is within 2 × 0.0005 of 1
      // (plus float64 rounding of the parsed values).
      expect(Math.abs(row.probabilities[0]! + row.probabilities[1]! - 1)).toBeLessThanOrEqual(0.001 + 1e-9);
      expect(row.label).toBe(row.probabilities[0]! >= row.probabilities[1]! ? 'ants' : 'bees');
    }
    expect(await page.locator('#confusion-matrix tbody tr').count()).toBe(CLASSES.length);

    const download = page.waitForEvent('download');
    await page.click('#export-bundle');
    const bundle = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
    expect(bundle.format).toBe('offshelf-model');
    expect(bundle.classNames).toEqual([...CLASSES]);
    expect(bundle.head.kind).toBe('linear-svm');
    expect(bundle.training.head).toBe('linear-svm C=0.1');
  });

  it('keeps the head through failed steps', async () => {
    const page = await trainSmallSvm();
    const valPaths = CLASSES.flatMap((name) => firstJpegs('val', name, 2));

    // A drop with an undecodable file classifies the images that decode and names the other.
    const goodImage = { name: 'val.jpg', mimeType: 'image/jpeg', buffer: readFileSync(valPaths[0]!) };
    const badImage = { name: 'truncated.jpg', mimeType: 'image/jpeg', buffer: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]) };
    const skipped = await errorAfter(page, () => page.setInputFiles('#classify-files', [goodImage, badImage]), 120_000);
    expect(skipped).toContain('skipped 1 of 2 files');
    expect(skipped).toContain('truncated.jpg');
    expect(await page.locator('#predictions tbody tr').count()).toBe(1);
    expect(await page.locator('#classify-status').textContent()).toMatch(/^1 image classified in /);
    // Classifying leaves the count of the training images' extraction in place.
    expect(await page.locator('#extract-status').textContent()).toMatch(/^\d+ images extracted in /);

    // More folds than a class has images: named before any training.
    await page.fill('#cv-folds', '5');
    const folds = await errorAfter(page, () => page.click('#train'));
    expect(folds).toBe('class "ants" has 4 images, fewer than the 5 folds: lower the folds or add images');

    // Loading another backbone keeps the head and reports that it does not fit.
    await page.fill('#model-url', `/shared/${OTHER_MODEL}`);
    const mismatch = await errorAfter(page, () => page.click('#model-url-load'), 120_000);
    expect(mismatch).toMatch(/^the head for ants, bees cannot classify with \S*mobilenet_v1_1\.0_224_quant_embedding_extractor\.tflite: the bundle was trained on /);
    expect(await page.locator('#bundle-status').textContent()).toBe('the head for ants, bees does not fit this backbone');
  });
});
