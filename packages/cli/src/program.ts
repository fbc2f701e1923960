/** The `offshelf` command table: one line per command. */
import { Command } from 'commander';

import cliPackage from '../package.json' with { type: 'json' };
import { registerBench } from './commands/bench';
import { registerClassify } from './commands/classify';
import { registerDoctorCommand } from './commands/doctor-command';
import { registerEvaluate } from './commands/evaluate';
import { registerExtract } from './commands/extract';
import { registerRun } from './commands/run';
import { registerTrain } from './commands/train';
import { registerTune } from './commands/tune';

const COMMANDS: Array<(program: Command) => void> = [
  registerExtract,
  registerTrain,
  registerEvaluate,
  registerClassify,
  registerRun,
  registerDoctorCommand,
  registerBench,
  registerTune,
];

export function buildProgram(): Command {
  const program = new Command('offshelf')
    .description(
      'Transfer learning on WebGPU: a frozen pretrained CNN extracts features, a shallow classifier (logistic regression, SVM, k-NN) learns your classes.\n' +
        'Environment: OFFSHELF_SHARED (folder with models/ and datasets/, default ../shared beside the repository), ' +
        'OFFSHELF_MODELS, OFFSHELF_DATASETS (local folders for registry names), OFFSHELF_CACHE (download and feature cache), ' +
        'OFFSHELF_MIRROR (server of the registry files: models/<path as in the shared models folder>, datasets/<upstream zip>), OFFSHELF_DOWNLOAD_TIMEOUT (seconds, default 60), ' +
        'OFFSHELF_OFFLINE=1 (never download), OFFSHELF_BACKEND (vulkan, opengles), OFFSHELF_TUNING (off, use or tune, default use: how the kernel tuning cache that `offshelf tune` writes is used; --tuning overrides it), OFFSHELF_DEBUG=1 (stack traces).',
    )
    .version(cliPackage.version, '-V, --version', 'print the offshelf version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  for (const register of COMMANDS) register(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}
