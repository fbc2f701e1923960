/**
 * Adapter and device set-up shared by the Node (Dawn) and browser entry points.
 * Each entry point supplies its `GPU` object; everything else is identical.
 */

/** Backends that can be requested. `auto` tries Vulkan (or the platform default) first. */
export type BackendName = 'auto' | 'vulkan' | 'opengles' | 'metal' | 'd3d12' | 'browser';

/** Optional features used when the adapter has them; none is required. */
export const OPTIONAL_FEATURES: readonly GPUFeatureName[] = ['shader-f16', 'subgroups', 'timestamp-query'];

/** Limits the kernels depend on, requested at the adapter's maximum. */
export const KERNEL_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

export type KernelLimitName = (typeof KERNEL_LIMITS)[number];

export interface RequestDeviceOptions {
  /** Backend to use; defaults to `OFFSHELF_BACKEND` in Node, else `auto`. */
  backend?: BackendName;
  powerPreference?: GPUPowerPreference;
  /** Features to enable when present, in addition to nothing. Defaults to {@link OPTIONAL_FEATURES}. */
  optionalFeatures?: readonly GPUFeatureName[];
  /** Called once when the device is lost for any reason other than `destroy()`. */
  onLost?: (error: DeviceLostError) => void;
  /**
   * Node only: how Dawn's binding waits for GPU events, `busy` (its own loop, one CPU core busy
   * while the GPU works) or `paced` (a 1 ms timer after the first 0.5 ms). Defaults to
   * `OFFSHELF_EVENT_POLLING`, else `paced` on CPU adapters such as lavapipe and `busy` on GPUs.
   * The mode holds for the whole process: a GPU device requested after a CPU one stays paced
   * unless this option is `busy`.
   */
  eventPolling?: 'busy' | 'paced';
}

/** Facts about the adapter a device came from, as `offshelf doctor` prints them. */
export interface AdapterSummary {
  backend: string;
  adapter: { vendor: string; architecture: string; device: string; description: string };
  isFallbackAdapter: boolean;
  featureLevel: 'core' | 'compatibility';
  features: Record<string, boolean>;
  limits: Record<KernelLimitName, number>;
}

/** A device with the adapter it came from. Call `destroy()` when done so the process can exit. */
export interface OffshelfDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  summary: AdapterSummary;
  /** Resolves with the loss error if the device is lost other than through `destroy()`. */
  lost: Promise<DeviceLostError>;
  /** Node only: how Dawn's binding waits for GPU events in this process (`RequestDeviceOptions.eventPolling`). */
  eventPolling?: 'busy' | 'paced';
  destroy(): void;
}

/** The GPU device was lost (driver reset, out of memory, or a crash in the implementation). */
export class DeviceLostError extends Error {
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(
      `WebGPU device lost (${reason}): ${detail || 'no detail from the driver'}. ` +
        'Results computed after this point are invalid; create a new device and run again.',
    );
    this.name = 'DeviceLostError';
  }
}

/** No adapter could be found on any backend that was tried. */
export class NoAdapterError extends Error {
  constructor(tried: string[], hint: string) {
    super(`No WebGPU adapter found (tried: ${tried.join(', ')}). ${hint}`);
    this.name = 'NoAdapterError';
  }
}

/** Requests an adapter from `gpu`, or returns null when this GPU object has none. */
export async function requestAdapterFrom(
  gpu: GPU,
  featureLevel: 'core' | 'compatibility',
  powerPreference?: GPUPowerPreference,
): Promise<GPUAdapter | null> {
  const options: GPURequestAdapterOptions & { featureLevel?: string } = { featureLevel };
  if (powerPreference) options.powerPreference = powerPreference;
  try {
    return await gpu.requestAdapter(options);
  } catch {
    return null;
  }
}

/** Creates a device on `adapter` with the kernel limits at their maximum and the optional features present. */
export async function createDevice(
  adapter: GPUAdapter,
  backend: string,
  featureLevel: 'core' | 'compatibility',
  options: RequestDeviceOptions,
): Promise<OffshelfDevice> {
  const wanted = options.optionalFeatures ?? OPTIONAL_FEATURES;
  const requiredFeatures = wanted.filter((feature) => adapter.features.has(feature));

  const requiredLimits: Record<string, number> = {};
  for (const name of KERNEL_LIMITS) {
    const value = (adapter.limits as unknown as Record<string, number | undefined>)[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }

  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  const summary = summarizeAdapter(adapter, device, backend, featureLevel);

  let destroyed = false;
  const lost = device.lost.then((info) => {
    const error = new DeviceLostError(info.reason ?? 'unknown', info.message);
    if (!destroyed) options.onLost?.(error);
    return error;
  });

  return {
    device,
    adapter,
    summary,
    lost,
    destroy() {
      destroyed = true;
      device.destroy();
    },
  };
}

/** Collects backend, adapter info, features and kernel limits into one plain object. */
export function summarizeAdapter(
  adapter: GPUAdapter,
  device: GPUDevice,
  backend: string,
  featureLevel: 'core' | 'compatibility',
): AdapterSummary {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const features: Record<string, boolean> = {};
  for (const feature of OPTIONAL_FEATURES) features[feature] = device.features.has(feature);

  const limits = {} as Record<KernelLimitName, number>;
  for (const name of KERNEL_LIMITS) {
    limits[name] = (device.limits as unknown as Record<string, number>)[name] ?? 0;
  }

  const fallbackFlag = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const description = info?.description ?? '';
  return {
    backend,
    adapter: {
      vendor: info?.vendor ?? '',
      architecture: info?.architecture ?? '',
      device: info?.device ?? '',
      description,
    },
    // Dawn does not set isFallbackAdapter for lavapipe or llvmpipe, so the driver name counts too.
    // On OpenGL ES only the device field names it (the description is the GL version).
    isFallbackAdapter: Boolean(fallbackFlag) || /llvmpipe|lavapipe|swiftshader|softpipe|software/i.test(`${description} ${info?.device ?? ''} ${info?.architecture ?? ''}`),
    featureLevel,
    features,
    limits,
  };
}
