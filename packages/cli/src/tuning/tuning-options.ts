import type { FeatureExtractorOptions } from '@offshelf/backbone';
import { adapterIdentityFromInfo, type AdapterIdentity } from '@offshelf/core-wgsl';
import type { OffshelfDevice } from '@offshelf/device';

import type { Environment } from '../registry/paths';
import { FileTuningCache, tuningCachePath } from './file-tuning-cache';
import { resolveTuningMode, type TuningMode } from './tuning-mode';

/** Returns the identity tuning results are stored under for this device: its adapter facts and backend. */
export function tuningAdapterOf(gpu: OffshelfDevice): AdapterIdentity {
  return adapterIdentityFromInfo(gpu.device.adapterInfo, gpu.summary.backend);
}

/**
 * Returns the tuning settings of every command that opens a backbone. They use the cache file
 * in the user cache folder, in the mode `--tuning` sets (`mode`), else the one `OFFSHELF_TUNING` names, else use.
 */
export function cliTuningOptions(
  gpu: OffshelfDevice,
  mode: TuningMode | undefined,
  env: Environment = process.env,
): NonNullable<FeatureExtractorOptions['tuning']> {
  return { cache: new FileTuningCache(tuningCachePath(env)), mode: resolveTuningMode(mode, env), adapter: tuningAdapterOf(gpu) };
}
