import { FEATURES_OUTPUT, LOGITS_OUTPUT, type Architecture } from './architecture';

/** torch.nn.BatchNorm2d's default epsilon, which torchvision's MobileNetV2 keeps. */
const EPSILON = 1e-5;

/** torchvision's inverted residual setting: expand ratio t, output channels c, repeats n, first stride s. */
const SETTING: Array<[number, number, number, number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/**
 * torchvision `mobilenet_v2` (width 1.0): `features.0` a 3×3 stride-2 stem, `features.1`–`features.17`
 * inverted residuals, `features.18` a 1×1 conv to 1280, then `classifier.1` (after dropout).
 * Each InvertedResidual is `conv.0` expand (Conv2dNormActivation with ReLU6, absent when t = 1),
 * then the depthwise Conv2dNormActivation, then a bias-free 1×1 projection and its BatchNorm2d.
 */
export const mobilenetV2: Architecture = {
  name: 'mobilenet_v2',
  classifierWeight: 'classifier.1.weight',
  build(builder, numClasses) {
    let x = builder.convNormActivation(builder.input, 'features.0', 32, 3, 'relu6', EPSILON, { stride: 2 });

    let index = 1;
    for (const [expandRatio, outChannels, repeats, firstStride] of SETTING) {
      for (let i = 0; i < repeats; i++) {
        const prefix = `features.${index}.conv`;
        const inChannels = builder.channelsOf(x);
        const stride = i === 0 ? firstStride : 1;
        const hidden = Math.round(inChannels * expandRatio);

        let y = x;
        let layer = 0;
        if (expandRatio !== 1) y = builder.convNormActivation(y, `${prefix}.${layer++}`, hidden, 1, 'relu6', EPSILON);
        y = builder.convNormActivation(y, `${prefix}.${layer++}`, hidden, 3, 'relu6', EPSILON, { stride, groups: hidden });
        y = builder.conv(y, `${prefix}.${layer++}`, outChannels, 1);
        y = builder.batchNorm(y, `${prefix}.${layer++}`, EPSILON);

        x = stride === 1 && inChannels === outChannels ? builder.add(x, y, `features.${index}.add`) : y;
        index++;
      }
    }
    x = builder.convNormActivation(x, `features.${index}`, 1280, 1, 'relu6', EPSILON);

    const features = builder.globalPoolAndFlatten(x, 'avgpool', FEATURES_OUTPUT);
    const logits = builder.linear(features, 'classifier.1', numClasses, LOGITS_OUTPUT);
    return { features, logits };
  },
};
