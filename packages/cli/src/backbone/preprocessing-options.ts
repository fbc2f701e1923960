/**
 * `--mean`, `--std` and `--resize`: the input recipe for models whose files do not record one
 * (ONNX without a preprocessor_config.json, TF.js), in place of the defaults that the importers choose.
 */
import { imagenetCenterCrop, type Graph, type Preprocessing } from '@offshelf/backbone';
import { InvalidArgumentError, type Command } from 'commander';

import { UsageError } from '../errors';

export interface PreprocessingOverrides {
  mean?: [number, number, number];
  std?: [number, number, number];
  resize?: Preprocessing['resize'] | { mode: 'crop' };
}

/** Parses three comma-separated finite numbers, all greater than 0 when `positive`. */
function parseTriple(name: string, positive: boolean): (value: string) => [number, number, number] {
  return (value) => {
    const parts = value.split(',').map((part) => (part.trim() === '' ? Number.NaN : Number(part)));
    const valid = parts.length === 3 && parts.every((part) => Number.isFinite(part) && (!positive || part > 0));
    if (!valid) throw new InvalidArgumentError(`expected three ${positive ? 'positive ' : ''}numbers R,G,B for ${name}, got "${value}".`);
    return parts as [number, number, number];
  };
}

/** Parses `stretch`, `crop` (short side 8/7 of the input) or `crop:N` (short side N pixels). */
function parseResize(value: string): PreprocessingOverrides['resize'] {
  if (value === 'stretch') return { mode: 'stretch' };
  if (value === 'crop') return { mode: 'crop' };
  const match = /^crop:(\d+)$/.exec(value);
  if (match && Number(match[1]) >= 1) return { mode: 'shorterSideThenCenterCrop', shorterSide: Number(match[1]) };
  throw new InvalidArgumentError(`expected stretch, crop or crop:N (the short side in pixels), got "${value}".`);
}

/** Adds `--mean`, `--std` and `--resize`. */
export function addPreprocessingOptions(command: Command): Command {
  return command
    .option(
      '--mean <r,g,b>',
      "per-channel mean of pixel / 255 that the model's input subtracts (default: the model's recipe, from the file or a preprocessor_config.json beside an ONNX file, else offshelf's assumption; see docs)",
      parseTriple('--mean', false),
    )
    .option('--std <r,g,b>', 'per-channel standard deviation that the input is divided by after --mean', parseTriple('--std', true))
    .option('--resize <mode>', 'stretch to the input size, crop (short side to 8/7 of the input, then center crop) or crop:N (short side N pixels)', parseResize);
}

/** Returns the overrides that `options` contain, or undefined for none. */
export function preprocessingOverrides(options: PreprocessingOverrides): PreprocessingOverrides | undefined {
  const { mean, std, resize } = options;
  return mean || std || resize ? { mean, std, resize } : undefined;
}

/** Replaces the fields of the graph's preprocessing that `overrides` set. */
export function applyPreprocessingOverrides(graph: Graph, overrides: PreprocessingOverrides): void {
  const own = graph.metadata.preprocessing;
  let resize = own.resize;
  if (overrides.resize?.mode === 'crop') {
    resize = imagenetCenterCrop(own.height, own.width);
  } else if (overrides.resize !== undefined) {
    resize = overrides.resize;
  }
  // A short side below the longer input side would crop outside portrait or landscape images.
  const longer = Math.max(own.height, own.width);
  if (resize.mode === 'shorterSideThenCenterCrop' && resize.shorterSide < longer) {
    throw new UsageError(`--resize crop:${resize.shorterSide}: the short side must be at least the model's longer input side, ${longer} pixels`);
  }
  graph.metadata.preprocessing = { ...own, mean: overrides.mean ?? own.mean, std: overrides.std ?? own.std, resize };
}
