import { describe, expect, it } from 'vitest';

import type { Preprocessing } from '@offshelf/backbone';

import type { BackboneInfo } from '../src/backbone-session';
import { checkBundleBackbone, parseBundle, type TrainedModel } from '../src/bundle';

describe('parseBundle', () => {
  it('names the missing format field', () => {
    expect(() => parseBundle('{"name": "package"}', 'package.json')).toThrow(
      'package.json: not an offshelf model bundle (the JSON object has no "format" field, expected "offshelf-model")',
    );
    expect(() => parseBundle('null', 'null.json')).toThrow('(the JSON is null, not an object');
  });

  it('names the fix for another version', () => {
    const newer = JSON.stringify({ format: 'offshelf-model', version: 99 });
    expect(() => parseBundle(newer, 'newer.json')).toThrow('version 99 is not supported (this page reads version 1); a newer offshelf wrote it');
    const older = JSON.stringify({ format: 'offshelf-model', version: 0 });
    expect(() => parseBundle(older, 'older.json')).toThrow('version 0 is not supported (this page reads version 1); retrain the model');
  });
});

describe('checkBundleBackbone', () => {
  const preprocessing: Preprocessing = {
    height: 224, width: 224, sourceLayout: 'NHWC', channelOrder: 'RGB', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], resize: { mode: 'stretch' },
  };
  const info: BackboneInfo = { source: 'model.json', sha256: 'a'.repeat(64), format: 'tfjs', layer: 'pool', featureSize: 4, preprocessing };
  const trained: TrainedModel = {
    head: {} as TrainedModel['head'], classNames: ['ants', 'bees'], backbone: { path: 'model.json', sha256: 'a'.repeat(64) },
    layer: 'pool', featureSize: 4, preprocessing, training: {},
  };

  it('accepts the same backbone and recipe', () => {
    expect(() => checkBundleBackbone(trained, info)).not.toThrow();
  });

  it('rejects other preprocessing', () => {
    const older = { ...trained, preprocessing: { ...preprocessing, mean: [0, 0, 0], std: [1, 1, 1] } as Preprocessing };
    expect(() => checkBundleBackbone(older, info)).toThrow('the bundle was trained with other preprocessing (resize, crop or normalization)');
  });
});
