import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseBenchOptions } from '../src/cli/options';

describe('parseBenchOptions', () => {
  it('rejects empty lists', () => {
    expect(() => parseBenchOptions(['--engines='], 'docs/benchmarks.md')).toThrow('Invalid --engines=: expected one or more of offshelf,');
    expect(() => parseBenchOptions(['--models=,'], 'docs/benchmarks.md')).toThrow('Invalid --models=,: expected one or more of mobilenetv2,');
    expect(() => parseBenchOptions(['--batches='], 'docs/benchmarks.md')).toThrow('Invalid --batches=: expected one or more of full, positive integers');
  });

  it('points an unknown option to --help', () => {
    expect(() => parseBenchOptions(['--bogus'], 'docs/benchmarks.md')).toThrow(/Unknown option '--bogus'.*; see pnpm bench --help\.$/);
  });

  it('keeps lists with values', () => {
    const options = parseBenchOptions(['--engines=offshelf', '--models=resnet18', '--batches=1,8'], 'docs/benchmarks.md');
    expect(options.engines).toEqual(['offshelf']);
    expect(options.models).toEqual(['resnet18']);
    expect(options.batches).toEqual([1, 8]);
  });

  it('takes ONNX files as models', () => {
    const folder = mkdtempSync(join(tmpdir(), 'offshelf-bench-models-'));
    const file = join(folder, 'my-net.onnx');
    writeFileSync(file, '');

    const options = parseBenchOptions([`--models=tiny,${relative(process.cwd(), file)}`, '--output=logits'], 'docs/benchmarks.md');
    expect(options.models).toEqual(['tiny', file]);
    expect(options.output).toBe('logits');
  });

  it('rejects missing files and other names', () => {
    const missing = join(tmpdir(), 'offshelf-no-such-model.onnx');
    expect(() => parseBenchOptions([`--models=${missing}`], 'docs/benchmarks.md')).toThrow(`Model file ${missing} not found.`);
    expect(() => parseBenchOptions(['--models=mobilenet'], 'docs/benchmarks.md')).toThrow(
      "Invalid model 'mobilenet': expected one of mobilenetv2, resnet18, resnet50, tiny, or the path of an .onnx file.",
    );
    expect(() => parseBenchOptions(['--output='], 'docs/benchmarks.md')).toThrow('--output needs the name of a graph output');
  });
});
