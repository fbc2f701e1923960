import type { CaseResult } from '../measure/result';
import { modelLabel } from '../models';

export const TABLE_HEADER = [
  'engine',
  'model',
  'batch',
  'ms/image',
  'images/s',
  'first run ms',
  'GFLOP/s',
  'peak GPU MiB',
  'RSS MiB',
  'offshelf speed-up',
  'rel. diff vs ort-node',
];

const MIB = 1024 * 1024;

function fixed(value: number | null, digits: number): string {
  return value === null ? '—' : value.toFixed(digits);
}

/**
 * offshelf's images/s divided by this engine's on the same model and batch in the same run
 * (above 1: offshelf is faster), or null when either figure is missing.
 */
export function speedupOverEngine(result: CaseResult, all: CaseResult[]): number | null {
  if (result.engine === 'offshelf' || result.imagesPerSecond === null) return null;
  const ours = all.find((r) => r.engine === 'offshelf' && r.model === result.model && r.batch === result.batch);
  if (!ours?.imagesPerSecond) return null;
  return ours.imagesPerSecond / result.imagesPerSecond;
}

/**
 * max |features − reference| / max |reference| over the sampled features, against onnxruntime-node
 * on the same model and batch, or null without a reference.
 */
export function relativeDifferenceToReference(result: CaseResult, all: CaseResult[]): number | null {
  const reference = all.find((r) => r.engine === 'ort-node' && r.model === result.model && r.batch === result.batch && r.status === 'ok');
  if (!reference || result.engine === 'ort-node' || result.featureSample.length === 0) return null;
  const length = Math.min(reference.featureSample.length, result.featureSample.length);
  let maxDifference = 0;
  let maxReference = 0;
  for (let i = 0; i < length; i++) {
    maxDifference = Math.max(maxDifference, Math.abs(result.featureSample[i]! - reference.featureSample[i]!));
    maxReference = Math.max(maxReference, Math.abs(reference.featureSample[i]!));
  }
  return maxReference > 0 ? maxDifference / maxReference : maxDifference;
}

/** Formats results as table rows of strings, in TABLE_HEADER order. */
export function tableRows(results: CaseResult[]): string[][] {
  return results.map((result) => {
    if (result.status !== 'ok') {
      return [result.engine, modelLabel(result.model), String(result.batch), `${result.status}: ${result.error ?? ''}`, '', '', '', '', '', '', ''];
    }
    const speedup = speedupOverEngine(result, results);
    const difference = relativeDifferenceToReference(result, results);
    return [
      result.engine,
      modelLabel(result.model),
      String(result.batch),
      fixed(result.msPerImage, 1),
      fixed(result.imagesPerSecond, 2),
      fixed(result.firstRunMs, 0),
      fixed(result.gflops, 2),
      result.peakGpuBytes === null ? '—' : (result.peakGpuBytes / MIB).toFixed(2),
      result.rssBytes === null ? '—' : (result.rssBytes / MIB).toFixed(0),
      speedup === null ? '—' : `${speedup.toFixed(2)}×`,
      difference === null ? '—' : difference.toExponential(1),
    ];
  });
}

/** Formats results as a plain-text table with aligned columns, for the terminal. */
export function formatTextTable(results: CaseResult[]): string {
  const rows = [TABLE_HEADER, ...tableRows(results)];
  const widths = TABLE_HEADER.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
