import { describe, expect, it } from 'vitest';

import { parseBenchOptions } from '../src/cli/options';
import { emptyResult, type CaseResult } from '../src/measure/result';
import { bestOfRounds } from '../src/measure/rounds';
import { renderMarkdown } from '../src/report/markdown';
import { testEnvironment } from './helpers/test-environment';

function okResult(engine: CaseResult['engine'], imagesPerSecond: number): CaseResult {
  return {
    ...emptyResult(engine, 'mobilenetv2', 8, 'failed', ''),
    status: 'ok',
    imagesPerSecond,
    msPerImage: 1000 / imagesPerSecond,
    error: undefined,
  };
}

describe('bench rounds', () => {
  it('keeps the fastest round per engine', () => {
    const rounds = [
      [okResult('offshelf', 40), okResult('ort-wasm-chromium', 50)],
      [okResult('offshelf', 60), okResult('ort-wasm-chromium', 45)],
    ];
    const [offshelf, peer] = bestOfRounds(rounds);
    expect(offshelf!.imagesPerSecond).toBe(60);
    expect(offshelf!.roundsImagesPerSecond).toEqual([40, 60]);
    expect(peer!.imagesPerSecond).toBe(50);
    expect(peer!.roundsImagesPerSecond).toEqual([50, 45]);
  });

  it('skips failed rounds', () => {
    const failed = emptyResult('offshelf', 'mobilenetv2', 8, 'failed', 'timed out');
    const [result] = bestOfRounds([[failed], [okResult('offshelf', 30)]]);
    expect(result!.status).toBe('ok');
    expect(result!.roundsImagesPerSecond).toEqual([30]);
  });

  it('keeps a failure that never succeeded', () => {
    const failed = emptyResult('offshelf', 'mobilenetv2', 8, 'failed', 'timed out');
    const [result] = bestOfRounds([[failed], [failed]]);
    expect(result!.status).toBe('failed');
    expect(result!.error).toBe('timed out');
  });

  it('leaves one round unchanged', () => {
    const [result] = bestOfRounds([[okResult('offshelf', 30)]]);
    expect(result!.roundsImagesPerSecond).toBeUndefined();
  });

  it('parses the rounds option', () => {
    expect(parseBenchOptions([], 'docs/benchmarks.md').rounds).toBe(1);
    expect(parseBenchOptions(['--rounds=3'], 'docs/benchmarks.md').rounds).toBe(3);
    expect(() => parseBenchOptions(['--rounds=0'], 'docs/benchmarks.md')).toThrow('Invalid --rounds=0');
  });

  it('reports each round in Markdown', () => {
    const environment = testEnvironment('2', 'pnpm bench --rounds=2');
    const results = bestOfRounds([[okResult('offshelf', 40)], [okResult('offshelf', 60)]]);
    const markdown = renderMarkdown(environment, { warmup: 1, repeats: 3, rounds: 2, flopsPerImage: {} }, results);
    expect(markdown).toContain('- Rounds: every engine ran each model and batch 2 times in turn, and each row is its fastest round.');
    expect(markdown).toContain('- offshelf, mobilenetv2, batch 8: 40.00, 60.00');
  });
});
