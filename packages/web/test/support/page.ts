import type { Page } from 'playwright-core';

import type { Harness } from './harness';

/** Opens the app, waits for its WebGPU device and fails with the page's message when there is none. */
export async function openApp(harness: Harness): Promise<Page> {
  const { page } = harness;
  await page.goto(`${harness.server.url}/`);
  await page.waitForFunction(() => document.getElementById('device-status')?.dataset.ready !== undefined);

  const ready = await page.locator('#device-status').getAttribute('data-ready');
  if (ready !== 'true') {
    const message = await page.locator('#error').textContent();
    throw new Error(`the page got no WebGPU device: ${message}\n${harness.log.join('\n')}`);
  }
  return page;
}

async function completedSteps(page: Page): Promise<number> {
  return Number((await page.locator('body').getAttribute('data-completed-steps')) ?? 0);
}

/**
 * Performs one user action that starts a page step (click, file pick) and waits until
 * the step has finished; fails with the page's error box text when it shows one.
 */
export async function runStep(page: Page, name: string, action: () => Promise<void>, timeout: number): Promise<void> {
  const before = await completedSteps(page);
  await action();
  await page.waitForFunction((count) => Number(document.body.dataset.completedSteps ?? 0) > count, before, { timeout, polling: 250 });

  if (await page.locator('#error').isVisible()) {
    throw new Error(`${name} failed on the page: ${await page.locator('#error').textContent()}`);
  }
}

/** Performs an action that should fail and returns the text of the page's error box. */
export async function errorAfter(page: Page, action: () => Promise<void>, timeout = 60_000): Promise<string> {
  const before = await completedSteps(page);
  await action();
  await page.waitForFunction((count) => Number(document.body.dataset.completedSteps ?? 0) > count, before, { timeout, polling: 250 });
  if (!(await page.locator('#error').isVisible())) throw new Error('the step finished without an error on the page');
  return (await page.locator('#error').textContent()) ?? '';
}

/** Loads a backbone through the URL field, with a path on the test server. */
export async function loadBackboneFromUrl(page: Page, url: string, timeout = 120_000): Promise<void> {
  await page.fill('#model-url', url);
  await runStep(page, `loading ${url}`, () => page.click('#model-url-load'), timeout);
}
