import { FEATURES_OUTPUT, LOGITS_OUTPUT, type Architecture } from './architecture';
import type { NetworkBuilder } from './network-builder';

/**
 * Fire module: `squeeze` 1×1 conv + ReLU, then `expand1x1` and `expand3x3` (padding 1) convs, each
 * with bias and ReLU, concatenated along channels.
 */
function fire(builder: NetworkBuilder, x: string, prefix: string, squeeze: number, expand1x1: number, expand3x3: number): string {
  let s = builder.conv(x, `${prefix}.squeeze`, squeeze, 1, { bias: true });
  s = builder.activation(s, `${prefix}.squeeze_activation`, 'relu');
  let a = builder.conv(s, `${prefix}.expand1x1`, expand1x1, 1, { bias: true });
  a = builder.activation(a, `${prefix}.expand1x1_activation`, 'relu');
  let b = builder.conv(s, `${prefix}.expand3x3`, expand3x3, 3, { bias: true, padding: 1 });
  b = builder.activation(b, `${prefix}.expand3x3_activation`, 'relu');
  return builder.concat([a, b], `${prefix}.cat`);
}

/**
 * torchvision `squeezenet1_1`: `features.0` a 3×3 stride-2 conv without padding, max pools of
 * 3×3 stride 2 with ceil_mode at `features.2`, `.5` and `.8`, and Fire modules at `features.3`,
 * `.4`, `.6`, `.7`, `.9`–`.12`. The classifier is dropout, the 1×1 conv `classifier.1`, ReLU and a
 * global average pool. SqueezeNet has no pooled layer before its classifier, so `features` is the
 * global average of the last Fire module's 512 channels.
 */
export const squeezenet11: Architecture = {
  name: 'squeezenet1_1',
  classifierWeight: 'classifier.1.weight',
  build(builder, numClasses) {
    let x = builder.conv(builder.input, 'features.0', 64, 3, { stride: 2, padding: 0, bias: true });
    x = builder.activation(x, 'features.1', 'relu');
    x = builder.maxPool(x, 'features.2', 3, 2, 0, true);
    x = fire(builder, x, 'features.3', 16, 64, 64);
    x = fire(builder, x, 'features.4', 16, 64, 64);
    x = builder.maxPool(x, 'features.5', 3, 2, 0, true);
    x = fire(builder, x, 'features.6', 32, 128, 128);
    x = fire(builder, x, 'features.7', 32, 128, 128);
    x = builder.maxPool(x, 'features.8', 3, 2, 0, true);
    x = fire(builder, x, 'features.9', 48, 192, 192);
    x = fire(builder, x, 'features.10', 48, 192, 192);
    x = fire(builder, x, 'features.11', 64, 256, 256);
    x = fire(builder, x, 'features.12', 64, 256, 256);

    const features = builder.globalPoolAndFlatten(x, 'features.pool', FEATURES_OUTPUT);

    let y = builder.conv(x, 'classifier.1', numClasses, 1, { bias: true });
    y = builder.activation(y, 'classifier.2', 'relu');
    const logits = builder.globalPoolAndFlatten(y, 'classifier.3', LOGITS_OUTPUT);
    return { features, logits };
  },
};
