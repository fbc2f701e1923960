import { describe, expect, it } from 'vitest';

import { randomStateDict, SUPPORTED_ARCHITECTURES } from '../src/index';

// Oracle: the `num_params` torchvision publishes for each ImageNet checkpoint (weights metadata,
// torchvision 0.13+), which counts `model.parameters()`: every weight and bias, no BatchNorm
// running statistics. Exact equality: one missing bias or a wrong channel count changes it.
const TORCHVISION_NUM_PARAMS: Record<string, number> = {
  resnet18: 11_689_512,
  resnet34: 21_797_672,
  resnet50: 25_557_032,
  mobilenet_v2: 3_504_872,
  mobilenet_v3_small: 2_542_856,
  mobilenet_v3_large: 5_483_032,
  efficientnet_b0: 5_288_548,
  squeezenet1_1: 1_235_496,
};

// Parameter names and shapes as torchvision's modules define them, a few per network where a
// block's layout is easy to get wrong (expand layer skipped, squeeze width, classifier index).
const NAMED_SHAPES: Record<string, Array<[string, number[]]>> = {
  resnet18: [
    ['layer2.0.downsample.0.weight', [128, 64, 1, 1]],
    ['layer4.1.conv2.weight', [512, 512, 3, 3]],
    ['fc.weight', [1000, 512]],
  ],
  resnet50: [
    ['layer1.0.downsample.0.weight', [256, 64, 1, 1]],
    ['layer4.2.conv3.weight', [2048, 512, 1, 1]],
    ['fc.weight', [1000, 2048]],
  ],
  mobilenet_v2: [
    ['features.1.conv.1.weight', [16, 32, 1, 1]],
    ['features.2.conv.1.0.weight', [96, 1, 3, 3]],
    ['features.18.0.weight', [1280, 320, 1, 1]],
    ['classifier.1.weight', [1000, 1280]],
  ],
  mobilenet_v3_small: [
    ['features.1.block.0.0.weight', [16, 1, 3, 3]],
    ['features.1.block.1.fc1.weight', [8, 16, 1, 1]],
    ['features.4.block.2.fc1.weight', [24, 96, 1, 1]],
    ['features.12.0.weight', [576, 96, 1, 1]],
    ['classifier.0.weight', [1024, 576]],
    ['classifier.3.weight', [1000, 1024]],
  ],
  mobilenet_v3_large: [
    ['features.16.0.weight', [960, 160, 1, 1]],
    ['classifier.0.weight', [1280, 960]],
  ],
  efficientnet_b0: [
    ['features.1.0.block.1.fc1.weight', [8, 32, 1, 1]],
    ['features.2.0.block.2.fc1.weight', [4, 96, 1, 1]],
    ['features.8.0.weight', [1280, 320, 1, 1]],
    ['classifier.1.weight', [1000, 1280]],
  ],
  squeezenet1_1: [
    ['features.3.squeeze.weight', [16, 64, 1, 1]],
    ['features.12.expand3x3.weight', [256, 64, 3, 3]],
    ['classifier.1.weight', [1000, 512, 1, 1]],
  ],
};

const isParameter = (name: string): boolean => !/\.(running_mean|running_var|num_batches_tracked)$/.test(name);

describe('built-in architectures', () => {
  it('lists every torchvision network with a published size', () => {
    expect([...SUPPORTED_ARCHITECTURES].sort()).toEqual(Object.keys(TORCHVISION_NUM_PARAMS).sort());
  });

  it.each(Object.entries(TORCHVISION_NUM_PARAMS))('%s has torchvision num_params', (arch, expected) => {
    const tensors = randomStateDict(arch);
    const count = tensors.filter((t) => isParameter(t.name)).reduce((sum, t) => sum + t.data.length, 0);
    expect(count).toBe(expected);
  });

  it.each(Object.entries(NAMED_SHAPES))('%s names parameters like torchvision', (arch, expected) => {
    const shapes = new Map(randomStateDict(arch).map((t) => [t.name, t.shape]));
    for (const [name, shape] of expected) expect(shapes.get(name), name).toEqual(shape);
  });

  it('stores BatchNorm step counters as int64 scalars', () => {
    const counter = randomStateDict('resnet18').find((t) => t.name === 'bn1.num_batches_tracked');
    expect(counter?.dataType).toBe('int64');
    expect(counter?.shape).toEqual([]);
  });
});
