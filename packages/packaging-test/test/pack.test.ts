// Installs the packages as a user would: `pnpm pack` each publishable package, then
// `npm install` the tarballs into a fresh project outside the workspace. There, a Node
// script extracts features with the installed dist/ files, tsc checks the published
// types with moduleResolution nodenext, esbuild bundles a browser entry point, and the
// two examples in examples/ run as their READMEs describe.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createFeatureExtractor, loadModel, modelSourceFromBytes, type RgbaImage } from '@offshelf/backbone';
import { requestDevice } from '@offshelf/device';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeImageFile } from '../../cli/src/images/decode';
// @ts-expect-error: the CLI's bundle script is plain JavaScript without type declarations.
import { bundleCli, cliDir } from '../../cli/scripts/bundle.mjs';
import { installTarballs, packPackages, repoRoot } from '../scripts/install-local.mjs';

const shared = process.env.OFFSHELF_SHARED!;
const coralOnnx = join(shared, 'models/onnx/mobilenet_v2_1.0_224_coral.onnx');
const tinyTflite = join(shared, 'models/coral/mobilenet_v1_0.25_128_quant.tflite');
const hymenoptera = join(shared, 'datasets/hymenoptera');
const fixturesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/consumer');
const examplesDir = join(repoRoot, 'examples');

/** Debian's chromium, as the web package's browser tests use it; playwright-core never downloads one. */
const chromiumPath = process.env.OFFSHELF_CHROMIUM ?? '/usr/bin/chromium';

const workDir = mkdtempSync(join(tmpdir(), 'offshelf-pack-'));
const projectDir = join(workDir, 'consumer');
let tarballs: Record<string, string> = {};

/** Runs a command and returns its output, failing with its stderr when it exits non-zero. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited with ${result.status ?? result.signal}:\n${result.stderr}\n${result.stdout}`);
  }
  return result.stdout;
}

beforeAll(() => {
  const started = performance.now();
  tarballs = packPackages(join(workDir, 'tarballs'));
  const packed = performance.now();

  // The consumer project: the fixtures, both examples, and the examples' own npm dependencies.
  cpSync(fixturesDir, projectDir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8'));
  manifest.dependencies = {};
  for (const example of ['classify-folder', 'web-extract']) {
    const exampleDir = join(examplesDir, example);
    const isBuildOutput = (path: string) => /^(node_modules|dist)(\/|$)/.test(relative(exampleDir, path));
    cpSync(exampleDir, join(projectDir, 'examples', example), { recursive: true, filter: (path) => !isBuildOutput(path) });
    const exampleManifest = JSON.parse(readFileSync(join(exampleDir, 'package.json'), 'utf8'));
    Object.assign(manifest.dependencies, exampleManifest.dependencies, exampleManifest.devDependencies);
  }
  writeFileSync(join(projectDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  installTarballs(projectDir, tarballs);
  const installed = performance.now();
  console.log(`pack ${((packed - started) / 1000).toFixed(1)} s, npm install ${((installed - packed) / 1000).toFixed(1)} s`);
}, 600_000);

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** Lists the files in a tarball. */
function tarballFiles(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
}

/** Collects every condition name used anywhere in an `exports` map. */
function exportConditions(exports: unknown): string[] {
  if (typeof exports !== 'object' || exports === null) return [];
  return Object.entries(exports).flatMap(([key, value]) => [key, ...exportConditions(value)]);
}

describe('packed tarballs', () => {
  it('contain only dist and the manifest', () => {
    for (const [name, tarball] of Object.entries(tarballs)) {
      const files = tarballFiles(tarball);
      const unexpected = files.filter((file) => !/^package\/(package\.json|README\.md|LICENSE|dist\/.+)$/.test(file));

      expect(unexpected, `${name}: files outside dist/`).toEqual([]);
      expect(files.filter((file) => file.endsWith('.wgsl')), `${name}: WGSL files (they are inlined in dist/*.js)`).toEqual([]);
      expect(files, `${name}: entry declarations`).toContain('package/dist/index.d.ts');
    }
  });

  it('publish exports without the source condition', () => {
    for (const name of Object.keys(tarballs)) {
      const manifest = JSON.parse(readFileSync(join(projectDir, 'node_modules', name, 'package.json'), 'utf8'));

      expect(exportConditions(manifest.exports), `${name}: exports conditions`).not.toContain('source');
      expect(manifest.sideEffects, `${name}: sideEffects`).toBe(false);
      expect(JSON.stringify(manifest.dependencies ?? {}), `${name}: workspace protocol left in dependencies`).not.toContain('workspace:');
    }
  });
});

describe('installed packages in Node', () => {
  it('extract Coral MobileNetV2 features like the workspace', async () => {
    // The image is decoded by the CLI's own decoder (sharp for JPEG), as `offshelf extract` does.
    const image: RgbaImage = await decodeImageFile(join(shared, 'images/open-images/parrot.jpg'));
    writeFileSync(join(projectDir, 'image.rgba'), image.data);

    const outputPath = join(projectDir, 'features.f32');
    const report = JSON.parse(run(process.execPath, ['extract-features.mjs', coralOnnx, 'image.rgba', String(image.width), String(image.height), outputPath], projectDir));
    const installed = new Float32Array(readFileSync(outputPath).buffer.slice(0));

    // Node must have loaded the tarballs' dist/ files, not the workspace sources.
    expect(fileURLToPath(report.backbone)).toBe(join(projectDir, 'node_modules/@offshelf/backbone/dist/index.js'));
    expect(fileURLToPath(report.device)).toBe(join(projectDir, 'node_modules/@offshelf/device/dist/node.js'));

    // Oracle: the workspace's extractor built from src/. This test checks packaging, not
    // numerics (backbone's tests compare the same model with onnxruntime-node). Both run the
    // same WGSL on the same adapter, so they should agree to float32 rounding; 1e-5 of the
    // largest feature allows a different summation order in a reduction and nothing more.
    const gpu = await requestDevice();
    let reference: Float32Array;
    try {
      const graph = await loadModel(modelSourceFromBytes(coralOnnx, readFileSync(coralOnnx)));
      const extractor = await createFeatureExtractor(gpu.device, graph, { batchSize: 1 });
      [reference] = (await extractor.extract([image])) as [Float32Array];
      extractor.dispose();
    } finally {
      gpu.destroy();
    }

    expect(installed.length).toBe(1280);
    expect(report.featureSize).toBe(reference.length);
    let maxAbsolute = 0;
    let scale = 0;
    for (let i = 0; i < reference.length; i++) {
      maxAbsolute = Math.max(maxAbsolute, Math.abs(installed[i]! - reference[i]!));
      scale = Math.max(scale, Math.abs(reference[i]!));
    }
    const maxRelative = maxAbsolute / scale;
    expect(maxRelative, `max abs error ${maxAbsolute}, max relative error ${maxRelative} (relative to max |feature| ${scale})`).toBeLessThanOrEqual(1e-5);
  });

  it('type-check with moduleResolution nodenext', () => {
    const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: projectDir, encoding: 'utf8' });

    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('installed packages in a browser bundle', () => {
  it('bundle without Node built-ins', async () => {
    const result = await build({
      absWorkingDir: projectDir,
      entryPoints: ['browser-entry.js'],
      outfile: join(projectDir, 'browser-dist/entry.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      metafile: true,
      logLevel: 'silent',
    });

    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const inputs = Object.keys(result.metafile.inputs);
    const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((entry) => entry.path));

    expect(result.errors).toEqual([]);
    expect(result.warnings.map((warning) => warning.text)).toEqual([]);
    expect(imports.filter((path) => builtins.has(path))).toEqual([]);
    // Dawn is the Node entry point's dependency; a browser bundle must take browser.js instead.
    expect(inputs.filter((path) => path.includes('node_modules/webgpu/') || path.endsWith('device/dist/node.js'))).toEqual([]);
    expect(inputs).toContain('node_modules/@offshelf/device/dist/browser.js');
    expect(inputs).toContain('node_modules/@offshelf/core-wgsl/dist/index.js');
  });
});

describe('examples', () => {
  const cliBundle: string = join(cliDir as string, 'dist', `packaging-test-${process.pid}`, 'offshelf.js');
  const env = { ...process.env, OFFSHELF_CACHE: join(workDir, 'cache'), OFFSHELF_OFFLINE: '1' };

  afterAll(() => {
    rmSync(dirname(cliBundle), { recursive: true, force: true });
  });

  /** Links the first `count` JPEGs of ants and bees from a hymenoptera split into `target`. */
  function linkImages(split: string, count: number, target: string, flat: boolean): void {
    for (const className of ['ants', 'bees']) {
      const folder = flat ? target : join(target, className);
      mkdirSync(folder, { recursive: true });
      const names = readdirSync(join(hymenoptera, split, className))
        .filter((name) => name.endsWith('.jpg'))
        .sort()
        .slice(0, count);
      for (const name of names) symlinkSync(join(hymenoptera, split, className, name), join(folder, `${className}-${name}`));
    }
  }

  it('classify-folder agrees with offshelf classify', async () => {
    await bundleCli(cliBundle);
    const trainDir = join(workDir, 'train');
    const imagesDir = join(workDir, 'images');
    linkImages('train', 4, trainDir, false);
    linkImages('val', 3, imagesDir, true);

    // The CLI writes the bundle, as the example README describes. Preprocessing other than the
    // model's own checks that the example applies the recorded one.
    const bundlePath = join(workDir, 'ants-bees.json');
    const preprocessing = ['--resize', 'stretch', '--mean', '0.2,0.2,0.2', '--std', '0.3,0.3,0.3'];
    run(process.execPath, [cliBundle, 'train', trainDir, '--backbone', tinyTflite, '--head', 'logreg', '--cv', '0', ...preprocessing, '-q', '-o', bundlePath], workDir, env);

    const exampleDir = join(projectDir, 'examples/classify-folder');
    const lines = run(process.execPath, ['classify-folder.mjs', bundlePath, imagesDir], exampleDir).trim().split('\n');

    // Oracle: the CLI's own classification of the same folder with the same bundle.
    const cliResults = JSON.parse(run(process.execPath, [cliBundle, 'classify', imagesDir, '--model', bundlePath, '--json', '--no-cache'], workDir, env)) as Array<{ path: string; label: string; scores?: Record<string, number> }>;
    const cliByName = new Map(cliResults.map((item) => [item.path.split('/').pop()!, item]));

    expect(lines).toHaveLength(6);
    for (const line of lines) {
      const [path, label, probability] = line.split('\t') as [string, string, string];
      const expected = cliByName.get(path.split('/').pop()!);

      expect(expected, `CLI result for ${path}`).toBeDefined();
      expect(label, `label of ${path}`).toBe(expected!.label);
      // Same features and head, so the probabilities agree up to the 4 decimals printed.
      expect(Math.abs(Number(probability) - expected!.scores![label]!), `probability of ${path}`).toBeLessThanOrEqual(5e-5);
    }
  });

  it('web-extract builds for browsers', () => {
    const exampleDir = join(projectDir, 'examples/web-extract');
    const output = run(process.execPath, ['build.mjs'], exampleDir);

    expect(output).toMatch(/built .*dist/);
    expect(readdirSync(join(exampleDir, 'dist')).sort()).toEqual(['index.html', 'main.js', 'main.js.map']);
  });

  it('web-extract extracts features in Chromium', async () => {
    const exampleDir = join(projectDir, 'examples/web-extract');
    mkdirSync(join(exampleDir, 'dist'), { recursive: true });
    copyFileSync(tinyTflite, join(exampleDir, 'dist/model.tflite'));

    // `node build.mjs --serve` as in the README, on a free port instead of 8000.
    const port = await freePort();
    const server = spawn(process.execPath, ['build.mjs', '--serve', '--port', String(port)], { cwd: exampleDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const browser = await waitForOutput(server, /serving/).then(() =>
      // Headless Chromium on Linux exposes WebGPU only with --enable-unsafe-webgpu (it then uses SwiftShader).
      chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking'] }),
    );
    try {
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`http://127.0.0.1:${port}/`);

      await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout: 120_000 });
      expect(await page.textContent('#status'), pageErrors.join('\n')).toMatch(/256 features per image/);

      // The file input takes the same path as a dropped file.
      await page.setInputFiles('#file', join(shared, 'images/open-images/parrot.jpg'));
      await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout: 120_000 });
      const output = (await page.textContent('#output')) ?? '';

      expect(await page.textContent('#status')).toBe('Features of parrot.jpg extracted.');
      expect(output).toMatch(/256 features, L2 norm \d+\.\d+/);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
      server.kill();
    }
  });
});

/** Returns a TCP port that is free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

/** Resolves when the child prints a line matching `pattern`; rejects when it exits first. */
function waitForOutput(child: ReturnType<typeof spawn>, pattern: RegExp): Promise<void> {
  return new Promise((resolveOutput, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) resolveOutput();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the server exited with ${code} before printing ${pattern}:\n${output}`)));
  });
}
