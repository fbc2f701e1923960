import type { ParameterRole, ParameterSource } from './network-builder';

/**
 * Generates seeded random parameters, for test state dicts. Weights are uniform in
 * ±sqrt(3 / fan_in), which gives each output the variance of its inputs, so activations stay
 * in range through 50 layers. BatchNorm scales and running variances lie in [0.5, 1.5], so
 * every variance is positive. Biases and running means lie in ±0.1.
 */
export class RandomParameters implements ParameterSource {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  take(_name: string, shape: number[], role: ParameterRole): Float32Array {
    const count = shape.reduce((a, b) => a * b, 1);
    const fanIn = count / shape[0]!;
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const u = this.next() * 2 - 1;
      switch (role) {
        case 'weight':
          values[i] = u * Math.sqrt(3 / fanIn);
          break;
        case 'normWeight':
        case 'runningVar':
          values[i] = 1 + 0.5 * u;
          break;
        case 'bias':
        case 'normBias':
        case 'runningMean':
          values[i] = 0.1 * u;
          break;
      }
    }
    return values;
  }

  /** Mulberry32: a small, fast seeded generator with a full 2^32 period. */
  private next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
