// `pnpm cli ...`: rebuilds dist/offshelf.js when any source is newer, then runs it
// with this process's arguments.
import { pathToFileURL } from 'node:url';

import { bundleCli, bundlePath, isBundleStale } from './bundle.mjs';

if (isBundleStale()) await bundleCli();

// pnpm runs the root `cli` script in the repository root. INIT_CWD is the folder the user ran
// `pnpm cli` from, so relative paths on the command line resolve where they were typed.
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
await import(pathToFileURL(bundlePath).href);
