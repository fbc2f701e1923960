import { describe, expect, it } from 'vitest';

import { parseBundle } from '../src/bundle';

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
