/**
 * The model IR every importer produces and the runner consumes.
 *
 * Operators and attributes follow ONNX semantics and names (Conv, Gemm, Clip, ...),
 * and activations are NCHW. Importers of NHWC formats (TFLite, TF.js) transpose
 * weights and emit ONNX-style nodes, so the runner handles one operator set.
 * Fused forms produced by load-time rewrites use the `offshelf.` domain prefix
 * (for example `offshelf.FusedConv`).
 */

export type DataType = 'float32' | 'float16' | 'int32' | 'int64' | 'uint8' | 'int8' | 'bool';

/** A dimension: a number, or a symbolic name such as `N` for a dynamic batch. */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  dataType: DataType;
  shape: Dim[];
}

/** A constant tensor (weights, biases, shape operands). Float weights are float32. */
export interface Initializer {
  name: string;
  dataType: DataType;
  shape: number[];
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;
}

export type AttributeValue = number | string | number[] | string[] | Initializer;

export interface Node {
  /** Unique, non-empty name (importers synthesize one when the file has none). */
  name: string;
  opType: string;
  /** Input value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
}

/** How images must be prepared for the model's input, recorded by each importer. */
export interface Preprocessing {
  /** Input height and width in pixels. */
  height: number;
  width: number;
  /** Layout of the original file's input; the IR input is always NCHW. */
  sourceLayout: 'NCHW' | 'NHWC';
  /** RGB channel order expected (`BGR` for some Caffe-era models). */
  channelOrder: 'RGB' | 'BGR';
  /** x = (pixel / 255 - mean) / std per channel, with pixel in [0, 255]. */
  mean: [number, number, number];
  std: [number, number, number];
  /**
   * The steps that bring the image to height × width. `stretch` resizes it whatever its aspect ratio.
   * `shorterSideThenCenterCrop` resizes its short side to `shorterSide` pixels, then crops the
   * center. `stretchThenCenterCrop` resizes it to stretchHeight × stretchWidth, then crops the
   * center, as DeiT's and BEiT's image processors do.
   */
  resize:
    | { mode: 'stretch' }
    | { mode: 'shorterSideThenCenterCrop'; shorterSide: number }
    | { mode: 'stretchThenCenterCrop'; stretchHeight: number; stretchWidth: number };
}

// torchvision's ImageNet recipe resizes the short side to 256 for a 224 crop.
const IMAGENET_RESIZE_TO_CROP = 256 / 224;

/**
 * Returns torchvision's resize-then-center-crop for a height × width input, scaled from its 256 for
 * 224: the short side goes to 8/7 of the longer input side, so the crop fits any image.
 */
export function imagenetCenterCrop(height: number, width: number): Preprocessing['resize'] {
  return { mode: 'shorterSideThenCenterCrop', shorterSide: Math.round(Math.max(height, width) * IMAGENET_RESIZE_TO_CROP) };
}

/** True when two preprocessing recipes give the same input tensors: same size, channel order, normalization and resize. */
export function samePreprocessing(a: Preprocessing, b: Preprocessing): boolean {
  const resizeOf = ({ resize }: Preprocessing): string => {
    if (resize.mode === 'shorterSideThenCenterCrop') return `${resize.mode} ${resize.shorterSide}`;
    if (resize.mode === 'stretchThenCenterCrop') return `${resize.mode} ${resize.stretchHeight} ${resize.stretchWidth}`;
    return resize.mode;
  };
  return a.height === b.height && a.width === b.width && a.channelOrder === b.channelOrder &&
    a.mean.every((value, i) => value === b.mean[i]) && a.std.every((value, i) => value === b.std[i]) && resizeOf(a) === resizeOf(b);
}

export interface ModelMetadata {
  sourceFormat: 'onnx' | 'tflite' | 'tfjs-layers' | 'tfjs-graph' | 'safetensors';
  /** The file it came from, for error messages. */
  sourceName: string;
  preprocessing: Preprocessing;
  /** Name of the value giving pooled features ([N, D]), or a 4-D map to be globally average-pooled. */
  featureOutput?: string;
  /** Name of the classification output (logits or probabilities), when the model has one. */
  classifierOutput?: string;
  /** Free-form facts from the file (producer, opset, description). */
  properties: Record<string, string>;
  /** The file beside the model that `preprocessing` came from, such as `preprocessor_config.json`. */
  preprocessingSource?: string;
  /** Problems the importer worked around, such as an unreadable optional file, for the caller to show. */
  warnings?: string[];
}

export interface Graph {
  name: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, Initializer>;
  /** Nodes in topological order. */
  nodes: Node[];
  /** Shapes of intermediate values, where known (filled by shape inference). */
  valueInfo: Map<string, ValueInfo>;
  metadata: ModelMetadata;
}

/** A model file that cannot be imported: malformed, truncated, or with unsupported content. */
export class ModelImportError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ModelImportError';
  }
}

/** Returns an error's message, without the `file: ` prefix of a ModelImportError, for wrapping it in another. */
export function errorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ModelImportError && message.startsWith(`${error.file}: `)) return message.slice(error.file.length + 2);
  return message;
}

/**
 * A file beside the model that a ModelSource does not have. Importers treat an optional sibling
 * (such as `preprocessor_config.json`) that throws it as absent, and any other error as unreadable.
 */
export class SiblingNotFoundError extends ModelImportError {
  constructor(
    file: string,
    readonly relativePath: string,
    message: string,
  ) {
    super(file, message);
    this.name = 'SiblingNotFoundError';
  }
}

/** Input tensors given to a model at run time that do not fit it: an unknown name, a wrong type, length or shape. */
export class InputTensorError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'InputTensorError';
  }
}
