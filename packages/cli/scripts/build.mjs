// `pnpm --filter @offshelf/cli build`: bundles dist/offshelf.js unconditionally.
import { bundleCli } from './bundle.mjs';

await bundleCli();
