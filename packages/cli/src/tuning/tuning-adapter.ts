import { adapterIdentityFromInfo, type AdapterIdentity } from '@offshelf/core-wgsl';
import type { OffshelfDevice } from '@offshelf/device';

/** Returns the identity tuning results are stored under for this device: its adapter facts and backend. */
export function tuningAdapterOf(gpu: OffshelfDevice): AdapterIdentity {
  return adapterIdentityFromInfo(gpu.device.adapterInfo, gpu.summary.backend);
}
