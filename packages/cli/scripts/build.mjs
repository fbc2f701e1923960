// `pnpm --filter @offshelf/cli build`: bundles dist/offshelf.js unconditionally.
import { chmodSync } from 'node:fs';

import { bundleCli, bundlePath } from './bundle.mjs';

await bundleCli();
chmodSync(bundlePath, 0o755);
