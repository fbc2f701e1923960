import type { Preprocessing } from '../../ir/graph';

type Normalization = Pick<Preprocessing, 'channelOrder' | 'mean' | 'std'>;

// keras.applications' preprocess_input modes, as x = (pixel / 255 - mean) / std.
// 'tf': x = pixel / 127.5 - 1, in [-1, 1].
const TF_MODE: Normalization = { channelOrder: 'RGB', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
// 'caffe': BGR order, x = pixel - ImageNet mean in 0-255 units, unscaled.
const CAFFE_MODE: Normalization = {
  channelOrder: 'BGR',
  mean: [103.939 / 255, 116.779 / 255, 123.68 / 255],
  std: [1 / 255, 1 / 255, 1 / 255],
};
// 'torch': ImageNet mean and std on pixel / 255.
const TORCH_MODE: Normalization = { channelOrder: 'RGB', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
// The fallback for names not in the table below.
const UNIT_RANGE: Normalization = { channelOrder: 'RGB', mean: [0, 0, 0], std: [1, 1, 1] };

// keras.applications model names (the Keras model config's `name`) and their preprocess_input mode.
const KERAS_APPLICATIONS: Array<[RegExp, Normalization]> = [
  [/^mobilenet_[\d.]+_\d+$/, TF_MODE],
  [/^mobilenetv2_[\d.]+_\d+$/, TF_MODE],
  [/^(inception_v3|inception_resnet_v2|xception|NASNet)$/, TF_MODE],
  [/^(resnet50|resnet101|resnet152|vgg16|vgg19)$/, CAFFE_MODE],
  [/^densenet\d+$/, TORCH_MODE],
];

/**
 * Preprocessing for a TF.js model, whose files do not record input normalization. A Keras model
 * named as keras.applications names its networks (such as `mobilenet_0.25_224`) gets that
 * network's preprocess_input; any other gets x = pixel / 255.
 *
 * NOTE: x = pixel / 255 for unknown names is a guess (it is what nsfwjs feeds its models); callers
 * that know the model should override `graph.metadata.preprocessing`.
 */
export function imagePreprocessing(height: number, width: number, modelName = ''): Preprocessing {
  const normalization = KERAS_APPLICATIONS.find(([pattern]) => pattern.test(modelName))?.[1] ?? UNIT_RANGE;
  return { height, width, sourceLayout: 'NHWC', ...normalization, resize: { mode: 'stretch' } };
}
