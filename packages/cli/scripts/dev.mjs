// `pnpm cli ...`: rebuilds dist/offshelf.js when any source is newer, then runs it
// with this process's arguments.
import { pathToFileURL } from 'node:url';

import { bundleCli, bundlePath, isBundleStale } from './bundle.mjs';

if (isBundleStale()) await bundleCli();
await import(pathToFileURL(bundlePath).href);
