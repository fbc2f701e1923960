import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startHarness, type Harness } from './support/harness';
import { loadBackboneFromUrl, openApp, runStep } from './support/page';
import { sharedPath } from './support/shared';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SCREENSHOT = join(repoRoot, 'docs/img/web-app.png');

const MODEL = 'models/onnx/mobilenet_v2_1.0_224_coral.onnx';
const DATASET = 'datasets/hymenoptera';
const CLASSES = ['ants', 'bees'] as const;
const TRAIN_PER_CLASS = 10;
const VAL_PER_CLASS = 10;

/** Extraction of 40 images on SwiftShader and on lavapipe: minutes, not seconds. */
const STEP_TIMEOUT = 600_000;

/** Lists the first `count` JPEGs of a class folder in name order (the set also has a placeholder GIF). */
function firstJpegs(split: 'train' | 'val', className: string, count: number): string[] {
  const folder = sharedPath(`${DATASET}/${split}/${className}`);
  const names = readdirSync(folder).filter((name) => /\.jpe?g$/i.test(name)).sort();
  return names.slice(0, count).map((name) => join(folder, name));
}

/** Runs the offshelf CLI as `pnpm cli` does, with its feature cache in the test's temporary folder. */
async function runCli(args: string[]): Promise<string> {
  const { stdout } = await run('node', [join(repoRoot, 'packages/cli/scripts/dev.mjs'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, OFFSHELF_CACHE: join(workDir, 'cache') },
    maxBuffer: 16 * 1024 * 1024,
    timeout: STEP_TIMEOUT,
  });
  return stdout;
}

/** Runs one step and prints how long it took, so slow steps show in the test output. */
async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await step();
  console.log(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

let harness: Harness;
let workDir: string;
beforeAll(async () => {
  harness = await startHarness();
  workDir = mkdtempSync(join(tmpdir(), 'offshelf-web-train-'));
});
afterAll(async () => {
  await harness?.shutdown();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('page training', () => {
  it('trains and exports a CLI bundle', { timeout: 3 * STEP_TIMEOUT }, async () => {
    const train = Object.fromEntries(CLASSES.map((name) => [name, firstJpegs('train', name, TRAIN_PER_CLASS)]));
    const val = CLASSES.flatMap((name) => firstJpegs('val', name, VAL_PER_CLASS).map((path) => ({ path, label: name })));
    const page = await openApp(harness);

    // Backbone, classes and images, through the page's own controls.
    await loadBackboneFromUrl(page, `/shared/${MODEL}`);
    for (const name of CLASSES) {
      await page.fill('#class-name', name);
      await runStep(page, `adding class ${name}`, () => page.click('#add-class'), 10_000);
      const input = `input[type=file][data-class="${name}"]`;
      await runStep(page, `adding ${name} images`, () => page.setInputFiles(input, train[name]!), 60_000);
    }

    await timed('page: extract 20 training images', () => runStep(page, 'feature extraction', () => page.click('#extract'), STEP_TIMEOUT));
    await runStep(page, 'training', () => page.click('#train'), 60_000);
    const crossValidationAccuracy = Number(await page.locator('#cv-accuracy').getAttribute('data-accuracy'));

    const valPaths = val.map((entry) => entry.path);
    await timed('page: classify 20 validation images', () =>
      runStep(page, 'classification', () => page.setInputFiles('#classify-files', valPaths), STEP_TIMEOUT),
    );
    const pageLabels = await readPredictions(page);

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    const download = page.waitForEvent('download');
    await page.click('#export-bundle');
    const pageBundle = join(workDir, 'page-bundle.json');
    await (await download).saveAs(pageBundle);

    // The CLI on the same 10 + 10 training images (symlinked into a class-per-folder tree).
    const trainDir = join(workDir, 'train');
    for (const name of CLASSES) {
      mkdirSync(join(trainDir, name), { recursive: true });
      for (const path of train[name]!) symlinkSync(path, join(trainDir, name, path.split('/').pop()!));
    }
    const cliBundle = join(workDir, 'cli-bundle.json');
    await timed('CLI: train', () => runCli(['train', trainDir, '--backbone', sharedPath(MODEL), '--head', 'logreg', '--C', '1', '--output', cliBundle]));

    const cliLabels = await timed('CLI: classify with its bundle', () => classifyWithCli(cliBundle, valPaths));

    // The CLI's bundle imported into the page labels the same images as the CLI does.
    await runStep(page, 'importing the CLI bundle', () => page.setInputFiles('#import-bundle', cliBundle), 10_000);
    await timed("page: classify with the CLI's bundle", () =>
      runStep(page, 'classification with the CLI bundle', () => page.setInputFiles('#classify-files', valPaths), STEP_TIMEOUT),
    );
    const pageLabelsWithCliBundle = await readPredictions(page);
    // The page records the model's URL, so the CLI gets the file (same SHA-256) with --backbone.
    const cliLabelsWithPageBundle = await timed("CLI: classify with the page's bundle", () =>
      classifyWithCli(pageBundle, valPaths, ['--backbone', sharedPath(MODEL)]),
    );

    const fileName = (path: string) => path.split('/').pop()!;
    const accuracy = (labels: Map<string, string>) => val.filter((entry) => labels.get(fileName(entry.path)) === entry.label).length / val.length;
    const summary = `page: cross-validation ${crossValidationAccuracy}, val ${accuracy(pageLabels)}; CLI val ${accuracy(cliLabels)}`;

    console.log(summary);

    expect(pageLabels.size, summary).toBe(val.length);
    expect(crossValidationAccuracy, summary).toBeGreaterThan(0.5);
    // A linear head on raw pixels reaches about 0.59 on this data set and one on correct
    // MobileNetV2 features about 0.95 (full training split), so broken features fall below.
    expect(accuracy(pageLabels), summary).toBeGreaterThanOrEqual(0.75);
    // Oracle: the CLI trained on the same subset; the page must do at least as well.
    expect(accuracy(pageLabels), summary).toBeGreaterThanOrEqual(accuracy(cliLabels));
    for (const entry of val) {
      expect(pageLabelsWithCliBundle.get(fileName(entry.path)), `${fileName(entry.path)}: page label with the CLI's bundle`).toBe(
        cliLabels.get(fileName(entry.path)),
      );
    }
    for (const entry of val) {
      expect(cliLabelsWithPageBundle.get(fileName(entry.path)), `${fileName(entry.path)}: CLI label with the page's bundle`).toBe(
        pageLabels.get(fileName(entry.path)),
      );
    }
  });
});

/** Reads the page's prediction table as file name → label. */
async function readPredictions(page: Page): Promise<Map<string, string>> {
  const rows = await page.$$eval('#predictions tbody tr', (elements) =>
    elements.map((row) => [row.getAttribute('data-file')!, row.getAttribute('data-label')!] as const),
  );
  return new Map(rows);
}

/** Classifies files with the CLI and returns file name → label. */
async function classifyWithCli(bundle: string, paths: string[], extraArgs: string[] = []): Promise<Map<string, string>> {
  const stdout = await runCli(['classify', ...paths, '--model', bundle, '--json', ...extraArgs]);
  const rows = JSON.parse(stdout) as Array<{ path: string; label: string }>;
  return new Map(rows.map((row) => [row.path.split('/').pop()!, row.label]));
}
