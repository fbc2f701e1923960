import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startHarness, type Harness } from './support/harness';
import { loadBackboneFromUrl, openApp, runStep } from './support/page';
import { sharedPath } from './support/shared';

const TFJS_MODEL_DIR = 'models/tfjs-mobilenet-v1-0.25-224';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.shutdown();
});

describe('page model loading', () => {
  it('loads dropped TF.js files', async () => {
    const folder = sharedPath(TFJS_MODEL_DIR);
    const files = readdirSync(folder)
      .filter((name) => name === 'model.json' || name.includes('shard'))
      .map((name) => join(folder, name));
    const page = await openApp(harness);

    await runStep(page, 'loading the TF.js files', () => page.setInputFiles('#model-files', files), 120_000);

    const info = await page.locator('#model-info').textContent();
    expect(info).toContain('Loaded model.json (tfjs');
    expect(info).toContain('input 224×224');
  });

  it('loads a TF.js model by URL', async () => {
    const page = await openApp(harness);
    await loadBackboneFromUrl(page, `/shared/${TFJS_MODEL_DIR}/model.json`);

    expect(await page.locator('#model-info').textContent()).toContain('(tfjs');
  });

  it('names a missing weight shard', async () => {
    const page = await openApp(harness);
    const before = Number((await page.locator('body').getAttribute('data-completed-steps')) ?? 0);

    await page.setInputFiles('#model-files', join(sharedPath(TFJS_MODEL_DIR), 'model.json'));
    await page.waitForFunction((count) => Number(document.body.dataset.completedSteps ?? 0) > count, before, { timeout: 60_000 });

    const message = await page.locator('#error').textContent();
    expect(message).toContain("model.json: cannot read weight shard 'group1-shard1of1': needs group1-shard1of1");
    expect(message).toContain('select it together with model.json');
  });
});
