import { FEATURES_OUTPUT, LOGITS_OUTPUT, type Architecture } from './architecture';
import type { NetworkBuilder } from './network-builder';

/** torch.nn.BatchNorm2d's default epsilon, which torchvision's ResNets keep. */
const EPSILON = 1e-5;

type Block = (builder: NetworkBuilder, x: string, prefix: string, planes: number, stride: number) => string;

/**
 * BasicBlock (ResNet-18/34): two 3×3 convolutions, the first with the block's stride, and a
 * residual path with `downsample.0` (1×1 conv) and `downsample.1` (BN) when the shape changes.
 */
const basicBlock: Block = (builder, x, prefix, planes, stride) => {
  let y = builder.conv(x, `${prefix}.conv1`, planes, 3, { stride });
  y = builder.batchNorm(y, `${prefix}.bn1`, EPSILON);
  y = builder.activation(y, `${prefix}.relu1`, 'relu');
  y = builder.conv(y, `${prefix}.conv2`, planes, 3);
  y = builder.batchNorm(y, `${prefix}.bn2`, EPSILON);
  return residual(builder, x, y, prefix, planes, stride);
};

/**
 * Bottleneck (ResNet-50), torchvision's "ResNet V1.5": 1×1 reduce, 3×3 with the block's stride,
 * 1×1 expand to 4 × planes, then the residual add.
 */
const bottleneck: Block = (builder, x, prefix, planes, stride) => {
  let y = builder.conv(x, `${prefix}.conv1`, planes, 1);
  y = builder.batchNorm(y, `${prefix}.bn1`, EPSILON);
  y = builder.activation(y, `${prefix}.relu1`, 'relu');
  y = builder.conv(y, `${prefix}.conv2`, planes, 3, { stride });
  y = builder.batchNorm(y, `${prefix}.bn2`, EPSILON);
  y = builder.activation(y, `${prefix}.relu2`, 'relu');
  y = builder.conv(y, `${prefix}.conv3`, planes * 4, 1);
  y = builder.batchNorm(y, `${prefix}.bn3`, EPSILON);
  return residual(builder, x, y, prefix, planes * 4, stride);
};

function residual(builder: NetworkBuilder, x: string, y: string, prefix: string, outChannels: number, stride: number): string {
  let identity = x;
  if (stride !== 1 || builder.channelsOf(x) !== outChannels) {
    identity = builder.conv(x, `${prefix}.downsample.0`, outChannels, 1, { stride });
    identity = builder.batchNorm(identity, `${prefix}.downsample.1`, EPSILON);
  }
  const sum = builder.add(y, identity, `${prefix}.add`);
  return builder.activation(sum, `${prefix}.relu`, 'relu');
}

function resnet(name: string, block: Block, layers: [number, number, number, number]): Architecture {
  return {
    name,
    classifierWeight: 'fc.weight',
    build(builder, numClasses) {
      let x = builder.conv(builder.input, 'conv1', 64, 7, { stride: 2, padding: 3 });
      x = builder.batchNorm(x, 'bn1', EPSILON);
      x = builder.activation(x, 'relu', 'relu');
      x = builder.maxPool(x, 'maxpool', 3, 2, 1, false);

      const planes = [64, 128, 256, 512];
      layers.forEach((blocks, stage) => {
        for (let i = 0; i < blocks; i++) {
          const stride = stage > 0 && i === 0 ? 2 : 1;
          x = block(builder, x, `layer${stage + 1}.${i}`, planes[stage]!, stride);
        }
      });

      const features = builder.globalPoolAndFlatten(x, 'avgpool', FEATURES_OUTPUT);
      const logits = builder.linear(features, 'fc', numClasses, LOGITS_OUTPUT);
      return { features, logits };
    },
  };
}

export const resnet18 = resnet('resnet18', basicBlock, [2, 2, 2, 2]);
export const resnet34 = resnet('resnet34', basicBlock, [3, 4, 6, 3]);
export const resnet50 = resnet('resnet50', bottleneck, [3, 4, 6, 3]);
