/**
 * The adapter facts that tuning results are keyed by. Two adapters with equal identities
 * are assumed to run every kernel variant at the same relative speed.
 */
export interface AdapterIdentity {
  vendor: string;
  architecture: string;
  description: string;
  /** Driver or backend, such as 'vulkan' for Dawn on Vulkan or 'browser'. */
  backend: string;
}

/** Returns the cache key of an adapter: its identity fields joined in a fixed order. */
export function adapterIdentityKey(identity: AdapterIdentity): string {
  return [identity.vendor, identity.architecture, identity.description, identity.backend].join('|');
}

/** Reads an identity from `GPUAdapterInfo`; `backend` names the driver or API behind it. */
export function adapterIdentityFromInfo(info: GPUAdapterInfo, backend: string): AdapterIdentity {
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    description: `${info.device} ${info.description}`.trim(),
    backend,
  };
}
