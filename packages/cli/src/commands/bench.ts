/** Registers `offshelf bench`. */
import type { Command } from 'commander';

import { CliError } from '../errors';

// TODO: run the benchmarks from packages/bench here once that package exports an entry point.
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('benchmark offshelf against other WebGPU engines on this adapter (not available in this build yet)')
    .allowUnknownOption()
    .action(() => {
      throw new CliError('bench is not part of this build yet; run the benchmarks with `pnpm --filter @offshelf/bench test`');
    });
}
