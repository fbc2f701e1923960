/**
 * Node entry point: WebGPU from Dawn (npm `webgpu`). Tries Vulkan first and falls
 * back to Dawn's OpenGL ES backend in compatibility mode, which stock Mesa 22
 * (Debian 12) needs because its lavapipe is too old for Dawn's Vulkan backend.
 */
import { availableParallelism } from 'node:os';

import { create, globals } from 'webgpu';

import {
  createDevice,
  NoAdapterError,
  requestAdapterFrom,
  type BackendName,
  type OffshelfDevice,
  type RequestDeviceOptions,
} from './common';
import { eventPolling, setEventPolling, type EventPolling } from './event-polling';

export * from './common';
export { eventPolling, setEventPolling, type EventPolling } from './event-polling';

/** The fix that a `NoAdapterError` names in Node: how to install a software GPU. */
export const SOFTWARE_GPU_HINT =
  'Install a software GPU: on Debian 12 enable bookworm-backports and run ' +
  '`apt-get install -t bookworm-backports mesa-vulkan-drivers` (lavapipe), ' +
  'or run `bash scripts/setup.sh`, which does this when no adapter is found.';

// Dawn's GPU objects must stay reachable while any adapter or device from them is
// in use: when one is garbage-collected mid-work the process crashes.
const liveGpus = new Set<GPU>();

let globalsInstalled = false;

/**
 * Lavapipe compute threads (LP_NUM_THREADS) per CPU that `requestDevice` sets when the
 * environment sets none. With Dawn's busy event loop taking one of 2 cores, two threads per CPU
 * ran ResNet-18 1.3× faster than one (2 AMD EPYC cores, pnpm bench). With that loop paced
 * (event-polling.ts), one per CPU was as fast or faster at batch 8 (pnpm bench, 2 cores, Mesa
 * 25.0.7), and up to 1.3× faster for MobileNetV2 at batch 1, whose small dispatches pay for
 * waking every thread.
 */
export const LAVAPIPE_THREADS_PER_CPU = 1;

// Mesa's llvmpipe caps LP_NUM_THREADS at LP_MAX_THREADS, 32 in its lp_limits.h.
const LAVAPIPE_MAX_THREADS = 32;

/**
 * Returns the LP_NUM_THREADS value offshelf uses when the environment sets none: 1 per CPU, at
 * most 32. It only affects lavapipe, and it must be in the environment before the first device.
 */
export function defaultLavapipeThreads(): number {
  return Math.min(LAVAPIPE_MAX_THREADS, LAVAPIPE_THREADS_PER_CPU * availableParallelism());
}

function installGlobals(): void {
  if (globalsInstalled) return;
  // GPUBufferUsage, GPUMapMode and friends are globals in browsers; Dawn exports them.
  for (const [name, value] of Object.entries(globals)) {
    if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  }
  globalsInstalled = true;
}

type DawnBackend = 'vulkan' | 'opengles' | 'metal' | 'd3d12';

/** Returns Dawn's backends on this platform, in the order `auto` tries them. */
function platformBackends(): DawnBackend[] {
  if (process.platform === 'darwin') return ['metal'];
  if (process.platform === 'win32') return ['d3d12', 'vulkan'];
  return ['vulkan', 'opengles'];
}

function backendsToTry(backend: BackendName): DawnBackend[] {
  if (backend === 'auto' || backend === 'browser') return platformBackends();
  return [backend];
}

const BACKEND_PLATFORMS: Record<string, string> = { metal: 'macOS', d3d12: 'Windows' };

/**
 * Checks a backend name from an option or the environment: `auto` or one of Dawn's backends on
 * this platform. The error names the valid ones.
 */
function checkBackendName(value: string, source: string): BackendName {
  const valid: string[] = ['auto', ...platformBackends()];
  if (valid.includes(value)) return value as BackendName;

  const platform = BACKEND_PLATFORMS[value];
  const reason = platform === undefined ? '' : ` ${value} runs only on ${platform}, and this is ${process.platform}, so`;
  throw new Error(`Invalid ${source}=${value}:${reason} expected one of ${valid.join(', ')}.`);
}

/** Reads `OFFSHELF_BACKEND`, rejecting unknown names. */
export function backendFromEnvironment(): BackendName | undefined {
  const value = process.env.OFFSHELF_BACKEND;
  if (!value) return undefined;
  return checkBackendName(value, 'OFFSHELF_BACKEND');
}

const POLLING_MODES: EventPolling[] = ['busy', 'paced'];

/** Reads `OFFSHELF_EVENT_POLLING`, rejecting unknown modes. */
export function eventPollingFromEnvironment(): EventPolling | undefined {
  const value = process.env.OFFSHELF_EVENT_POLLING;
  if (!value) return undefined;
  if (!POLLING_MODES.includes(value as EventPolling)) {
    throw new Error(`Invalid OFFSHELF_EVENT_POLLING=${value}: expected one of ${POLLING_MODES.join(', ')}.`);
  }
  return value as EventPolling;
}

/**
 * Returns a WebGPU device from Dawn (the npm `webgpu` package) on the first backend that has an
 * adapter. This is the Node build of the package; in browsers the same call takes the device from
 * `navigator.gpu`.
 */
export async function requestDevice(options: RequestDeviceOptions = {}): Promise<OffshelfDevice> {
  installGlobals();
  // Read by lavapipe when Dawn first loads it, so it applies to every device of this process.
  process.env.LP_NUM_THREADS ??= String(defaultLavapipeThreads());
  const backend = options.backend ? checkBackendName(options.backend, 'backend') : (backendFromEnvironment() ?? 'auto');
  const polling = options.eventPolling ?? eventPollingFromEnvironment();
  if (polling && !POLLING_MODES.includes(polling)) {
    throw new Error(`Invalid eventPolling=${String(polling)}: expected one of ${POLLING_MODES.join(', ')}.`);
  }
  const tried: string[] = [];

  for (const name of backendsToTry(backend)) {
    const featureLevel = name === 'opengles' ? 'compatibility' : 'core';
    if (name === 'opengles' && !process.env.EGL_PLATFORM) {
      // Headless machines have no X or Wayland display; EGL must not look for one.
      process.env.EGL_PLATFORM = 'surfaceless';
    }

    const gpu = create([`backend=${name}`]) as unknown as GPU;
    const adapter = await requestAdapterFrom(gpu, featureLevel, options.powerPreference);
    tried.push(name);
    if (!adapter) continue;

    liveGpus.add(gpu);
    const handle = await createDevice(adapter, name, featureLevel, options);
    // A busy poll takes a core from a CPU adapter's shader threads. On a GPU it only costs power,
    // and pacing would add up to a timer step of latency to batches of a few milliseconds.
    if (polling) setEventPolling(polling);
    else if (handle.summary.isFallbackAdapter) setEventPolling('paced');
    handle.eventPolling = eventPolling();
    const destroy = handle.destroy;
    handle.destroy = () => {
      destroy();
      liveGpus.delete(gpu);
    };
    return handle;
  }

  throw new NoAdapterError(tried, SOFTWARE_GPU_HINT);
}
