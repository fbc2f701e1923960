import {
  adapterIdentityFromInfo,
  adapterIdentityKey,
  centerCrop,
  createStorageBuffer,
  preprocessImageProgram,
  prepareDispatch,
  releaseDispatch,
  tunedVariantLookup,
  kernelTargetOf,
  tuneKernels,
  type AdapterIdentity,
  type CropRectangle,
  type PreparedDispatch,
  type TuningCache,
  type TuningKey,
  type TuningResult,
  type WeightPrecision,
} from '@offshelf/core-wgsl';

import { InputTensorError, type Graph, type Preprocessing } from '../ir/graph';
import { optimizeGraph } from '../rewrite/optimize';
import type { KernelVariants } from '../plan/lower-node';
import { GraphRunner, type Tensor } from '../run/graph-runner';
import { Readback } from '../run/readback';
import { checkWeightPrecisionSupport } from '../run/weight-precision';
import type { RgbaImage } from '../source';

export interface FeatureExtractorOptions {
  /** Value to extract; defaults to the model's `featureOutput`. A 4-D value is globally average-pooled. */
  layer?: string;
  /** Images per GPU run (default 8). A model whose input declares a fixed batch runs at that batch instead. */
  batchSize?: number;
  /** Print every node's output statistics per run (of `extract` and `runTensors`), with fusion off so each ONNX node is visible. */
  debug?: boolean;
  /** Extra values `runTensors` may request; fused-away values are otherwise not observable. */
  keep?: string[];
  /** Conv and GEMM variants to force where they apply (for bisecting a parity error to a kernel). */
  kernelVariants?: KernelVariants;
  /** Measured conv and GEMM variant choices; without it the selectors' built-in choices run. */
  tuning?: TuningOptions;
  /**
   * Storage type of convolution and classifier weights (default 'f32'). 'f16' halves their GPU
   * memory and needs the device feature 'shader-f16'. Bias, activations and sums stay f32.
   */
  weightPrecision?: WeightPrecision;
  /**
   * Scratch bytes above which a Winograd or im2col convolution runs over the batch in chunks
   * (default 8 MiB). Lower values save GPU memory at large batch sizes.
   */
  maxScratchBytes?: number;
}

export interface TuningOptions {
  cache: TuningCache;
  /** 'off': the selectors' choices. 'use': cached choices where present. 'tune': also time the extraction shape's missing keys first. */
  mode: 'off' | 'use' | 'tune';
  /** Adapter the cached choices belong to; defaults to `device.adapterInfo` with backend 'unknown'. */
  adapter?: AdapterIdentity;
  /** Wall-clock milliseconds of timing per kernel shape (default 400). */
  budgetMs?: number;
  /** Called after each tuned or cached kernel shape in 'tune' mode. */
  onResult?: (result: TuningResult) => void;
}

/** A model ready to turn images into feature vectors on one GPU device. */
export interface FeatureExtractor {
  /** Length of each feature vector. */
  readonly featureSize: number;
  /** Preprocessing that `extract` applies: the model's resize, crop and normalization. */
  readonly preprocessing: Preprocessing;
  /** The value features come from. */
  readonly layer: string;
  /** Storage type of the weights on the GPU. */
  readonly weightPrecision: WeightPrecision;
  /** Images per GPU run: `options.batchSize`, or the fixed batch that the model's input declares. */
  readonly batchSize: number;
  /** Peak bytes of GPU buffers this extractor has held (constants plus activations). */
  readonly peakGpuBytes: number;
  /** Preprocesses images on the GPU, runs the model in batches and returns one feature vector per image. */
  extract(images: RgbaImage[]): Promise<Float32Array[]>;
  /**
   * Returns the NCHW input tensor [images, 3, height, width] that `extract` feeds the model, made by
   * the same GPU preprocessing, for running the model through `runTensors` on an image.
   */
  preprocess(images: RgbaImage[]): Promise<Tensor>;
  /** Runs the model on given input tensors and returns the requested values. */
  runTensors(inputs: Record<string, Tensor>, outputs: string[]): Promise<Record<string, Tensor>>;
  /** Frees every buffer this extractor created; the device stays usable. */
  dispose(): void;
}

const POOLED_TAP = 'offshelf/pooled_tap';

/** Prepares `graph` for feature extraction on `device`: load-time rewrites, then a runner that plans per input shape. */
export async function createFeatureExtractor(device: GPUDevice, graph: Graph, options: FeatureExtractorOptions = {}): Promise<FeatureExtractor> {
  const layer = options.layer ?? graph.metadata.featureOutput;
  if (!layer) throw new Error(`model ${graph.metadata.sourceName} names no feature output; pass options.layer with a value name.`);
  // A constant that is a graph output (a Constant node's value) stays allowed, for constant-only graphs.
  if (graph.initializers.has(layer) && !graph.outputs.some((output) => output.name === layer)) {
    throw new Error(`'${layer}' is a constant (weights) of model ${graph.metadata.sourceName}, not an activation; pass the output of a node as options.layer.`);
  }
  const requestedBatch = options.batchSize ?? 8;
  const weightPrecision = options.weightPrecision ?? 'f32';
  // Checked before tuning and planning, which would otherwise fail later with a WGSL error.
  checkWeightPrecisionSupport(device, weightPrecision);
  if (!Number.isInteger(requestedBatch) || requestedBatch < 1) throw new Error(`batchSize must be a positive integer, got ${requestedBatch}.`);
  // Exporters such as torch.onnx.export without dynamic axes fix the batch, often to 1, and the
  // graph's reshapes may depend on it, so such a model runs at its own batch.
  const declaredBatch = graph.inputs[0]?.shape[0];
  const batchSize = typeof declaredBatch === 'number' && declaredBatch >= 1 ? declaredBatch : requestedBatch;

  const optimized = optimizeGraph(graph, { keep: [layer, ...(options.keep ?? [])], fuse: !options.debug });
  const layerShape = optimized.valueInfo.get(layer)?.shape ?? graph.outputs.find((o) => o.name === layer)?.shape;
  if (!layerShape) {
    throw new Error(
      `'${layer}' is not a value of model ${graph.metadata.sourceName}. Pass a graph output (${graph.outputs.map((output) => output.name).join(', ')}) ` +
        "or a node's output name, which the runner's debug mode prints.",
    );
  }

  // A 4-D tap gets a global average pool appended, so features are always [N, D].
  let tap = layer;
  if (layerShape.length === 4) {
    optimized.nodes.push({ name: POOLED_TAP, opType: 'GlobalAveragePool', inputs: [layer], outputs: [POOLED_TAP], attributes: {} });
    tap = POOLED_TAP;
  }
  const featureSize = Number(layerShape[1]);

  // Models without an input (constant-only graphs) still run through runTensors, untuned.
  const input = graph.inputs[0];
  const { preprocessing } = graph.metadata;
  const inputShape = [batchSize, 3, preprocessing?.height ?? 0, preprocessing?.width ?? 0];
  const tuned = input ? await tunedLookup(device, optimized, { [input.name]: inputShape }, [tap], options) : undefined;
  const runner = new GraphRunner(device, optimized, {
    debug: options.debug,
    kernelVariants: { ...options.kernelVariants, tuned },
    weightPrecision,
    maxScratchBytes: options.maxScratchBytes,
  });
  let peakGpuBytes = 0;
  const notePeak = (extra = 0): void => {
    peakGpuBytes = Math.max(peakGpuBytes, runner.gpuBytes + extra);
  };

  // The NCHW input that extract feeds the model, made on the GPU and read back.
  async function preprocess(images: RgbaImage[]): Promise<Tensor> {
    checkImageInput(graph);
    if (images.length === 0) throw new Error('preprocess needs at least one image.');
    const shape = [images.length, 3, preprocessing.height, preprocessing.width];
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    const target = device.createBuffer({ label: 'preprocessed images', size: Math.ceil(bytes / 16) * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const upload = uploadImages(device, images, preprocessing, shape, target);
    const readback = new Readback(device, [{ buffer: target, size: bytes }]);
    try {
      const encoder = device.createCommandEncoder();
      upload.encode(encoder);
      readback.encode(encoder);
      device.queue.submit([encoder.finish()]);
      const [data] = await readback.read();
      return { data: data!, shape };
    } finally {
      upload.release();
      readback.destroy();
      target.destroy();
    }
  }

  // Every value of the model as imported. A name that the runner cannot see is either absent from
  // this set or was fused away at load time, and runTensors names the two cases differently.
  const modelValues = new Set([...graph.inputs.map((i) => i.name), ...graph.nodes.flatMap((n) => n.outputs), ...graph.initializers.keys()]);

  // In debug mode each batch runs through the runner's run(), which prints every node's output.
  // A fixed-batch model gets its last batch padded with zeros.
  async function extractPrintingNodes(images: RgbaImage[]): Promise<Float32Array[]> {
    const features: Float32Array[] = [];
    for (let start = 0; start < images.length; start += batchSize) {
      const batch = images.slice(start, start + batchSize);
      const tensor = await preprocess(batch);
      const padded = new Float32Array((tensor.data.length / batch.length) * batchSize);
      padded.set(tensor.data);
      const result = await runner.run({ [input!.name]: { data: padded, shape: inputShape } }, [tap]);
      notePeak();
      for (let i = 0; i < batch.length; i++) features.push(result[tap]!.data.slice(i * featureSize, (i + 1) * featureSize));
    }
    return features;
  }

  return {
    featureSize,
    preprocessing,
    layer,
    weightPrecision,
    batchSize,
    get peakGpuBytes() {
      return peakGpuBytes;
    },

    async runTensors(inputs, outputs) {
      const unknown = outputs.find((name) => !modelValues.has(name));
      if (unknown !== undefined) {
        throw new Error(`'${unknown}' is not a value of model ${graph.metadata.sourceName}; its outputs are ${graph.outputs.map((o) => `'${o.name}'`).join(', ')}.`);
      }
      const result = await runner.run(inputs, outputs);
      notePeak();
      return result;
    },

    async extract(images) {
      if (!input || graph.inputs.length !== 1) {
        throw new Error(`extract needs a model with one image input; ${graph.metadata.sourceName} has ${graph.inputs.length}. Use runTensors.`);
      }
      checkImageInput(graph);
      if (options.debug) return extractPrintingNodes(images);
      const plan = await runner.plan({ [input.name]: inputShape }, [tap]);
      const inputRange = plan.rangeOf(input.name);
      const readbacks = [new Readback(device, [plan.rangeOf(tap)]), new Readback(device, [plan.rangeOf(tap)])];
      const features: Float32Array[] = [];

      let pending: { read: Promise<Float32Array[]>; count: number; release: () => void } | null = null;
      try {
        for (let start = 0, index = 0; start < images.length; start += batchSize, index++) {
          const batch = images.slice(start, start + batchSize);
          const upload = uploadImages(device, batch, preprocessing, inputShape, inputRange.buffer);
          notePeak(upload.bytes);

          const encoder = device.createCommandEncoder();
          upload.encode(encoder);
          plan.encode(encoder);
          const readback = readbacks[index % 2]!;
          readback.encode(encoder);
          device.queue.submit([encoder.finish()]);

          // Collect the previous batch while this one runs: its staging buffer is the other one.
          if (pending) collect(features, await pending.read, pending.count, featureSize, pending.release);
          pending = { read: readback.read(), count: batch.length, release: upload.release };
        }
        if (pending) collect(features, await pending.read, pending.count, featureSize, pending.release);
      } finally {
        for (const readback of readbacks) readback.destroy();
      }
      return features;
    },

    preprocess,

    dispose() {
      runner.destroy();
    },
  };
}

/**
 * Loads the tuned variants of this adapter. In 'tune' mode it first plans `inputShapes` with the
 * selectors' choices to list the conv and GEMM shapes, then times the ones the cache lacks.
 */
async function tunedLookup(
  device: GPUDevice,
  graph: Graph,
  inputShapes: Record<string, number[]>,
  outputs: string[],
  options: FeatureExtractorOptions,
): Promise<((key: TuningKey) => string | undefined) | undefined> {
  const tuning = options.tuning;
  if (!tuning || tuning.mode === 'off') return undefined;
  if (!tuning.adapter && !device.adapterInfo) throw new Error('tuning needs options.tuning.adapter, because this device has no adapterInfo.');
  const adapterKey = adapterIdentityKey(tuning.adapter ?? adapterIdentityFromInfo(device.adapterInfo, 'unknown'));

  if (tuning.mode === 'tune' && graph.inputs.length === 1) {
    const keys: TuningKey[] = [];
    const recordKey = (key: TuningKey): undefined => {
      keys.push(key);
      return undefined;
    };
    // NOTE: tuning times the variants with f32 weights; an f16 extractor runs the same choices.
    const recorder = new GraphRunner(device, graph, { kernelVariants: { tuned: recordKey } });
    try {
      await recorder.plan(inputShapes, outputs);
    } finally {
      recorder.destroy();
    }
    await tuneKernels(device, keys, { cache: tuning.cache, adapterKey, budgetMs: tuning.budgetMs, onResult: tuning.onResult });
  }
  return tunedVariantLookup(await tuning.cache.load(adapterKey), kernelTargetOf(device));
}

function collect(features: Float32Array[], values: Float32Array[], count: number, featureSize: number, release: () => void): void {
  release();
  const data = values[0]!;
  for (let i = 0; i < count; i++) features.push(data.slice(i * featureSize, (i + 1) * featureSize));
}

/**
 * Rejects a model whose first input is not a batch of RGB images, [N, 3, H, W] in the IR's NCHW
 * layout, because preprocessed images would not fit it.
 */
function checkImageInput(graph: Graph): void {
  const input = graph.inputs[0];
  if (!input) return;
  const { shape } = input;
  const channels = shape[1];
  if (shape.length === 4 && (channels === 3 || typeof channels !== 'number')) return;
  throw new InputTensorError(
    graph.metadata.sourceName,
    `the input '${input.name}' has shape [${shape.join(', ')}], not a batch of RGB images [N, 3, H, W], so images cannot be fed to it; ` +
      'pass tensors of its shape to runTensors instead (offshelf run --input FILE.npy).',
  );
}

/**
 * Uploads RGBA images and prepares one preprocess dispatch per image, each writing its slot
 * of the NCHW input tensor. Slots past the last image keep stale data; their features are dropped.
 */
function uploadImages(device: GPUDevice, images: RgbaImage[], preprocessing: Preprocessing, inputShape: number[], target: GPUBuffer) {
  const buffers: GPUBuffer[] = [];
  const dispatches: PreparedDispatch[] = [];
  let bytes = 0;
  images.forEach((image, batchIndex) => {
    if (!Number.isInteger(image.width) || !Number.isInteger(image.height) || image.width < 1 || image.height < 1) {
      throw new Error(`image ${batchIndex} is ${image.width}×${image.height} pixels; an image needs a positive integer width and height.`);
    }
    if (image.data.length !== image.width * image.height * 4) {
      throw new Error(`image ${batchIndex} has ${image.data.length} bytes; RGBA8 ${image.width}×${image.height} needs ${image.width * image.height * 4}.`);
    }
    const pixels = createStorageBuffer(device, new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength), 'image pixels');
    buffers.push(pixels);
    bytes += pixels.size;

    const crop = sourceCrop(preprocessing, image.width, image.height);
    const program = preprocessImageProgram({
      sourceWidth: image.width,
      sourceHeight: image.height,
      crop,
      outputWidth: preprocessing.width,
      outputHeight: preprocessing.height,
      batchIndex,
      mean: preprocessing.mean,
      std: preprocessing.std,
      channelOrder: preprocessing.channelOrder === 'BGR' ? 'bgr' : 'rgb',
    });
    dispatches.push(prepareDispatch(device, program, [{ buffer: pixels, size: image.data.byteLength }], { buffer: target, size: 4 * inputShape.reduce((a, b) => a * b, 1) }));
  });

  return {
    bytes,
    encode(encoder: GPUCommandEncoder) {
      const pass = encoder.beginComputePass();
      for (const prepared of dispatches) {
        pass.setPipeline(prepared.pipeline);
        pass.setBindGroup(0, prepared.bindGroup);
        pass.dispatchWorkgroups(...prepared.program.dispatch);
      }
      pass.end();
    },
    release() {
      for (const prepared of dispatches) releaseDispatch(prepared);
      for (const buffer of buffers) buffer.destroy();
    },
  };
}

/**
 * Returns the part of a source image that the preprocessing resamples to the input size, or
 * undefined for the whole image. A center crop after a resize is the same centered part of the
 * source, resized once.
 */
function sourceCrop(preprocessing: Preprocessing, sourceWidth: number, sourceHeight: number): CropRectangle | undefined {
  const { resize, height, width } = preprocessing;
  if (resize.mode === 'stretch') return undefined;
  if (resize.mode === 'shorterSideThenCenterCrop') {
    // The fraction of the short side kept, such as 224 / 256.
    return centerCrop(sourceWidth, sourceHeight, width, height, Math.min(height, width) / resize.shorterSide);
  }
  const cropWidth = (sourceWidth * width) / resize.stretchWidth;
  const cropHeight = (sourceHeight * height) / resize.stretchHeight;
  return { x: (sourceWidth - cropWidth) / 2, y: (sourceHeight - cropHeight) / 2, width: cropWidth, height: cropHeight };
}
