import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startHarness, type Harness } from './support/harness';
import { errorAfter, loadBackboneFromUrl, openApp } from './support/page';
import { sharedPath } from './support/shared';

// The 128-pixel MobileNetV1 0.25: the fastest model to import and run on SwiftShader.
const SMALL_MODEL = 'models/coral/mobilenet_v1_0.25_128_quant.tflite';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.shutdown();
});

describe('page error reporting', () => {
  it('reports a browser without WebGPU', async () => {
    const page = await harness.context.newPage();
    try {
      await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
      await page.goto(`${harness.server.url}/`);
      await page.waitForFunction(() => document.getElementById('device-status')?.dataset.ready === 'false');

      const message = await page.locator('#error').textContent();
      expect(message).toContain('WebGPU is not available');
      expect(message).toContain('--enable-unsafe-webgpu');
    } finally {
      await page.close();
    }
  });

  it('reports an unsupported model file', async () => {
    const page = await openApp(harness);
    const message = await errorAfter(page, () =>
      page.setInputFiles('#model-files', { name: 'weights.bin', mimeType: 'application/octet-stream', buffer: Buffer.from([1, 2, 3, 4]) }),
    );
    expect(message).toContain('unsupported model file (weights.bin)');
    expect(await page.locator('#model-info').textContent()).toBe('No backbone loaded.');
  });

  it('reports a model file with invalid content', async () => {
    const page = await openApp(harness);
    const message = await errorAfter(page, () =>
      page.setInputFiles('#model-files', { name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('not a model') }),
    );
    expect(message).toContain('broken.onnx');
  });

  it('skips an undecodable image by name', async () => {
    const page = await openApp(harness);
    await page.fill('#class-name', 'cats');
    await page.click('#add-class');
    await page.waitForSelector('input[type=file][data-class="cats"]');

    const goodImage = { name: 'cat.bmp', mimeType: 'image/bmp', buffer: readFileSync(sharedPath('images/open-images/cat.bmp')) };
    const badImage = { name: 'truncated.jpg', mimeType: 'image/jpeg', buffer: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]) };
    const message = await errorAfter(page, () => page.setInputFiles('input[type=file][data-class="cats"]', [goodImage, badImage]));

    expect(message).toContain('skipped 1 of 2 files');
    expect(message).toContain('truncated.jpg');
    expect(await page.locator('.class-card[data-class="cats"] h3').textContent()).toContain('1 image (');
  });

  it('recovers from a lost device', async () => {
    const page = await openApp(harness);
    await loadBackboneFromUrl(page, `/shared/${SMALL_MODEL}`);
    const image = { width: 2, height: 2, url: '/test/pixels/gray.rgba' };
    harness.server.setRoute(image.url, new Uint8Array(16).fill(128));
    const extract = () => page.evaluate((reference) => (globalThis as unknown as { offshelf: { extractRawImages: Function } }).offshelf.extractRawImages([reference]), image);

    const before = (await extract()) as number[][];
    await page.evaluate(() => (globalThis as unknown as { offshelf: { loseDevice: Function } }).offshelf.loseDevice());
    await expect.poll(() => page.locator('#error').textContent()).toContain('WebGPU device lost');
    const after = (await extract()) as number[][];

    // Oracle: the same extraction before the loss; a new device runs the same kernels.
    expect(after[0]).toHaveLength(before[0]!.length);
    expect(after[0]).toEqual(before[0]);
  });
});
