/** Registers `offshelf doctor`; the command itself lives in doctor.ts. */
import type { Command } from 'commander';

import { runDoctor } from './doctor';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('show the WebGPU adapter offshelf finds and run a small compute check on it')
    .option('--json', 'print the adapter summary as JSON')
    .option('--backend <name>', 'backend to try: auto, vulkan or opengles (default: OFFSHELF_BACKEND, else auto)')
    .action(async (options: { json?: boolean; backend?: 'auto' | 'vulkan' | 'opengles' }) => {
      process.exitCode = await runDoctor(options);
    });
}
