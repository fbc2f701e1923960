import { OnnxGraphBuilder } from './graph-builder';

export type ResNetDepth = 18 | 50;

// Residual branches end with a small gain so that the sum of 8–16 random blocks stays
// within float32 range without batch norm, since denormals or infinities would distort CPU timings.
const RESIDUAL_GAIN = 0.2;

/**
 * Builds a ResNet-18 or ResNet-50 feature extractor (torchvision layout, batch norm folded into
 * the convolutions, classifier removed) with random weights. Input `input` [N, 3, 224, 224],
 * output `features` [N, 512] for ResNet-18 or [N, 2048] for ResNet-50.
 */
export function buildResNet(depth: ResNetDepth, seed = depth): Uint8Array {
  const builder = new OnnxGraphBuilder(`resnet${depth}`, seed);
  const blocks = depth === 18 ? [2, 2, 2, 2] : [3, 4, 6, 3];
  const widths = [64, 128, 256, 512];
  const expansion = depth === 18 ? 1 : 4;

  let x = builder.relu(builder.conv('input', 3, 64, { kernel: 7, stride: 2 }));
  x = builder.maxPool(x, 3, 2);
  let channels = 64;

  for (let stage = 0; stage < 4; stage++) {
    const width = widths[stage]!;
    for (let block = 0; block < blocks[stage]!; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      const outChannels = width * expansion;

      const branch =
        depth === 18
          ? basicBranch(builder, x, channels, width, stride)
          : bottleneckBranch(builder, x, channels, width, outChannels, stride);
      const shortcut =
        stride !== 1 || channels !== outChannels
          ? builder.conv(x, channels, outChannels, { kernel: 1, stride })
          : x;

      x = builder.relu(builder.add(branch, shortcut));
      channels = outChannels;
    }
  }

  builder.globalAveragePoolFlatten(x);
  const features = builder.renameLastOutput('features');
  return builder.encode('input', [3, 224, 224], features, channels);
}

function basicBranch(builder: OnnxGraphBuilder, x: string, inChannels: number, width: number, stride: number): string {
  const first = builder.relu(builder.conv(x, inChannels, width, { kernel: 3, stride }));
  return builder.conv(first, width, width, { kernel: 3, gain: RESIDUAL_GAIN });
}

function bottleneckBranch(
  builder: OnnxGraphBuilder,
  x: string,
  inChannels: number,
  width: number,
  outChannels: number,
  stride: number,
): string {
  const reduce = builder.relu(builder.conv(x, inChannels, width, { kernel: 1 }));
  const spatial = builder.relu(builder.conv(reduce, width, width, { kernel: 3, stride }));
  return builder.conv(spatial, width, outChannels, { kernel: 1, gain: RESIDUAL_GAIN });
}

/**
 * Builds a tiny MobileNet-shaped feature extractor for smoke tests: a stride-2 conv, one
 * depthwise-separable residual block and global average pooling. Input [N, 3, 16, 16], output `features` [N, 16].
 */
export function buildTinyConvNet(seed = 7): Uint8Array {
  const builder = new OnnxGraphBuilder('tiny-convnet', seed);
  const stem = builder.relu(builder.conv('input', 3, 8, { kernel: 3, stride: 2 }));
  const depthwise = builder.relu(builder.conv(stem, 8, 8, { kernel: 3, group: 8 }));
  const pointwise = builder.conv(depthwise, 8, 8, { kernel: 1, gain: RESIDUAL_GAIN });
  const residual = builder.add(pointwise, stem);
  const widened = builder.relu(builder.conv(residual, 8, 16, { kernel: 1 }));

  builder.globalAveragePoolFlatten(widened);
  const features = builder.renameLastOutput('features');
  return builder.encode('input', [3, 16, 16], features, 16);
}
