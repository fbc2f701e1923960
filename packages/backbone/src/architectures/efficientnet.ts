import { FEATURES_OUTPUT, LOGITS_OUTPUT, type Architecture } from './architecture';
import { makeDivisible } from './make-divisible';

/** torch.nn.BatchNorm2d's default epsilon, which torchvision's EfficientNet-B0–B7 keep (V2 uses 1e-3). */
const EPSILON = 1e-5;

/** torchvision's B0 MBConv stages: expand ratio, kernel, first stride, input, output, layers. */
const B0_STAGES: Array<[number, number, number, number, number, number]> = [
  [1, 3, 1, 32, 16, 1],
  [6, 3, 2, 16, 24, 2],
  [6, 5, 2, 24, 40, 2],
  [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3],
  [6, 5, 2, 112, 192, 4],
  [6, 3, 1, 192, 320, 1],
];

/**
 * torchvision `efficientnet_b0`: `features.0` a 3×3 stride-2 stem with SiLU, `features.1`–`features.7`
 * stages of MBConv blocks (`features.S.i.block`: expand when the ratio is not 1, depthwise,
 * SqueezeExcitation with max(1, input / 4) channels, SiLU and Sigmoid, then the linear projection),
 * `features.8` a 1×1 conv to 1280 with SiLU, then `classifier.1` after dropout. Stochastic depth
 * is the identity at inference, so residual blocks are a plain Add.
 */
export const efficientnetB0: Architecture = {
  name: 'efficientnet_b0',
  classifierWeight: 'classifier.1.weight',
  build(builder, numClasses) {
    let x = builder.convNormActivation(builder.input, 'features.0', B0_STAGES[0]![3], 3, 'silu', EPSILON, { stride: 2 });

    B0_STAGES.forEach(([expandRatio, kernel, firstStride, stageInput, outChannels, layers], stage) => {
      for (let i = 0; i < layers; i++) {
        const prefix = `features.${stage + 1}.${i}.block`;
        const inChannels = i === 0 ? stageInput : outChannels;
        const stride = i === 0 ? firstStride : 1;
        const expanded = makeDivisible(inChannels * expandRatio);

        let y = x;
        let layer = 0;
        if (expanded !== inChannels) y = builder.convNormActivation(y, `${prefix}.${layer++}`, expanded, 1, 'silu', EPSILON);
        y = builder.convNormActivation(y, `${prefix}.${layer++}`, expanded, kernel, 'silu', EPSILON, { stride, groups: expanded });
        y = builder.squeezeExcitation(y, `${prefix}.${layer++}`, Math.max(1, Math.floor(inChannels / 4)), 'silu', 'sigmoid');
        y = builder.convNormActivation(y, `${prefix}.${layer++}`, outChannels, 1, 'none', EPSILON);
        x = stride === 1 && inChannels === outChannels ? builder.add(y, x, `features.${stage + 1}.${i}.add`) : y;
      }
    });
    x = builder.convNormActivation(x, `features.${B0_STAGES.length + 1}`, 4 * builder.channelsOf(x), 1, 'silu', EPSILON);

    const features = builder.globalPoolAndFlatten(x, 'avgpool', FEATURES_OUTPUT);
    const logits = builder.linear(features, 'classifier.1', numClasses, LOGITS_OUTPUT);
    return { features, logits };
  },
};
