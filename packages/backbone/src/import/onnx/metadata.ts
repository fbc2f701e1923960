import { imagenetCenterCrop, type Graph, type ModelMetadata, type Preprocessing } from '../../ir/graph';

/** ImageNet mean and std (torchvision), the default for ONNX classifiers without other information. */
const IMAGENET_PREPROCESSING: Omit<Preprocessing, 'height' | 'width' | 'resize'> = {
  sourceLayout: 'NCHW',
  channelOrder: 'RGB',
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/**
 * Chooses preprocessing and the feature and classifier outputs for an imported ONNX graph.
 * The Coral MobileNetV2 conversion (outputs `logits` and `features`, a MobilenetV2/ name prefix)
 * maps pixels as x = (pixel - 128) / 128 with a plain resize, the way its TFLite source dequantizes
 * uint8 input. Other files get ImageNet mean/std and torchvision's center crop, scaled from its
 * 256 for 224 to the input size (imagenetCenterCrop).
 */
export function chooseMetadata(graph: Graph, properties: Record<string, string>): ModelMetadata {
  const input = graph.inputs[0];
  const height = typeof input?.shape[2] === 'number' ? input.shape[2] : 224;
  const width = typeof input?.shape[3] === 'number' ? input.shape[3] : 224;

  const outputNames = graph.outputs.map((o) => o.name);
  const isCoral = outputNames.includes('logits') && outputNames.includes('features') && graph.nodes.some((n) => n.name.startsWith('MobilenetV2/'));
  const preprocessing: Preprocessing = isCoral
    ? { height, width, sourceLayout: 'NCHW', channelOrder: 'RGB', mean: [128 / 255, 128 / 255, 128 / 255], std: [128 / 255, 128 / 255, 128 / 255], resize: { mode: 'stretch' } }
    : { height, width, ...IMAGENET_PREPROCESSING, resize: imagenetCenterCrop(height, width) };

  const featureOutput = findFeatureOutput(graph);
  const classifierOutput = outputNames.find((name) => name !== featureOutput);

  const metadata: ModelMetadata = { sourceFormat: 'onnx', sourceName: graph.metadata.sourceName, preprocessing, properties };
  if (featureOutput) metadata.featureOutput = featureOutput;
  if (classifierOutput) metadata.classifierOutput = classifierOutput;
  return metadata;
}

/**
 * Picks the value giving features: an output named `features`; else the input of the last
 * Gemm/MatMul (usually a Flatten of the pooled map); else the last input of a global pooling.
 */
function findFeatureOutput(graph: Graph): string | undefined {
  if (graph.outputs.some((o) => o.name === 'features')) return 'features';

  const lastDense = [...graph.nodes].reverse().find((n) => n.opType === 'Gemm' || n.opType === 'MatMul');
  if (lastDense) return lastDense.inputs[0];

  const lastPool = [...graph.nodes].reverse().find((n) => n.opType === 'GlobalAveragePool' || n.opType === 'GlobalMaxPool');
  return lastPool?.inputs[0];
}
