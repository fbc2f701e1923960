/** Registers `offshelf bench`, which runs the benchmark suite of packages/bench. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { Command } from 'commander';

import { CliError } from '../errors';
import { findRepositoryRoot } from '../registry/paths';

// TODO: import packages/bench directly once it exports an entry point. Until then this starts
// its runner script, so it works only from the repository checkout.
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('benchmark offshelf against other engines (WebGPU, WebAssembly and native CPU) on this machine (options: see `offshelf bench --help`)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[options...]', 'passed to the benchmark runner')
    .action((_options: string[], _flags: unknown, command: Command) => {
      const root = findRepositoryRoot();
      const runner = root ? join(root, 'packages', 'bench', 'scripts', 'run.mjs') : undefined;
      if (!runner || !existsSync(runner)) {
        throw new CliError('bench needs the offshelf repository checkout (packages/bench/scripts/run.mjs); run `pnpm bench` from it');
      }
      const result = spawnSync(process.execPath, [runner, ...command.args], { stdio: 'inherit' });
      process.exitCode = result.status ?? 1;
    });
}
