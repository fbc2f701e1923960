import type { FeatureExtractorOptions } from '@offshelf/backbone';
import { adapterIdentityFromInfo, type AdapterIdentity } from '@offshelf/core-wgsl';
import type { OffshelfDevice } from '@offshelf/device';

import { CliError } from '../errors';
import type { Environment } from '../registry/paths';
import { FileTuningCache, tuningCachePath } from './file-tuning-cache';

type TuningMode = 'off' | 'use' | 'tune';
const TUNING_MODES: readonly TuningMode[] = ['off', 'use', 'tune'];

/** Returns the identity tuning results are stored under for this device: its adapter facts and backend. */
export function tuningAdapterOf(gpu: OffshelfDevice): AdapterIdentity {
  return adapterIdentityFromInfo(gpu.device.adapterInfo, gpu.summary.backend);
}

/**
 * Returns the tuning settings of every command that opens a backbone. They use the cache file
 * in the user cache folder, in the mode that `OFFSHELF_TUNING` names: off, use (default) or tune.
 */
export function cliTuningOptions(gpu: OffshelfDevice, env: Environment = process.env): NonNullable<FeatureExtractorOptions['tuning']> {
  const mode = (env.OFFSHELF_TUNING || 'use') as TuningMode;
  if (!TUNING_MODES.includes(mode)) {
    throw new CliError(`OFFSHELF_TUNING=${env.OFFSHELF_TUNING} is invalid; set it to one of: ${TUNING_MODES.join(', ')}`);
  }
  return { cache: new FileTuningCache(tuningCachePath(env)), mode, adapter: tuningAdapterOf(gpu) };
}
