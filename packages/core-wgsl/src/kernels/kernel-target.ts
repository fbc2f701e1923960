/**
 * Device facts that kernel selection uses. Every field is optional, and the defaults suit any
 * WebGPU device: no binding limit, no subgroup variants, the GPU ordering.
 */
export interface KernelTarget {
  /** The device's maxStorageBufferBindingSize; variants whose scratch buffers exceed it are dropped. */
  maxBindingBytes?: number;
  /** Smallest and largest subgroup size of a device created with the `subgroups` feature. */
  subgroupSizes?: { min: number; max: number };
  /** True for a CPU implementation of WebGPU (lavapipe, SwiftShader), where the selectors order variants differently. */
  cpuAdapter?: boolean;
}

// Adapter descriptions of the CPU implementations, for devices that do not report isFallbackAdapter.
// The same names as summarizeAdapter's isFallbackAdapter in @offshelf/device.
const CPU_ADAPTER_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|software/i;

/** Reads the kernel target of `device` from its limits, features and adapter info. */
export function kernelTargetOf(device: GPUDevice): KernelTarget {
  const target: KernelTarget = { maxBindingBytes: device.limits.maxStorageBufferBindingSize };
  // Dawn's Node binding has GPUDevice.adapterInfo. A browser without it gets no subgroup variants.
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo as
    | (GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number; isFallbackAdapter?: boolean })
    | undefined;
  if (!info) return target;
  if (device.features.has('subgroups') && info.subgroupMinSize && info.subgroupMaxSize) {
    target.subgroupSizes = { min: info.subgroupMinSize, max: info.subgroupMaxSize };
  }
  const names = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  target.cpuAdapter = Boolean(info.isFallbackAdapter) || CPU_ADAPTER_NAMES.test(names);
  return target;
}

/**
 * True when the subgroup variants can run: each lane of a subgroup reads one slice of a 32-row
 * block, so subgroups need at least 8 lanes, and at most 64 so that one fits in a workgroup.
 */
export function hasSubgroupsOf8To64(target: KernelTarget): boolean {
  const sizes = target.subgroupSizes;
  return sizes !== undefined && sizes.min >= 8 && sizes.max <= 64;
}

/** Subgroup and workgroup sizes, in invocations, of the subgroup register-blocked kernels. */
export interface SubgroupLanes {
  subgroupSize: number;
  workgroupSize: number;
}

/** The lanes of a device with 8-lane subgroups and 64-invocation workgroups, the kernels' defaults. */
export const DEFAULT_SUBGROUP_LANES: SubgroupLanes = { subgroupSize: 8, workgroupSize: 64 };

/**
 * Returns the lanes of the subgroup kernels on `target`, which needs `subgroupSizes`: its largest
 * subgroup size, in workgroups of 64 invocations, or of one subgroup on a CPU adapter. Lavapipe
 * runs each workgroup on one thread, so a 14×14 or 7×7 layer at batch 1 fitted in one workgroup
 * and left the other threads idle. With one subgroup per workgroup, MobileNetV2, ResNet-18 and
 * ResNet-50 ran 2-9% faster at batch 1 and 8 (pnpm bench, lavapipe with 2 threads).
 */
export function subgroupLanesOf(target: KernelTarget): SubgroupLanes {
  const subgroupSize = target.subgroupSizes!.max;
  return { subgroupSize, workgroupSize: target.cpuAdapter === true ? subgroupSize : Math.max(64, subgroupSize) };
}

/** True when every subgroup has exactly 8 lanes, as the subgroup depthwise kernel's edge lanes 0 and 7 need. */
export function hasSubgroupsOf8(target: KernelTarget): boolean {
  return target.subgroupSizes?.min === 8 && target.subgroupSizes.max === 8;
}

/** Copies the target fields out of `options`, which may also contain other selector options. */
export function pickKernelTarget(options: KernelTarget): KernelTarget {
  const { maxBindingBytes, subgroupSizes, cpuAdapter } = options;
  return { maxBindingBytes, subgroupSizes, cpuAdapter };
}
