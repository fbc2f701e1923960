import { imagenetCenterCrop, ModelImportError, type Graph, type ModelMetadata } from '../ir/graph';
import { inferShapes } from '../ir/shape-inference';
import type { Architecture } from './architecture';
import { NetworkBuilder, type ParameterSource } from './network-builder';

export interface BuildOptions {
  numClasses: number;
  /** Input height and width in pixels (torchvision's ImageNet weights use 224). */
  inputSize: number;
  /** File name for error messages and metadata. */
  sourceName: string;
  properties?: Record<string, string>;
}

/** torchvision's ImageNet preprocessing: resize the short side to 256, center-crop 224, ImageNet mean and std. */
const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];
// NOTE: torchvision evaluates its IMAGENET1K_V2 weights of ResNet-50 and MobileNetV2 with the short
// side resized to 232, and EfficientNet-B0 with bicubic resizing. A state dict does not record which
// weights it contains, so every network gets the IMAGENET1K_V1 recipe of 256 (imagenetCenterCrop).

/**
 * Builds the IR graph of `arch` with parameters from `parameters`: input `input` [N, 3, size, size],
 * outputs `features` [N, D] (the globally pooled pre-classifier features) and `logits` [N, classes].
 */
export function buildNetwork(arch: Architecture, parameters: ParameterSource, options: BuildOptions): Graph {
  const { numClasses, inputSize, sourceName } = options;
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new ModelImportError(sourceName, `numClasses must be a positive integer, got ${numClasses}.`);
  if (!Number.isInteger(inputSize) || inputSize < 1) throw new ModelImportError(sourceName, `inputSize must be a positive integer, got ${inputSize}.`);

  const builder = new NetworkBuilder(parameters);
  const outputs = arch.build(builder, numClasses);

  const metadata: ModelMetadata = {
    sourceFormat: 'safetensors',
    sourceName,
    preprocessing: {
      height: inputSize,
      width: inputSize,
      sourceLayout: 'NCHW',
      channelOrder: 'RGB',
      mean: IMAGENET_MEAN,
      std: IMAGENET_STD,
      resize: imagenetCenterCrop(inputSize, inputSize),
    },
    featureOutput: outputs.features,
    classifierOutput: outputs.logits,
    properties: { ...options.properties, arch: arch.name, numClasses: String(numClasses) },
  };

  const graph: Graph = {
    name: arch.name,
    inputs: [{ name: builder.input, dataType: 'float32', shape: ['N', 3, inputSize, inputSize] }],
    outputs: [],
    initializers: builder.initializers,
    nodes: builder.nodes,
    valueInfo: new Map(),
    metadata,
  };

  const shapes = inferShapes(graph);
  for (const [name, shape] of shapes) {
    if (!graph.initializers.has(name)) graph.valueInfo.set(name, { name, dataType: 'float32', shape });
  }
  graph.outputs = [outputs.features, outputs.logits].map((name) => ({ name, dataType: 'float32', shape: shapes.get(name)! }));
  return graph;
}
