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
});
