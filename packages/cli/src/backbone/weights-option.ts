/** `--weights f32|f16`: the storage type of backbone weights on the GPU, for every command that runs a backbone. */
import type { WeightPrecision } from '@offshelf/backbone';
import type { AdapterSummary } from '@offshelf/device';
import { Option, type Command } from 'commander';

import { CliError } from '../errors';

export const WEIGHT_PRECISIONS: readonly WeightPrecision[] = ['f32', 'f16'];

/** Adds `--weights <precision>`. Commander rejects other values with a message that lists the valid ones. */
export function addWeightsOption(command: Command, defaultText = 'f32'): Command {
  return command.addOption(
    new Option(
      '--weights <precision>',
      'storage type of the backbone weights on the GPU: f32, or f16 for half the weight memory ' +
        `(needs the WebGPU feature shader-f16, which \`offshelf doctor\` lists; sums stay f32) (default: ${defaultText})`,
    ).choices(WEIGHT_PRECISIONS),
  );
}

/** Returns the weight precision a model bundle or features file records, or f32 when it records none. */
export function parseRecordedPrecision(value: unknown, file: string): WeightPrecision {
  if (value === undefined) return 'f32';
  if (typeof value === 'string' && (WEIGHT_PRECISIONS as readonly string[]).includes(value)) return value as WeightPrecision;
  throw new CliError(`${file}: weightPrecision ${JSON.stringify(value)} is invalid; expected one of: ${WEIGHT_PRECISIONS.join(', ')}`);
}

/**
 * Checks that the adapter can run `precision`. `origin` is the source of the value that the
 * message names, such as `--weights f16`.
 */
export function checkWeightsSupported(precision: WeightPrecision, summary: AdapterSummary, origin = `--weights ${precision}`): void {
  if (precision !== 'f16' || summary.features['shader-f16']) return;
  const adapter = summary.adapter.description || summary.adapter.device || summary.backend;
  throw new CliError(
    `${origin} needs the WebGPU feature shader-f16, which this adapter (${adapter}, ${summary.backend}) does not have; ` +
      'pass --weights f32, or run on an adapter with shader-f16 (`offshelf doctor` lists its features)',
  );
}
