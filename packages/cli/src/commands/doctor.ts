/**
 * `offshelf doctor`: which WebGPU adapter this machine gives offshelf, and whether it is usable.
 */
import { adapterIdentityKey, hasSubgroupsOf8To64, kernelTargetOf, type KernelTarget } from '@offshelf/core-wgsl';
import { NoAdapterError, requestDevice, SOFTWARE_GPU_HINT, type AdapterSummary, type OffshelfDevice } from '@offshelf/device';

import { errorMessage } from '../errors';
import type { Environment } from '../registry/paths';
import { FileTuningCache, tuningCachePath } from '../tuning/file-tuning-cache';
import { tuningAdapterOf } from '../tuning/tuning-options';
import { formatCount } from '../ui/plural';

export interface DoctorOptions {
  json?: boolean;
  backend?: 'auto' | 'vulkan' | 'opengles';
}

/** The tuning cache file and how many kernel shapes it holds for this adapter, or why it cannot be read. */
interface TuningCacheReport {
  path: string;
  tunedShapes: number;
  error?: string;
}

async function readTuningCacheReport(gpu: OffshelfDevice, env: Environment): Promise<TuningCacheReport> {
  const path = tuningCachePath(env);
  try {
    const table = await new FileTuningCache(path).load(adapterIdentityKey(tuningAdapterOf(gpu)));
    return { path, tunedShapes: Object.keys(table).length };
  } catch (error) {
    return { path, tunedShapes: 0, error: errorMessage(error) };
  }
}

function describeTuningCache(report: TuningCacheReport): string {
  if (report.error !== undefined) return `unreadable: ${report.error}`;
  if (report.tunedShapes === 0) return `no kernel shapes tuned for this adapter in ${report.path} (offshelf tune --backbone MODEL adds them)`;
  return `${formatCount(report.tunedShapes, 'kernel shape')} tuned for this adapter in ${report.path}`;
}

/** Prints the adapter summary (or the reason there is none) and returns the process exit code. */
export async function runDoctor(
  options: DoctorOptions,
  write: (text: string) => void = (t) => process.stdout.write(t),
  env: Environment = process.env,
): Promise<number> {
  let gpu;
  try {
    gpu = await requestDevice(options.backend ? { backend: options.backend } : {});
  } catch (error) {
    if (!(error instanceof NoAdapterError)) throw error;
    if (options.json) write(`${JSON.stringify({ ok: false, error: error.message, hint: SOFTWARE_GPU_HINT }, null, 2)}\n`);
    else write(`No usable WebGPU adapter.\n${error.message}\n`);
    return 1;
  }

  try {
    const smokeTestPassed = await runSmokeTest(gpu.device);
    const { subgroupSizes, cpuAdapter } = kernelTargetOf(gpu.device);
    const kernels = { subgroupSizes: subgroupSizes ?? null, cpuAdapter: cpuAdapter ?? false, subgroupVariants: hasSubgroupsOf8To64({ subgroupSizes }) };
    const polling = gpu.eventPolling ?? 'busy';
    const tuningCache = await readTuningCacheReport(gpu, env);
    const report = { ok: smokeTestPassed, ...gpu.summary, kernels, eventPolling: polling, tuningCache, smokeTestPassed };
    write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatSummary(gpu.summary, { subgroupSizes, cpuAdapter }, polling, tuningCache, smokeTestPassed));
    return smokeTestPassed ? 0 : 1;
  } finally {
    gpu.destroy();
  }
}

function formatSummary(summary: AdapterSummary, target: KernelTarget, polling: 'busy' | 'paced', tuningCache: TuningCacheReport, smokeTestPassed: boolean): string {
  const { adapter } = summary;
  const lines = [
    `backend          ${summary.backend} (${summary.featureLevel} feature level)`,
    `adapter          ${adapter.description || adapter.device || '(no description)'}`,
    `vendor           ${adapter.vendor || '-'}  architecture ${adapter.architecture || '-'}`,
    `software adapter ${summary.isFallbackAdapter ? 'yes (runs on the CPU: expect low throughput)' : 'no'}`,
    `features         ${Object.entries(summary.features)
      .map(([name, present]) => `${name} ${present ? 'yes' : 'no'}`)
      .join(', ')}`,
    `kernels          ${describeKernelChoice(target)}`,
    `tuning cache     ${describeTuningCache(tuningCache)}`,
    `event polling    ${polling === 'paced' ? "paced (a 1 ms timer, so Dawn's wait loop leaves the CPU to the adapter)" : "busy (Dawn's own loop keeps one CPU core busy while the GPU works)"}`,
    'limits',
    ...Object.entries(summary.limits).map(([name, value]) => `  ${name.padEnd(36)} ${value}`),
    `compute check    ${smokeTestPassed ? 'passed' : 'FAILED: the adapter returned wrong results'}`,
  ];
  return `${lines.join('\n')}\n`;
}

// Says whether the subgroup kernel variants can run on this device, and whether the selectors
// run them by default (on a CPU adapter) or leave them to tuning (on a GPU).
function describeKernelChoice(target: KernelTarget): string {
  const sizes = target.subgroupSizes;
  if (!sizes) return 'no subgroup variants (the adapter has no subgroups feature)';
  const lanes = sizes.min === sizes.max ? `${sizes.min}` : `${sizes.min}-${sizes.max}`;
  if (!hasSubgroupsOf8To64(target)) return `no subgroup variants (they need subgroups of 8 to 64 lanes, this adapter has ${lanes})`;
  if (target.cpuAdapter) return `subgroup variants on by default (${lanes}-lane subgroups on a CPU adapter; a tuning cache can override)`;
  return `subgroup variants only through tuning (${lanes}-lane subgroups on a GPU, where the 8x8 kernels are the defaults)`;
}

// Doubles 256 integers on the GPU and checks every value read back.
async function runSmokeTest(device: GPUDevice): Promise<boolean> {
  const count = 256;
  const module = device.createShaderModule({
    code: `
      @group(0) @binding(0) var<storage, read_write> data: array<f32>;
      @compute @workgroup_size(64)
      fn main(@builtin(global_invocation_id) id: vec3<u32>) {
        data[id.x] = data[id.x] * 2.0;
      }`,
  });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const input = Float32Array.from({ length: count }, (_, i) => i);
  const storage = device.createBuffer({
    size: input.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  const readback = device.createBuffer({ size: input.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(storage, 0, input);

  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: storage } }] }));
  pass.dispatchWorkgroups(count / 64);
  pass.end();
  encoder.copyBufferToBuffer(storage, 0, readback, 0, input.byteLength);
  device.queue.submit([encoder.finish()]);

  await readback.mapAsync(GPUMapMode.READ);
  const output = new Float32Array(readback.getMappedRange().slice(0));
  readback.unmap();
  storage.destroy();
  readback.destroy();
  return output.every((value, i) => value === i * 2);
}
