import { FEATURES_OUTPUT, LOGITS_OUTPUT, type Architecture } from './architecture';
import { makeDivisible } from './make-divisible';

/** torchvision's MobileNetV3 norm layer: BatchNorm2d(eps=0.001, momentum=0.01). */
const EPSILON = 1e-3;

/** One bneck row of torchvision's `_mobilenet_v3_conf`: input, kernel, expanded, output, SE, activation, stride. */
type Bneck = [number, number, number, number, boolean, 'RE' | 'HS', number];

const LARGE: Bneck[] = [
  [16, 3, 16, 16, false, 'RE', 1],
  [16, 3, 64, 24, false, 'RE', 2],
  [24, 3, 72, 24, false, 'RE', 1],
  [24, 5, 72, 40, true, 'RE', 2],
  [40, 5, 120, 40, true, 'RE', 1],
  [40, 5, 120, 40, true, 'RE', 1],
  [40, 3, 240, 80, false, 'HS', 2],
  [80, 3, 200, 80, false, 'HS', 1],
  [80, 3, 184, 80, false, 'HS', 1],
  [80, 3, 184, 80, false, 'HS', 1],
  [80, 3, 480, 112, true, 'HS', 1],
  [112, 3, 672, 112, true, 'HS', 1],
  [112, 5, 672, 160, true, 'HS', 2],
  [160, 5, 960, 160, true, 'HS', 1],
  [160, 5, 960, 160, true, 'HS', 1],
];

const SMALL: Bneck[] = [
  [16, 3, 16, 16, true, 'RE', 2],
  [16, 3, 72, 24, false, 'RE', 2],
  [24, 3, 88, 24, false, 'RE', 1],
  [24, 5, 96, 40, true, 'HS', 2],
  [40, 5, 240, 40, true, 'HS', 1],
  [40, 5, 240, 40, true, 'HS', 1],
  [40, 5, 120, 48, true, 'HS', 1],
  [48, 5, 144, 48, true, 'HS', 1],
  [48, 5, 288, 96, true, 'HS', 2],
  [96, 5, 576, 96, true, 'HS', 1],
  [96, 5, 576, 96, true, 'HS', 1],
];

/**
 * torchvision MobileNetV3 (width 1.0, not dilated): `features.0` a 3×3 stride-2 stem with
 * HardSwish, one InvertedResidual per bneck row (`block.0` expand when expanded ≠ input, the
 * depthwise conv, `SqueezeExcitation` with HardSigmoid where marked, the linear 1×1 projection),
 * a 1×1 conv to 6 × the last width, pooling, then `classifier.0` Linear, HardSwish, dropout and
 * `classifier.3` Linear. Features are the pooled map before the classifier (576 for Small, 960 for Large).
 */
function mobilenetV3(name: string, setting: Bneck[], lastChannel: number): Architecture {
  return {
    name,
    classifierWeight: 'classifier.3.weight',
    build(builder, numClasses) {
      let x = builder.convNormActivation(builder.input, 'features.0', setting[0]![0], 3, 'hardswish', EPSILON, { stride: 2 });

      setting.forEach(([inChannels, kernel, expanded, outChannels, useSe, activationName, stride], i) => {
        const prefix = `features.${i + 1}.block`;
        const activation = activationName === 'HS' ? 'hardswish' : 'relu';
        let y = x;
        let layer = 0;
        if (expanded !== inChannels) y = builder.convNormActivation(y, `${prefix}.${layer++}`, expanded, 1, activation, EPSILON);
        y = builder.convNormActivation(y, `${prefix}.${layer++}`, expanded, kernel, activation, EPSILON, { stride, groups: expanded });
        if (useSe) y = builder.squeezeExcitation(y, `${prefix}.${layer++}`, makeDivisible(Math.floor(expanded / 4)), 'relu', 'hardsigmoid');
        y = builder.convNormActivation(y, `${prefix}.${layer++}`, outChannels, 1, 'none', EPSILON);
        x = stride === 1 && inChannels === outChannels ? builder.add(x, y, `features.${i + 1}.add`) : y;
      });
      const lastIn = builder.channelsOf(x);
      x = builder.convNormActivation(x, `features.${setting.length + 1}`, 6 * lastIn, 1, 'hardswish', EPSILON);

      const features = builder.globalPoolAndFlatten(x, 'avgpool', FEATURES_OUTPUT);
      let hidden = builder.linear(features, 'classifier.0', lastChannel);
      hidden = builder.activation(hidden, 'classifier.1', 'hardswish');
      const logits = builder.linear(hidden, 'classifier.3', numClasses, LOGITS_OUTPUT);
      return { features, logits };
    },
  };
}

export const mobilenetV3Large = mobilenetV3('mobilenet_v3_large', LARGE, 1280);
export const mobilenetV3Small = mobilenetV3('mobilenet_v3_small', SMALL, 1024);
