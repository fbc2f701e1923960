import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ModelImportError, type Graph } from '../src/ir/graph';
import { importOnnx } from '../src/import/onnx/import-onnx';
import { importTfjs } from '../src/import/tfjs/import';
import { parseTfliteModel } from '../src/import/tflite/schema';
import { tfliteToGraph } from '../src/import/tflite/import';
import type { ModelSource } from '../src/source';
import { CORAL_ONNX, memorySource, SHARED } from './helpers/file-source';

// Every corrupted file must end in a ModelImportError or a consistent graph. A crash (any other
// error), a hang (the per-case time limit) or an allocation larger than the file allows fails.
// Cases are generated from fixed seeds, so a failure reproduces with the printed case name.

/** A decoded float32 weight takes at most 4 bytes per stored byte (uint8 → float32). */
const MAX_EXPANSION = 4;
/** Per-case wall time; imports of these files take well under a second. */
const CASE_LIMIT_MS = 10_000;

const TFLITE = join(SHARED, 'models/coral/mobilenet_v1_0.25_128_quant.tflite');
const MOBILENET_DIR = join(SHARED, 'models/tfjs-mobilenet-v1-0.25-224');
const ONNX_CONFORMANCE = '/usr/share/libonnx-testdata/data/node';
const require = createRequire(import.meta.url);
// nsfwjs exports no package.json subpath; its CommonJS entry is dist/cjs/index.js.
const NSFWJS_MODELS = join(require.resolve('nsfwjs'), '../../models');

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function flipBits(bytes: Uint8Array, count: number, next: () => number, positions?: number[]): Uint8Array {
  const copy = bytes.slice();
  for (let i = 0; i < count; i++) {
    const position = positions ? positions[Math.floor(next() * positions.length)]! : Math.floor(next() * copy.length);
    copy[position]! ^= 1 << Math.floor(next() * 8);
  }
  return copy;
}

/** Checks that an imported graph is consistent: every input is produced first and every initializer fits its shape. */
function expectConsistent(graph: Graph, sourceBytes: number, label: string): void {
  const available = new Set<string>(['', ...graph.inputs.map((input) => input.name), ...graph.initializers.keys()]);
  let initializerBytes = 0;
  for (const initializer of graph.initializers.values()) {
    const count = initializer.shape.reduce((a, b) => a * b, 1);
    expect(initializer.data.length, `${label}: initializer ${initializer.name}`).toBe(count);
    initializerBytes += initializer.data.byteLength;
  }
  expect(initializerBytes, `${label}: initializer bytes`).toBeLessThanOrEqual(MAX_EXPANSION * sourceBytes);
  for (const node of graph.nodes) {
    for (const input of node.inputs) expect(available.has(input), `${label}: node ${node.name} reads ${input} before it exists`).toBe(true);
    for (const output of node.outputs) available.add(output);
  }
  for (const output of graph.outputs) expect(available.has(output.name), `${label}: output ${output.name}`).toBe(true);
}

/** Runs one case: the import must finish in time with a ModelImportError or a consistent graph. */
async function expectCleanOutcome(label: string, sourceBytes: number, run: () => Promise<Graph> | Graph): Promise<'graph' | 'error'> {
  const start = performance.now();
  let graph: Graph;
  try {
    graph = await run();
  } catch (error) {
    if (!(error instanceof ModelImportError)) throw new Error(`${label}: crashed with ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
    expect((error as Error).message.length, label).toBeGreaterThan(0);
    expect(performance.now() - start, `${label}: time`).toBeLessThan(CASE_LIMIT_MS);
    return 'error';
  }
  expect(performance.now() - start, `${label}: time`).toBeLessThan(CASE_LIMIT_MS);
  expectConsistent(graph, sourceBytes, label);
  return 'graph';
}

describe.skipIf(!existsSync(TFLITE))('TFLite importer on corrupted files', () => {
  const bytes = new Uint8Array(readFileSync(TFLITE));

  // Structure bytes (tables, vtables, vectors of offsets) are those outside buffer data; most flips there change the model's meaning.
  const model = parseTfliteModel(bytes, TFLITE);
  const inData = new Uint8Array(bytes.length);
  for (const buffer of model.buffers) inData.fill(1, buffer.byteOffset - bytes.byteOffset, buffer.byteOffset - bytes.byteOffset + buffer.byteLength);
  const structure = [...inData.keys()].filter((i) => inData[i] === 0);

  it('rejects or imports truncated copies', async () => {
    const next = random(1);
    const cuts = [0, 1, 4, 7, 8, 12, 16, 64, ...Array.from({ length: 24 }, () => Math.floor(next() * bytes.length))];
    const outcomes = { graph: 0, error: 0 };
    // A cut inside bytes the importer never reads (trailing metadata) still leaves a valid model.
    for (const cut of cuts) outcomes[await expectCleanOutcome(`truncated at ${cut}`, cut, () => tfliteToGraph(bytes.subarray(0, cut), `cut${cut}.tflite`))]++;
    expect(outcomes.error).toBeGreaterThan(cuts.length / 2);
  });

  it('rejects or imports bit-flipped structure', async () => {
    const outcomes = { graph: 0, error: 0 };
    for (let seed = 0; seed < 120; seed++) {
      const next = random(1000 + seed);
      const flips = [1, 2, 8][seed % 3]!;
      const corrupted = flipBits(bytes, flips, next, structure);
      outcomes[await expectCleanOutcome(`structure seed ${seed}`, bytes.length, () => tfliteToGraph(corrupted, `seed${seed}.tflite`))]++;
    }
    expect(outcomes.error).toBeGreaterThan(0);
  });

  it('imports bit-flipped weights', async () => {
    for (let seed = 0; seed < 10; seed++) {
      const corrupted = flipBits(bytes, 64, random(2000 + seed));
      await expectCleanOutcome(`anywhere seed ${seed}`, bytes.length, () => tfliteToGraph(corrupted, `any${seed}.tflite`));
    }
  });
});

/** Wraps a source, replacing its model.json or one shard. */
function replaced(base: ModelSource, main?: Uint8Array, shard?: { path: string; bytes: Uint8Array }): ModelSource {
  return {
    name: base.name,
    readMain: async () => main ?? (await base.readMain()),
    readSibling: async (path) => (shard && path === shard.path ? shard.bytes : base.readSibling(path)),
  };
}

/** Replaces one randomly chosen value deep inside a JSON document with a hostile one. */
function mutateJson(document: unknown, next: () => number): unknown {
  const hostile: unknown[] = [-1, 0, 1e12, 2 ** 31, 0.5, NaN, null, '', 'same', [], {}, [1e9, 1e9], [-5], 'x'.repeat(3), true];
  const copy = structuredClone(document);
  const containers: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > 12 || value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      containers.push({ parent: value as Record<string, unknown>, key: Array.isArray(value) ? Number(key) : key });
      visit(child, depth + 1);
    }
  };
  visit(copy, 0);
  const target = containers[Math.floor(next() * containers.length)]!;
  const choice = next();
  if (choice < 0.15 && !Array.isArray(target.parent)) delete (target.parent as Record<string, unknown>)[target.key as string];
  else (target.parent as Record<string, unknown>)[target.key as string] = hostile[Math.floor(next() * hostile.length)];
  return copy;
}

function tfjsFuzz(label: string, base: ModelSource, shardPath: string, cases: number): void {
  it(`rejects or imports corrupted ${label} model.json`, async () => {
    const main = await base.readMain();
    const document = JSON.parse(new TextDecoder().decode(main));
    const outcomes = { graph: 0, error: 0 };
    for (let seed = 0; seed < cases; seed++) {
      const next = random(3000 + seed);
      const bytes = seed % 4 === 0 ? flipBits(main, 4, next) : new TextEncoder().encode(JSON.stringify(mutateJson(document, next)));
      outcomes[await expectCleanOutcome(`${label} json seed ${seed}`, 64 << 20, () => importTfjs(replaced(base, bytes)))]++;
    }
    expect(outcomes.error).toBeGreaterThan(0);
  });

  it(`rejects truncated and imports bit-flipped ${label} shards`, async () => {
    const shard = await base.readSibling(shardPath);
    const next = random(4000);
    for (const cut of [0, 1, Math.floor(next() * shard.length), shard.length - 1]) {
      const outcome = await expectCleanOutcome(`${label} shard cut ${cut}`, 64 << 20, () => importTfjs(replaced(base, undefined, { path: shardPath, bytes: shard.subarray(0, cut) })));
      expect(outcome, `${label} shard cut ${cut}`).toBe('error');
    }
    const flipped = flipBits(shard, 256, next);
    expect(await expectCleanOutcome(`${label} shard flips`, 64 << 20, () => importTfjs(replaced(base, undefined, { path: shardPath, bytes: flipped })))).toBe('graph');
  });
}

function directorySource(dir: string): ModelSource {
  return {
    name: join(dir, 'model.json'),
    readMain: async () => new Uint8Array(readFileSync(join(dir, 'model.json'))),
    readSibling: async (path) => new Uint8Array(readFileSync(join(dir, path))),
  };
}

/** nsfwjs 4.4.0 ships model.json as a UMD bundle exporting the object and shards as base64 bundles. */
function nsfwjsSource(model: string): ModelSource {
  const dir = join(NSFWJS_MODELS, model);
  return {
    name: `nsfwjs/${model}/model.json`,
    readMain: async () => new TextEncoder().encode(JSON.stringify(require(join(dir, 'model.min.js')))),
    readSibling: async (path) => new Uint8Array(Buffer.from(require(join(dir, `${path}.min.js`)) as string, 'base64')),
  };
}

describe.skipIf(!existsSync(MOBILENET_DIR))('TF.js layers importer on corrupted files', () => {
  tfjsFuzz('layers', directorySource(MOBILENET_DIR), 'group1-shard1of1', 200);
});

describe('TF.js graph importer on corrupted files', () => {
  tfjsFuzz('graph', nsfwjsSource('mobilenet_v2_mid'), 'group1-shard2of2', 60);
});

describe('ONNX importer on corrupted files', () => {
  const conformance = ['test_conv_with_strides_padding', 'test_gemm_default_matrix_bias', 'test_averagepool_2d_pads', 'test_batchnorm_example']
    .map((name) => join(ONNX_CONFORMANCE, name, 'model.onnx'))
    .filter((path) => existsSync(path));

  it.skipIf(conformance.length === 0)('rejects or imports corrupted conformance models', async () => {
    for (const [index, path] of conformance.entries()) {
      const bytes = new Uint8Array(readFileSync(path));
      for (let seed = 0; seed < 30; seed++) {
        const next = random(5000 + 100 * index + seed);
        const corrupted = seed < 10 ? bytes.subarray(0, Math.floor(next() * bytes.length)) : flipBits(bytes, 1 + (seed % 4), next);
        await expectCleanOutcome(`${path} seed ${seed}`, bytes.length, () => importOnnx(memorySource(path, corrupted)));
      }
    }
  });

  it.skipIf(!existsSync(CORAL_ONNX))('rejects or imports a corrupted MobileNetV2', async () => {
    const bytes = new Uint8Array(readFileSync(CORAL_ONNX));
    for (let seed = 0; seed < 6; seed++) {
      const next = random(6000 + seed);
      const corrupted = seed < 3 ? bytes.subarray(0, Math.floor(next() * bytes.length)) : flipBits(bytes, 16, next);
      await expectCleanOutcome(`Coral ONNX seed ${seed}`, bytes.length, () => importOnnx(memorySource(CORAL_ONNX, corrupted)));
    }
  });
});
