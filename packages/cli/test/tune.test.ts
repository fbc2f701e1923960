import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { createFeatureExtractor, exportOnnx, type Graph, type Initializer } from '@offshelf/backbone';
import { adapterIdentityKey, buildVariant, kernelTargetOf, pipelineCacheFor, tuningKeyString, type AdapterIdentity, type TuningKey, type TuningTable } from '@offshelf/core-wgsl';
import { requestDevice, type OffshelfDevice } from '@offshelf/device';
import { CommanderError, type Option } from 'commander';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runTune } from '../src/commands/tune';
import { buildProgram } from '../src/program';
import { FileTuningCache, tuningCachePath } from '../src/tuning/file-tuning-cache';
import { encodeNpy } from '../src/io/npy';
import { resolveTuningMode } from '../src/tuning/tuning-mode';
import { cliTuningOptions, tuningAdapterOf } from '../src/tuning/tuning-options';

const folder = mkdtempSync(join(tmpdir(), 'offshelf-tune-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const lavapipe: AdapterIdentity = { vendor: 'mesa', architecture: 'software', description: 'llvmpipe', backend: 'vulkan' };
const table: TuningTable = {
  'conv2d|example': { variant: 'direct', defaultVariant: 'implicit-gemm-8x8', timesMs: { direct: 1, 'implicit-gemm-8x8': 2 } },
};

describe('file tuning cache', () => {
  it('misses for another adapter', async () => {
    const cache = new FileTuningCache(join(folder, 'keyed', 'tuning.json'));
    await cache.save(adapterIdentityKey(lavapipe), table);

    const otherDescription = adapterIdentityKey({ ...lavapipe, description: 'llvmpipe (LLVM 17)' });
    const otherBackend = adapterIdentityKey({ ...lavapipe, backend: 'opengles' });
    expect(await cache.load(adapterIdentityKey(lavapipe))).toEqual(table);
    expect(await cache.load(otherDescription)).toEqual({});
    expect(await cache.load(otherBackend)).toEqual({});
  });

  it('names OFFSHELF_CACHE when the folder is a file', async () => {
    const file = join(folder, 'not-a-folder');
    writeFileSync(file, 'x');
    const cache = new FileTuningCache(join(file, 'tuning.json'));
    await expect(cache.load('any')).rejects.toThrow(/cannot read the tuning cache .*not-a-folder\/tuning\.json: .*; set OFFSHELF_CACHE to a folder you can write to, or pass --tuning off/);
  });

  it('keeps other adapters on save', async () => {
    const cache = new FileTuningCache(join(folder, 'two', 'tuning.json'));
    const other = adapterIdentityKey({ ...lavapipe, description: 'another GPU' });
    await cache.save(adapterIdentityKey(lavapipe), table);
    await cache.save(other, {});
    expect(await cache.load(adapterIdentityKey(lavapipe))).toEqual(table);
  });

  it('writes through a renamed temporary file', async () => {
    const cacheFolder = join(folder, 'atomic');
    const path = join(cacheFolder, 'tuning.json');
    const cache = new FileTuningCache(path);
    await cache.save('first', table);
    const firstInode = statSync(path).ino;

    await cache.save('second', table);

    // A rename installs a new file (new inode), where an in-place write would keep the old one.
    expect(statSync(path).ino).not.toBe(firstInode);
    expect(readdirSync(cacheFolder)).toEqual(['tuning.json']);
    expect(Object.keys(JSON.parse(readFileSync(path, 'utf8')).adapters)).toEqual(['first', 'second']);
  });

  it('merges concurrent saves', async () => {
    const path = join(folder, 'concurrent', 'tuning.json');
    const first = new FileTuningCache(path);
    const second = new FileTuningCache(path);
    const otherEntry: TuningTable = { 'conv2d|other': { variant: 'direct', defaultVariant: 'direct', timesMs: { direct: 3 } } };

    // Both tables were loaded before either save, as in two processes tuning at once.
    await Promise.all([first.save('a', table), second.save('a', otherEntry)]);

    expect(await first.load('a')).toEqual({ ...table, ...otherEntry });
    expect(readdirSync(join(folder, 'concurrent'))).toEqual(['tuning.json']);
  });

  it('takes over a stale lock', async () => {
    const path = join(folder, 'stale', 'tuning.json');
    mkdirSync(join(folder, 'stale'));
    writeFileSync(`${path}.lock`, '12345\n');
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(`${path}.lock`, minuteAgo, minuteAgo);

    await new FileTuningCache(path).save('a', table);

    expect(await new FileTuningCache(path).load('a')).toEqual(table);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('names the file when the folder cannot be created', async (context) => {
    if (!existsSync('/proc/self')) context.skip('no /proc on this system');
    const path = '/proc/offshelf-cache/tuning.json';
    await expect(new FileTuningCache(path).save('a', table)).rejects.toThrow(`cannot save the tuning cache ${path}: `);
    await expect(new FileTuningCache(path).save('a', table)).rejects.toThrow('; set OFFSHELF_CACHE to a folder you can write to');
  });

  it('reads an invalid file as empty', async () => {
    const path = join(folder, 'invalid', 'tuning.json');
    const cache = new FileTuningCache(path);
    await cache.save('a', table);
    writeFileSync(path, '{"version": 1, "adapt');
    expect(await cache.load('a')).toEqual({});
    await cache.save('a', table);
    expect(await cache.load('a')).toEqual(table);
  });
});

describe('offshelf tune', () => {
  it('--clear removes the cache file', async () => {
    const previous = process.env.OFFSHELF_CACHE;
    process.env.OFFSHELF_CACHE = join(folder, 'user-cache');
    try {
      const path = tuningCachePath();
      await new FileTuningCache(path).save('a', table);
      expect(existsSync(path)).toBe(true);

      const otherFile = join(folder, 'user-cache', 'features-example.bin');
      writeFileSync(otherFile, 'not tuning results');

      await buildProgram().parseAsync(['tune', '--clear', '--quiet'], { from: 'user' });
      expect(existsSync(path)).toBe(false);
      expect(existsSync(otherFile), 'only the tuning cache file is removed').toBe(true);

      // Clearing an absent cache is not an error.
      expect(await new FileTuningCache(path).exists()).toBe(false);
      await buildProgram().parseAsync(['tune', '--clear', '--quiet'], { from: 'user' });
    } finally {
      if (previous === undefined) delete process.env.OFFSHELF_CACHE;
      else process.env.OFFSHELF_CACHE = previous;
    }
  });
});

describe('--tuning option', () => {
  const backboneCommands = ['extract', 'train', 'evaluate', 'classify', 'run'];

  it('exists on every backbone command', () => {
    const program = buildProgram();
    for (const name of backboneCommands) {
      const command = program.commands.find((candidate) => candidate.name() === name);
      const option = command?.options.find((candidate: Option) => candidate.long === '--tuning');
      expect(option, `offshelf ${name} has no --tuning option`).toBeDefined();
      expect(option!.argChoices, `offshelf ${name} --tuning choices`).toEqual(['off', 'use', 'tune']);
    }
  });

  it('parses each mode', async () => {
    for (const mode of ['off', 'use', 'tune']) {
      const program = buildProgram();
      const run = program.commands.find((command) => command.name() === 'run')!;
      // Parsing stops at the action's first usage check (no input), after the options were read.
      await expect(program.parseAsync(['run', '--backbone', 'x.onnx', '--tuning', mode], { from: 'user' })).rejects.toThrow(/pass exactly one of --input/);
      expect(run.opts().tuning).toBe(mode);
    }
  });

  it('rejects an invalid mode with the valid ones', async () => {
    const program = buildProgram();
    const errors: string[] = [];
    program.commands.find((command) => command.name() === 'extract')!.configureOutput({ writeErr: (text) => errors.push(text) });

    const parse = program.parseAsync(['extract', folder, '-o', 'x.safetensors', '--tuning', 'fast'], { from: 'user' });
    await expect(parse).rejects.toBeInstanceOf(CommanderError);
    expect(errors.join('')).toMatch(/option '--tuning <mode>' argument 'fast' is invalid\. Allowed choices are off, use, tune\./);
  });

  it('takes precedence over OFFSHELF_TUNING', () => {
    expect(resolveTuningMode(undefined, {})).toBe('use');
    expect(resolveTuningMode(undefined, { OFFSHELF_TUNING: 'tune' })).toBe('tune');
    expect(resolveTuningMode('off', { OFFSHELF_TUNING: 'tune' })).toBe('off');
    expect(resolveTuningMode('tune', { OFFSHELF_TUNING: 'off' })).toBe('tune');
    // An invalid environment value does not matter when the option is given.
    expect(resolveTuningMode('use', { OFFSHELF_TUNING: 'fast' })).toBe('use');
    expect(() => resolveTuningMode(undefined, { OFFSHELF_TUNING: 'fast' })).toThrow(/OFFSHELF_TUNING=fast is invalid; set it to one of: off, use, tune, or pass --tuning/);
    expect(() => resolveTuningMode('fast', {})).toThrow(/--tuning fast is invalid; pass one of: off, use, tune/);
  });
});

// A tiny MobileNet-like network: stem 3×3 stride 2, depthwise 3×3, pointwise 1×1, pooling and a classifier Gemm.
function randomInitializer(name: string, shape: number[], seed: number): Initializer {
  const length = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length }, (_, i) => Math.sin(seed * 97 + i * 12.9898) * 0.5);
  return { name, dataType: 'float32', shape, data };
}

function tinyNetwork(): Graph {
  const initializers = [
    randomInitializer('w1', [8, 3, 3, 3], 1), randomInitializer('b1', [8], 2),
    randomInitializer('w2', [8, 1, 3, 3], 3), randomInitializer('b2', [8], 4),
    randomInitializer('w3', [16, 8, 1, 1], 5), randomInitializer('b3', [16], 6),
    randomInitializer('wfc', [5, 16], 7), randomInitializer('bfc', [5], 8),
  ];
  const conv = (name: string, inputs: string[], attributes: Graph['nodes'][number]['attributes']) => ({ name, opType: 'Conv', inputs, outputs: [name], attributes });
  return {
    name: 'tiny',
    inputs: [{ name: 'x', dataType: 'float32', shape: ['N', 3, 16, 16] }],
    outputs: [{ name: 'y', dataType: 'float32', shape: ['N', 5] }],
    initializers: new Map(initializers.map((tensor) => [tensor.name, tensor])),
    nodes: [
      conv('c1', ['x', 'w1', 'b1'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
      { name: 'r1', opType: 'Relu', inputs: ['c1'], outputs: ['r1'], attributes: {} },
      conv('c2', ['r1', 'w2', 'b2'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 8 }),
      { name: 'r2', opType: 'Relu', inputs: ['c2'], outputs: ['r2'], attributes: {} },
      conv('c3', ['r2', 'w3', 'b3'], { kernel_shape: [1, 1] }),
      { name: 'pool', opType: 'GlobalAveragePool', inputs: ['c3'], outputs: ['pool'], attributes: {} },
      { name: 'flat', opType: 'Flatten', inputs: ['pool'], outputs: ['flat'], attributes: { axis: 1 } },
      { name: 'y', opType: 'Gemm', inputs: ['flat', 'wfc', 'bfc'], outputs: ['y'], attributes: { transB: 1 } },
    ],
    valueInfo: new Map(),
    metadata: {
      sourceFormat: 'onnx',
      sourceName: 'tiny network',
      preprocessing: { height: 16, width: 16, sourceLayout: 'NCHW', channelOrder: 'RGB', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], resize: { mode: 'stretch' } },
      featureOutput: 'y',
      properties: {},
    },
  };
}

/** Writes a folder with two classes of two 20×20 PNG images each. */
async function tinyImageFolder(root: string): Promise<string> {
  for (const [className, red] of [['ants', 40], ['bees', 220]] as const) {
    mkdirSync(join(root, className), { recursive: true });
    for (const index of [0, 1]) {
      const background = { r: red, g: 90 + index * 60, b: 128 };
      await sharp({ create: { width: 20, height: 20, channels: 3, background } }).png().toFile(join(root, className, `${index}.png`));
    }
  }
  return root;
}

/** Runs `body` with the given environment variables set, then restores their previous values. */
async function withEnvironment(values: Record<string, string>, body: () => Promise<void>): Promise<void> {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  try {
    await body();
  } finally {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('tuned feature extractor', () => {
  let gpu: OffshelfDevice;
  beforeAll(async () => {
    gpu = await requestDevice();
  });
  afterAll(() => gpu?.destroy());

  it('tune prints a row per kernel shape', async () => {
    const modelPath = join(folder, 'tiny.onnx');
    writeFileSync(modelPath, exportOnnx(tinyNetwork()));
    const previous = process.env.OFFSHELF_CACHE;
    process.env.OFFSHELF_CACHE = join(folder, 'tune-command');
    const chunks: string[] = [];
    const stdout = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    try {
      await runTune({ backbone: modelPath, batchSize: 2, budgetMs: 50, quiet: true }, stdout);
      expect(existsSync(tuningCachePath())).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.OFFSHELF_CACHE;
      else process.env.OFFSHELF_CACHE = previous;
    }

    const lines = chunks.join('').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^kernel\s+shape\s+default variant\s+default ms\s+best variant\s+best ms\s+speedup$/);
    expect(lines.filter((line) => line.startsWith('conv2d'))).toHaveLength(3);
    // The ONNX importer takes features from the pooled value before the classifier, so the Gemm is not planned.
    expect(lines.filter((line) => line.startsWith('gemm'))).toHaveLength(0);
    expect(lines.at(-1)).toMatch(/^total\s+[\d.]+\s+[\d.]+\s+[\d.]+x$/);
  });

  it('reads OFFSHELF_TUNING', () => {
    const cacheFolder = join(folder, 'env-cache');
    const defaults = cliTuningOptions(gpu, undefined, { OFFSHELF_CACHE: cacheFolder });
    expect(defaults.mode).toBe('use');
    expect((defaults.cache as FileTuningCache).path).toBe(join(cacheFolder, 'tuning.json'));
    expect(cliTuningOptions(gpu, undefined, { OFFSHELF_CACHE: cacheFolder, OFFSHELF_TUNING: 'off' }).mode).toBe('off');
    expect(cliTuningOptions(gpu, undefined, { OFFSHELF_CACHE: cacheFolder, OFFSHELF_TUNING: 'tune' }).mode).toBe('tune');
    expect(cliTuningOptions(gpu, 'off', { OFFSHELF_CACHE: cacheFolder, OFFSHELF_TUNING: 'tune' }).mode).toBe('off');
    expect(() => cliTuningOptions(gpu, undefined, { OFFSHELF_TUNING: 'fast' })).toThrow(/OFFSHELF_TUNING=fast is invalid; set it to one of: off, use, tune/);
  });

  it('extract --tuning overrides OFFSHELF_TUNING', async () => {
    const modelPath = join(folder, 'tiny-extract.onnx');
    writeFileSync(modelPath, exportOnnx(tinyNetwork()));
    const images = await tinyImageFolder(join(folder, 'images'));
    const extract = (...tuning: string[]) =>
      buildProgram().parseAsync(['extract', images, '-o', join(folder, 'features.safetensors'), '--backbone', modelPath, '--batch-size', '2', '--no-cache', '--quiet', ...tuning], { from: 'user' });

    await withEnvironment({ OFFSHELF_CACHE: join(folder, 'extract-off'), OFFSHELF_TUNING: 'tune' }, async () => {
      await extract('--tuning', 'off');
      expect(existsSync(tuningCachePath()), 'OFFSHELF_TUNING=tune tuned despite --tuning off').toBe(false);

      // Without the option, the environment variable applies.
      await extract();
      expect(existsSync(tuningCachePath()), 'OFFSHELF_TUNING=tune without --tuning did not tune').toBe(true);
    });

    await withEnvironment({ OFFSHELF_CACHE: join(folder, 'extract-tune'), OFFSHELF_TUNING: 'off' }, async () => {
      await extract('--tuning', 'tune');
      const stored = await new FileTuningCache(tuningCachePath()).load(adapterIdentityKey(tuningAdapterOf(gpu)));
      // Three convolutions. The pooled features come before the classifier, so its GEMM is not planned.
      expect(Object.keys(stored).filter((key) => key.startsWith('conv2d|'))).toHaveLength(3);
    });

    await withEnvironment({ OFFSHELF_CACHE: join(folder, 'extract-invalid-env'), OFFSHELF_TUNING: 'fast' }, async () => {
      rmSync(join(folder, 'features.safetensors'));
      await extract('--tuning', 'use');
      expect(existsSync(join(folder, 'features.safetensors'))).toBe(true);
    });
  });

  it('run --tuning tune fills the cache', async () => {
    const modelPath = join(folder, 'tiny-run.onnx');
    writeFileSync(modelPath, exportOnnx(tinyNetwork()));
    const inputPath = join(folder, 'input.npy');
    const input = Float32Array.from({ length: 3 * 16 * 16 }, (_, i) => Math.cos(i * 0.37));
    writeFileSync(inputPath, encodeNpy({ shape: [1, 3, 16, 16], data: input }));

    await withEnvironment({ OFFSHELF_CACHE: join(folder, 'run-tune'), OFFSHELF_TUNING: 'off' }, async () => {
      await buildProgram().parseAsync(['run', '--backbone', modelPath, '--input', inputPath, '-o', join(folder, 'y.npy'), '--quiet', '--tuning', 'tune'], { from: 'user' });
      const stored = await new FileTuningCache(tuningCachePath()).load(adapterIdentityKey(tuningAdapterOf(gpu)));
      expect(Object.keys(stored).filter((key) => key.startsWith('conv2d|n=1|'))).toHaveLength(3);
    });
  });

  it('matches the default variants', async () => {
    const cache = new FileTuningCache(join(folder, 'network', 'tuning.json'));
    const adapter = tuningAdapterOf(gpu);
    const tuned: TuningKey[] = [];
    const tuner = await createFeatureExtractor(gpu.device, tinyNetwork(), {
      batchSize: 2,
      tuning: { cache, mode: 'tune', adapter, budgetMs: 50, onResult: (result) => tuned.push(result.key) },
    });
    tuner.dispose();

    // Three convolutions (stem, depthwise, pointwise) and the classifier GEMM.
    expect(tuned.map((key) => key.kind).sort()).toEqual(['conv2d', 'conv2d', 'conv2d', 'gemm']);
    const stored = await cache.load(adapterIdentityKey(adapter));
    expect(Object.keys(stored)).toHaveLength(4);

    // Store the fallback variant of every key, so 'use' mode runs code the default mode does not.
    for (const choice of Object.values(stored)) {
      choice.variant = choice.defaultVariant === 'dot-vec4' || choice.defaultVariant === 'register-8x8' ? 'naive' : 'direct';
    }
    await cache.save(adapterIdentityKey(adapter), stored);

    const input = Float32Array.from({ length: 2 * 3 * 16 * 16 }, (_, i) => Math.cos(i * 0.37));
    const run = async (device: GPUDevice, mode: 'off' | 'use') => {
      const extractor = await createFeatureExtractor(device, tinyNetwork(), { batchSize: 2, tuning: { cache, mode, adapter } });
      try {
        return (await extractor.runTensors({ x: { data: input, shape: [2, 3, 16, 16] } }, ['y'])).y!.data;
      } finally {
        extractor.dispose();
      }
    };
    const expected = await run(gpu.device, 'off');

    // A fresh device has an empty pipeline cache, so afterwards it contains exactly the pipelines the 'use' run compiled.
    const fresh = await requestDevice();
    let actual: Float32Array;
    try {
      actual = await run(fresh.device, 'use');
      const pipelines = pipelineCacheFor(fresh.device);
      const compiled = pipelines.compiledCount;
      for (const key of tuned) pipelines.get(buildVariant(key, stored[tuningKeyString(key)]!.variant, kernelTargetOf(fresh.device)).program);
      expect(pipelines.compiledCount, 'the cached variants were not the ones planned').toBe(compiled);
    } finally {
      fresh.destroy();
    }

    // Oracle: the default variants, which the kernel tests check against float64 references.
    // Tolerance: each of the four layers sums at most 72 products, so two float32 orders differ
    // by about 4 · 6e-8 · 76 ≈ 2e-5 relative to 1 + |y| per layer; 1e-4 covers four layers.
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!)));
    expect(worst, `max relative error ${worst.toExponential(3)} between cached fallback and default variants`).toBeLessThan(1e-4);
  });
});
