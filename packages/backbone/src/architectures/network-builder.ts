import type { AttributeValue, Initializer, Node } from '../ir/graph';

/** Kind of parameter, which a random generator uses to choose plausible values. */
export type ParameterRole = 'weight' | 'bias' | 'normWeight' | 'normBias' | 'runningMean' | 'runningVar';

/** Supplies a network's parameters by torchvision state-dict name. */
export interface ParameterSource {
  /** Returns the float32 values of parameter `name`, which must have exactly `shape`. */
  take(name: string, shape: number[], role: ParameterRole): Float32Array;
}

/** Activation after a convolution, as torchvision's `Conv2dNormActivation` takes it. */
export type Activation = 'relu' | 'relu6' | 'hardswish' | 'silu' | 'none';

export interface ConvOptions {
  stride?: number;
  /** Symmetric zero padding. The default (kernel − 1) / 2 keeps the size for odd kernels, as torchvision pads. */
  padding?: number;
  groups?: number;
  bias?: boolean;
}

/**
 * Builds IR nodes for a torchvision network: ONNX op types, NCHW values, and initializers
 * named exactly like the PyTorch state-dict entries. Conv and BatchNormalization stay separate
 * nodes, so the load-time rewrites fold them the same way as in an imported ONNX file. Tracks
 * each value's channel count, so callers give only output channels.
 */
export class NetworkBuilder {
  readonly nodes: Node[] = [];
  readonly initializers = new Map<string, Initializer>();
  private readonly channels = new Map<string, number>();
  private readonly usedNames = new Set<string>();

  constructor(
    private readonly parameters: ParameterSource,
    readonly input = 'input',
  ) {
    this.channels.set(input, 3);
  }

  /** Channel count of value `x`. */
  channelsOf(x: string): number {
    const channels = this.channels.get(x);
    if (channels === undefined) throw new Error(`value '${x}' was not produced by this builder.`);
    return channels;
  }

  /** Adds a Conv2d with a square kernel: `prefix.weight` [out, in / groups, k, k] and optional `prefix.bias`. */
  conv(x: string, prefix: string, outChannels: number, kernel: number, options: ConvOptions = {}): string {
    const { stride = 1, groups = 1, bias = false } = options;
    const padding = options.padding ?? Math.floor((kernel - 1) / 2);
    const inChannels = this.channelsOf(x);
    const weight = this.parameter(`${prefix}.weight`, [outChannels, inChannels / groups, kernel, kernel], 'weight');
    const inputs = [x, weight];
    if (bias) inputs.push(this.parameter(`${prefix}.bias`, [outChannels], 'bias'));

    return this.node('Conv', prefix, inputs, outChannels, {
      kernel_shape: [kernel, kernel],
      strides: [stride, stride],
      pads: [padding, padding, padding, padding],
      dilations: [1, 1],
      group: groups,
    });
  }

  /** Adds a BatchNorm2d in inference mode, from `prefix.{weight, bias, running_mean, running_var}`. */
  batchNorm(x: string, prefix: string, epsilon: number): string {
    const channels = this.channelsOf(x);
    const inputs = [
      x,
      this.parameter(`${prefix}.weight`, [channels], 'normWeight'),
      this.parameter(`${prefix}.bias`, [channels], 'normBias'),
      this.parameter(`${prefix}.running_mean`, [channels], 'runningMean'),
      this.parameter(`${prefix}.running_var`, [channels], 'runningVar'),
    ];
    return this.node('BatchNormalization', prefix, inputs, channels, { epsilon });
  }

  /**
   * Adds torchvision's `Conv2dNormActivation`: `prefix.0` a bias-free Conv2d, `prefix.1` a BatchNorm2d,
   * then the activation (which has no parameters).
   */
  convNormActivation(x: string, prefix: string, outChannels: number, kernel: number, activation: Activation, epsilon: number, options: ConvOptions = {}): string {
    const conv = this.conv(x, `${prefix}.0`, outChannels, kernel, options);
    const normalized = this.batchNorm(conv, `${prefix}.1`, epsilon);
    return this.activation(normalized, `${prefix}.2`, activation);
  }

  /** Applies an activation. SiLU becomes x · Sigmoid(x) and ReLU6 a Clip to [0, 6], as ONNX exporters write them. */
  activation(x: string, name: string, activation: Activation): string {
    const channels = this.channelsOf(x);
    switch (activation) {
      case 'none':
        return x;
      case 'relu':
        return this.node('Relu', name, [x], channels);
      case 'relu6':
        return this.node('Clip', name, [x], channels, { min: 0, max: 6 });
      case 'hardswish':
        return this.node('HardSwish', name, [x], channels);
      case 'silu': {
        const gate = this.node('Sigmoid', `${name}/sigmoid`, [x], channels);
        return this.node('Mul', name, [x, gate], channels);
      }
    }
  }

  /**
   * Adds torchvision's `SqueezeExcitation`: x · scale(fc2(act(fc1(avgpool(x))))), with `prefix.fc1` and
   * `prefix.fc2` 1×1 convolutions with bias. PyTorch's Hardsigmoid is relu6(x + 3) / 6, which is ONNX
   * HardSigmoid with alpha 1/6 and beta 0.5 (ONNX's default alpha is 0.2).
   */
  squeezeExcitation(x: string, prefix: string, squeezeChannels: number, activation: Activation, scale: 'sigmoid' | 'hardsigmoid'): string {
    const channels = this.channelsOf(x);
    const pooled = this.node('GlobalAveragePool', `${prefix}.avgpool`, [x], channels);
    const squeezed = this.conv(pooled, `${prefix}.fc1`, squeezeChannels, 1, { bias: true });
    const activated = this.activation(squeezed, `${prefix}.activation`, activation);
    const expanded = this.conv(activated, `${prefix}.fc2`, channels, 1, { bias: true });
    const gate =
      scale === 'sigmoid'
        ? this.node('Sigmoid', `${prefix}.scale_activation`, [expanded], channels)
        : this.node('HardSigmoid', `${prefix}.scale_activation`, [expanded], channels, { alpha: 1 / 6, beta: 0.5 });
    return this.node('Mul', `${prefix}.scale`, [x, gate], channels);
  }

  add(a: string, b: string, name: string): string {
    return this.node('Add', name, [a, b], this.channelsOf(a));
  }

  maxPool(x: string, name: string, kernel: number, stride: number, padding: number, ceilMode: boolean): string {
    return this.node('MaxPool', name, [x], this.channelsOf(x), {
      kernel_shape: [kernel, kernel],
      strides: [stride, stride],
      pads: [padding, padding, padding, padding],
      ceil_mode: ceilMode ? 1 : 0,
    });
  }

  concat(values: string[], name: string): string {
    const channels = values.reduce((sum, value) => sum + this.channelsOf(value), 0);
    return this.node('Concat', name, values, channels, { axis: 1 });
  }

  /** Adds `AdaptiveAvgPool2d(1)` then `torch.flatten(x, 1)`: [N, C, H, W] → [N, C], written to `output`. */
  globalPoolAndFlatten(x: string, name: string, output: string): string {
    const pooled = this.node('GlobalAveragePool', name, [x], this.channelsOf(x));
    return this.node('Flatten', `${name}/flatten`, [pooled], this.channelsOf(x), { axis: 1 }, output);
  }

  /** Adds `nn.Linear` on [N, in]: `prefix.weight` [out, in] and `prefix.bias` [out], as Gemm with transB. */
  linear(x: string, prefix: string, outFeatures: number, output?: string): string {
    const inFeatures = this.channelsOf(x);
    const weight = this.parameter(`${prefix}.weight`, [outFeatures, inFeatures], 'weight');
    const bias = this.parameter(`${prefix}.bias`, [outFeatures], 'bias');
    return this.node('Gemm', prefix, [x, weight, bias], outFeatures, { transB: 1 }, output);
  }

  /** Appends a node named `name` (made unique) whose single output is named after the node unless `output` is given. */
  node(opType: string, name: string, inputs: string[], channels: number, attributes: Record<string, AttributeValue> = {}, output?: string): string {
    let unique = name;
    for (let i = 1; this.usedNames.has(unique); i++) unique = `${name}_${i}`;
    this.usedNames.add(unique);

    const value = output ?? unique;
    this.nodes.push({ name: unique, opType, inputs, outputs: [value], attributes });
    this.channels.set(value, channels);
    return value;
  }

  private parameter(name: string, shape: number[], role: ParameterRole): string {
    if (!this.initializers.has(name)) {
      const data = this.parameters.take(name, shape, role);
      this.initializers.set(name, { name, dataType: 'float32', shape, data });
    }
    return name;
  }
}
