import type { KernelProgram } from './program';

interface CachedPipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/**
 * Compute pipelines keyed by `KernelProgram.shaderKey`, one cache per device, so no
 * shader is compiled twice in a process. Layouts are explicit (not `auto`), because
 * `auto` drops bindings a specialization does not use and the binding convention
 * must hold for every variant.
 */
export class PipelineCache {
  private readonly pipelines = new Map<string, CachedPipeline>();
  private readonly pending = new Map<string, Promise<CachedPipeline>>();
  /** Number of shader modules compiled by this cache. */
  compiledCount = 0;

  constructor(readonly device: GPUDevice) {}

  /** Returns the pipeline for `program`, compiling it synchronously on first use. */
  get(program: KernelProgram): CachedPipeline {
    const cached = this.pipelines.get(program.shaderKey);
    if (cached) return cached;

    const layout = this.createLayout(program);
    const pipeline = this.device.createComputePipeline({
      label: program.name,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module: this.createModule(program), entryPoint: 'main' },
    });
    const entry = { pipeline, layout };
    this.pipelines.set(program.shaderKey, entry);
    return entry;
  }

  /** Compiles `program` without blocking, so many pipelines can compile at once while a graph is planned. */
  async getAsync(program: KernelProgram): Promise<CachedPipeline> {
    const cached = this.pipelines.get(program.shaderKey);
    if (cached) return cached;
    const inFlight = this.pending.get(program.shaderKey);
    if (inFlight) return inFlight;

    const layout = this.createLayout(program);
    const promise = this.device
      .createComputePipelineAsync({
        label: program.name,
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module: this.createModule(program), entryPoint: 'main' },
      })
      .then((pipeline) => {
        const entry = { pipeline, layout };
        this.pipelines.set(program.shaderKey, entry);
        this.pending.delete(program.shaderKey);
        return entry;
      });
    this.pending.set(program.shaderKey, promise);
    return promise;
  }

  get size(): number {
    return this.pipelines.size;
  }

  private createModule(program: KernelProgram): GPUShaderModule {
    this.compiledCount += 1;
    return this.device.createShaderModule({ label: program.shaderKey, code: program.code });
  }

  private createLayout(program: KernelProgram): GPUBindGroupLayout {
    const entries: GPUBindGroupLayoutEntry[] = [];
    let binding = 0;
    if (program.uniforms) {
      entries.push({ binding: binding++, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } });
    }
    for (let i = 0; i < program.inputCount; i++) {
      entries.push({ binding: binding++, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } });
    }
    entries.push({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } });
    return this.device.createBindGroupLayout({ label: program.name, entries });
  }
}

const cachesByDevice = new WeakMap<GPUDevice, PipelineCache>();

/** Returns the process-wide pipeline cache of `device`. */
export function pipelineCacheFor(device: GPUDevice): PipelineCache {
  let cache = cachesByDevice.get(device);
  if (!cache) {
    cache = new PipelineCache(device);
    cachesByDevice.set(device, cache);
  }
  return cache;
}
