import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Preprocessing } from '@offshelf/backbone';
import type { AdapterSummary } from '@offshelf/device';
import { afterAll, describe, expect, it } from 'vitest';

import { checkWeightsSupported, parseRecordedPrecision } from '../src/backbone/weights-option';
import { readFeaturesFile, writeFeaturesFile, type LabelledFeatures } from '../src/data/features-file';
import { CliError } from '../src/errors';
import { bundleExtractionSettings } from '../src/model/bundle-backbone';
import { BUNDLE_FORMAT, BUNDLE_VERSION, bundleProvenance, type ModelBundle } from '../src/model/bundle';

const folder = mkdtempSync(join(tmpdir(), 'offshelf-weights-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Returns an adapter summary as `offshelf doctor` prints it, with or without shader-f16. */
function summary(shaderF16: boolean): AdapterSummary {
  return {
    backend: 'vulkan',
    adapter: { vendor: 'mesa', architecture: '', device: 'llvmpipe', description: 'llvmpipe (LLVM 19.1.7, 256 bits)' },
    isFallbackAdapter: true,
    featureLevel: 'core',
    features: { 'shader-f16': shaderF16, subgroups: false, 'timestamp-query': true },
    limits: {} as AdapterSummary['limits'],
  };
}

const preprocessing: Preprocessing = { height: 8, width: 8, sourceLayout: 'NCHW', channelOrder: 'RGB', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], resize: { mode: 'stretch' } };

function bundle(weightPrecision?: 'f32' | 'f16'): ModelBundle {
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    classNames: ['ants', 'bees'],
    backbone: { name: 'mobilenet_v2', path: 'mobilenet_v2.onnx', sha256: 'a'.repeat(64) },
    layer: 'features',
    preprocessing,
    featureSize: 4,
    ...(weightPrecision ? { weightPrecision } : {}),
    head: {},
    training: {},
  };
}

describe('--weights check', () => {
  it('rejects f16 on an adapter without shader-f16', () => {
    const check = () => checkWeightsSupported('f16', summary(false));
    expect(check).toThrow(CliError);
    expect(check).toThrow(/^--weights f16 needs the WebGPU feature shader-f16, which this adapter \(llvmpipe \(LLVM 19\.1\.7, 256 bits\), vulkan\) does not have; pass --weights f32/);
  });

  it('names a recorded precision as the origin', () => {
    expect(() => checkWeightsSupported('f16', summary(false), 'model.json (trained on features from f16 weights)')).toThrow(
      /^model\.json \(trained on features from f16 weights\) needs the WebGPU feature shader-f16/,
    );
  });

  it('accepts f16 with shader-f16 and f32 without it', () => {
    expect(() => checkWeightsSupported('f16', summary(true))).not.toThrow();
    expect(() => checkWeightsSupported('f32', summary(false))).not.toThrow();
  });
});

describe('recorded weight precision', () => {
  it('reads absent as f32 and rejects unknown values', () => {
    expect(parseRecordedPrecision(undefined, 'm.json')).toBe('f32');
    expect(parseRecordedPrecision('f16', 'm.json')).toBe('f16');
    expect(() => parseRecordedPrecision('bf16', 'm.json')).toThrow(/^m\.json: weightPrecision "bf16" is invalid; expected one of: f32, f16$/);
  });

  it('round-trips through a features file', async () => {
    const path = join(folder, 'f16.safetensors');
    const data: LabelledFeatures = {
      provenance: { backbone: { path: 'b.onnx', sha256: 'a'.repeat(64) }, layer: 'features', preprocessing, featureSize: 2, weightPrecision: 'f16' },
      classNames: ['ants', 'bees'],
      paths: ['a.jpg', 'b.jpg'],
      features: new Float32Array([1, 2, 3, 4]),
      labels: new Int32Array([0, 1]),
    };
    await writeFeaturesFile(path, data);
    expect((await readFeaturesFile(path)).provenance.weightPrecision).toBe('f16');
  });

  it('defaults extraction to the bundle precision', () => {
    const options = { batchSize: 8, cache: true };
    expect(bundleExtractionSettings(bundle('f16'), 'm.json', options).weightPrecision).toBe('f16');
    expect(bundleExtractionSettings(bundle('f16'), 'm.json', options).weightPrecisionOrigin).toBe('m.json (trained on features from f16 weights)');
    expect(bundleExtractionSettings(bundle('f16'), 'm.json', { ...options, weights: 'f32' }).weightPrecision).toBe('f32');
    expect(bundleExtractionSettings(bundle(), 'm.json', options).weightPrecision).toBe('f32');
    expect(bundleProvenance(bundle()).weightPrecision).toBe('f32');
  });
});
