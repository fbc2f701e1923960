/** The tuning mode of commands that run a backbone: `--tuning`, else `OFFSHELF_TUNING`, else use. */
import { Option, type Command } from 'commander';

import { CliError } from '../errors';
import type { Environment } from '../registry/paths';

/** Use of the kernel tuning cache: off ignores it, use runs the variants it stores, tune first times and stores the shapes it lacks. */
export type TuningMode = 'off' | 'use' | 'tune';
export const TUNING_MODES: readonly TuningMode[] = ['off', 'use', 'tune'];
const DEFAULT_TUNING_MODE: TuningMode = 'use';

/** Adds `--tuning <mode>`. Commander rejects other values with a message that lists the valid ones. */
export function addTuningOption(command: Command): Command {
  return command.addOption(
    new Option(
      '--tuning <mode>',
      'kernel tuning cache that `offshelf tune` writes: off ignores it, use runs the kernel variants it stores, ' +
        'tune first times and stores the kernel shapes it lacks (default: OFFSHELF_TUNING, else use)',
    ).choices(TUNING_MODES),
  );
}

/** Returns `option` when given, else the mode that `OFFSHELF_TUNING` names, else use. Throws on an invalid value. */
export function resolveTuningMode(option: string | undefined, env: Environment = process.env): TuningMode {
  if (option !== undefined) {
    if (!isTuningMode(option)) throw new CliError(`--tuning ${option} is invalid; pass one of: ${TUNING_MODES.join(', ')}`, 2);
    return option;
  }

  const fromEnv = env.OFFSHELF_TUNING || DEFAULT_TUNING_MODE;
  if (!isTuningMode(fromEnv)) {
    throw new CliError(`OFFSHELF_TUNING=${fromEnv} is invalid; set it to one of: ${TUNING_MODES.join(', ')}, or pass --tuning`);
  }
  return fromEnv;
}

function isTuningMode(value: string): value is TuningMode {
  return (TUNING_MODES as readonly string[]).includes(value);
}
