import type { KernelTime } from '../engines/engine';

/** One recorded dispatch with the state it ran with, so it can be replayed on its own. */
interface RecordedDispatch {
  kernel: string;
  pipeline: GPUComputePipeline;
  bindGroups: Array<{ index: number; group: GPUBindGroup | null; offsets: number[] }>;
  workgroups: [number, number, number] | null;
  indirect: { buffer: GPUBuffer; offset: number } | null;
}

// Dispatches timed per query set; 2 timestamps each, well under Dawn's 4096-query limit.
const DISPATCHES_PER_QUERY_SET = 1024;

/**
 * Times each compute kernel of one run, for any engine on the device. While recording, every
 * compute pass reports its pipelines, bind groups and dispatch sizes. Afterwards each dispatch
 * is replayed in a pass of its own, timed with timestamp queries when the device has the
 * `timestamp-query` feature, else on the CPU by waiting for the queue after each one.
 * Kernels are named by the pipeline's label, else its shader module's label, else its entry point.
 * Replay is only valid when every buffer a bind group reads keeps its content after the run,
 * as with offshelf's plan-time bind groups. Replaying TF.js 4.22 on MobileNetV2 took 5.4 s
 * against 1.2 s for the run itself, most likely because TF.js and onnxruntime-web reuse pooled
 * uniform buffers within a run, so a replayed dispatch reads a later kernel's sizes.
 * NOTE: replayed alone, a dispatch loses any overlap with its neighbours, so on a real GPU
 * the per-kernel sum can exceed the run's wall time.
 */
export class KernelProfiler {
  private readonly pipelineNames = new WeakMap<GPUComputePipeline, string>();
  private recording: RecordedDispatch[] | null = null;

  constructor(private readonly device: GPUDevice) {
    this.wrapPipelineCreation();
    this.wrapCommandEncoders();
  }

  /** Records the dispatches encoded from now until `stop`. */
  start(): void {
    this.recording = [];
  }

  stop(): RecordedDispatch[] {
    const dispatches = this.recording ?? [];
    this.recording = null;
    return dispatches;
  }

  /** Replays the dispatches one by one and returns the total GPU time per kernel name, slowest first. */
  async time(dispatches: RecordedDispatch[]): Promise<KernelTime[]> {
    const useTimestamps = this.device.features.has('timestamp-query');
    const times: number[] = [];
    for (let start = 0; start < dispatches.length; start += DISPATCHES_PER_QUERY_SET) {
      const chunk = dispatches.slice(start, start + DISPATCHES_PER_QUERY_SET);
      times.push(...(useTimestamps ? await this.timeWithTimestamps(chunk) : await this.timeOnCpu(chunk)));
    }

    const byKernel = new Map<string, KernelTime>();
    dispatches.forEach((dispatch, i) => {
      const entry = byKernel.get(dispatch.kernel) ?? { kernel: dispatch.kernel, count: 0, totalMs: 0 };
      entry.count += 1;
      entry.totalMs += times[i]!;
      byKernel.set(dispatch.kernel, entry);
    });
    return [...byKernel.values()].sort((a, b) => b.totalMs - a.totalMs);
  }

  private async timeWithTimestamps(dispatches: RecordedDispatch[]): Promise<number[]> {
    const device = this.device;
    const count = dispatches.length * 2;
    const querySet = device.createQuerySet({ type: 'timestamp', count });
    const resolve = device.createBuffer({ size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const readback = device.createBuffer({ size: count * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });

    try {
      const encoder = device.createCommandEncoder();
      dispatches.forEach((dispatch, i) => {
        const pass = encoder.beginComputePass({
          timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
        });
        replay(pass, dispatch);
        pass.end();
      });
      encoder.resolveQuerySet(querySet, 0, count, resolve, 0);
      encoder.copyBufferToBuffer(resolve, 0, readback, 0, count * 8);
      device.queue.submit([encoder.finish()]);

      await readback.mapAsync(GPUMapMode.READ);
      const stamps = new BigUint64Array(readback.getMappedRange().slice(0));
      readback.unmap();
      // Timestamps are in nanoseconds.
      return dispatches.map((_, i) => Number(stamps[2 * i + 1]! - stamps[2 * i]!) / 1e6);
    } finally {
      querySet.destroy();
      resolve.destroy();
      readback.destroy();
    }
  }

  private async timeOnCpu(dispatches: RecordedDispatch[]): Promise<number[]> {
    const times: number[] = [];
    for (const dispatch of dispatches) {
      const encoder = this.device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      replay(pass, dispatch);
      pass.end();

      const start = performance.now();
      this.device.queue.submit([encoder.finish()]);
      await this.device.queue.onSubmittedWorkDone();
      times.push(performance.now() - start);
    }
    return times;
  }

  private wrapPipelineCreation(): void {
    const device = this.device;
    const name = (descriptor: GPUComputePipelineDescriptor): string =>
      descriptor.label || descriptor.compute.module.label || descriptor.compute.entryPoint || 'unnamed pipeline';

    const createComputePipeline = device.createComputePipeline.bind(device);
    device.createComputePipeline = (descriptor) => {
      const pipeline = createComputePipeline(descriptor);
      this.pipelineNames.set(pipeline, name(descriptor));
      return pipeline;
    };

    const createComputePipelineAsync = device.createComputePipelineAsync.bind(device);
    device.createComputePipelineAsync = async (descriptor) => {
      const pipeline = await createComputePipelineAsync(descriptor);
      this.pipelineNames.set(pipeline, name(descriptor));
      return pipeline;
    };
  }

  private wrapCommandEncoders(): void {
    const device = this.device;
    const createCommandEncoder = device.createCommandEncoder.bind(device);
    device.createCommandEncoder = (descriptor?: GPUCommandEncoderDescriptor) => {
      const encoder = createCommandEncoder(descriptor);
      const beginComputePass = encoder.beginComputePass.bind(encoder);
      encoder.beginComputePass = (passDescriptor?: GPUComputePassDescriptor) => {
        const pass = beginComputePass(passDescriptor);
        if (this.recording) this.recordPass(pass, this.recording);
        return pass;
      };
      return encoder;
    };
  }

  private recordPass(pass: GPUComputePassEncoder, into: RecordedDispatch[]): void {
    let pipeline: GPUComputePipeline | null = null;
    const bindGroups = new Map<number, { index: number; group: GPUBindGroup | null; offsets: number[] }>();

    const setPipeline = pass.setPipeline.bind(pass);
    pass.setPipeline = (value) => {
      pipeline = value;
      setPipeline(value);
    };

    const setBindGroup = pass.setBindGroup.bind(pass) as (...args: unknown[]) => void;
    pass.setBindGroup = ((index: number, group: GPUBindGroup | null, offsets?: Iterable<number> | Uint32Array, start?: number, length?: number) => {
      let offsetList: number[] = [];
      if (offsets instanceof Uint32Array && start !== undefined && length !== undefined) {
        offsetList = Array.from(offsets.subarray(start, start + length));
      } else if (offsets) {
        offsetList = Array.from(offsets);
      }
      bindGroups.set(index, { index, group, offsets: offsetList });
      setBindGroup(index, group, offsets, start, length);
    }) as GPUComputePassEncoder['setBindGroup'];

    const snapshot = (): Omit<RecordedDispatch, 'workgroups' | 'indirect'> | null => {
      if (!pipeline) return null;
      return { kernel: this.pipelineNames.get(pipeline) ?? 'unnamed pipeline', pipeline, bindGroups: [...bindGroups.values()] };
    };

    const dispatchWorkgroups = pass.dispatchWorkgroups.bind(pass);
    pass.dispatchWorkgroups = (x, y = 1, z = 1) => {
      const state = snapshot();
      if (state) into.push({ ...state, workgroups: [x, y, z], indirect: null });
      dispatchWorkgroups(x, y, z);
    };

    const dispatchIndirect = pass.dispatchWorkgroupsIndirect.bind(pass);
    pass.dispatchWorkgroupsIndirect = (buffer, offset) => {
      const state = snapshot();
      if (state) into.push({ ...state, workgroups: null, indirect: { buffer, offset } });
      dispatchIndirect(buffer, offset);
    };
  }
}

function replay(pass: GPUComputePassEncoder, dispatch: RecordedDispatch): void {
  pass.setPipeline(dispatch.pipeline);
  for (const { index, group, offsets } of dispatch.bindGroups) pass.setBindGroup(index, group, offsets);
  if (dispatch.workgroups) pass.dispatchWorkgroups(...dispatch.workgroups);
  else if (dispatch.indirect) pass.dispatchWorkgroupsIndirect(dispatch.indirect.buffer, dispatch.indirect.offset);
}
