import { ModelImportError, type AttributeValue, type Dim, type Initializer, type Node, type ValueInfo } from '../../ir/graph';
import { nchwShape, sameOrderInNchw } from './layout';

/** Fused or standalone activations that NHWC formats attach to an operator. */
export type Activation = 'none' | 'relu' | 'relu6' | 'relu_n1_to_1' | 'tanh' | 'sigmoid' | 'hard_swish' | 'softmax';

/**
 * Builds IR nodes for a model whose source layout is NHWC (TFLite, TF.js).
 *
 * It records every value's source-layout shape (batch -1 when dynamic), because
 * TensorFlow `SAME` padding and layout-dependent ops (reshape, flatten, axes) need
 * spatial sizes, and writes the NCHW shape of each value into `valueInfo`.
 */
export class NhwcGraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers = new Map<string, Initializer>();
  readonly valueInfo = new Map<string, ValueInfo>();
  private readonly sourceShapes = new Map<string, number[]>();
  private readonly usedNames = new Set<string>();

  constructor(readonly file: string) {}

  fail(message: string): never {
    throw new ModelImportError(this.file, message);
  }

  /** Returns a value or node name not used before, derived from `base`. */
  uniqueName(base: string): string {
    // TFLite joins the names of fused TensorFlow ops with ';'; the first one names the value well enough.
    const clean = base.split(';')[0] || 'value';
    let name = clean;
    for (let suffix = 1; this.usedNames.has(name); suffix++) name = `${clean}_${suffix}`;
    this.usedNames.add(name);
    return name;
  }

  /** Records the source-layout (NHWC) shape of an IR value; computed values also get an NCHW `valueInfo` entry. */
  setShape(value: string, nhwc: number[]): void {
    this.sourceShapes.set(value, nhwc);
    if (this.initializers.has(value)) return;
    const dims: Dim[] = nchwShape(nhwc).map((d) => (d < 0 ? 'N' : d));
    this.valueInfo.set(value, { name: value, dataType: 'float32', shape: dims });
  }

  /** Returns the source-layout (NHWC) shape of an IR value. */
  shape(value: string): number[] {
    const shape = this.sourceShapes.get(value);
    if (shape === undefined) this.fail(`the shape of '${value}' is unknown; the value is used before it is produced`);
    return shape;
  }

  /** Adds a float32 initializer whose shape is already in the IR (ONNX) layout. */
  constant(base: string, shape: number[], data: Float32Array): string {
    const name = this.uniqueName(base);
    this.initializers.set(name, { name, dataType: 'float32', shape, data });
    return name;
  }

  /** Adds one node with a single output and records the output's source-layout shape. */
  node(opType: string, inputs: string[], attributes: Record<string, AttributeValue>, outputBase: string, outputNhwc: number[]): string {
    const output = this.uniqueName(outputBase);
    this.nodes.push({ name: output, opType, inputs, outputs: [output], attributes });
    this.setShape(output, outputNhwc);
    return output;
  }

  /** Applies an activation to `input` as a value named from `outputBase`; returns the input itself for `none`. */
  activation(input: string, activation: Activation, outputBase: string): string {
    const shape = this.shape(input);
    switch (activation) {
      case 'none':
        return input;
      case 'relu':
        return this.node('Relu', [input], {}, outputBase, shape);
      case 'relu6':
        return this.node('Clip', [input], { min: 0, max: 6 }, outputBase, shape);
      case 'relu_n1_to_1':
        return this.node('Clip', [input], { min: -1, max: 1 }, outputBase, shape);
      case 'tanh':
        return this.node('Tanh', [input], {}, outputBase, shape);
      case 'sigmoid':
        return this.node('Sigmoid', [input], {}, outputBase, shape);
      case 'hard_swish':
        return this.node('HardSwish', [input], {}, outputBase, shape);
      case 'softmax':
        return this.node('Softmax', [input], { axis: shape.length === 4 ? 1 : shape.length - 1 }, outputBase, shape);
    }
  }

  /**
   * Adds a node followed by an activation. The final value is named from
   * `outputBase`, and the value before the activation gets a `/linear` suffix.
   */
  nodeWithActivation(opType: string, inputs: string[], attributes: Record<string, AttributeValue>, outputBase: string, outputNhwc: number[], activation: Activation): string {
    if (activation === 'none') return this.node(opType, inputs, attributes, outputBase, outputNhwc);
    const linear = this.node(opType, inputs, attributes, `${outputBase}/linear`, outputNhwc);
    return this.activation(linear, activation, outputBase);
  }

  /**
   * Reshapes `input` to the NHWC shape `target` with NHWC element order, inserting
   * transposes around the reshape only where NCHW element order differs.
   */
  reshape(input: string, target: number[], base: string): string {
    let current = input;
    const inputShape = this.shape(input);

    if (!sameOrderInNchw(inputShape)) {
      current = this.node('Transpose', [current], { perm: [0, 2, 3, 1] }, `${base}/to_nhwc`, inputShape);
      // The transposed value is NHWC in memory; record it as a rank-4 value whose NCHW shape is the NHWC one.
      this.valueInfo.set(current, { name: current, dataType: 'float32', shape: inputShape.map((d) => (d < 0 ? 'N' : d)) });
    }

    if (target.length === 4 && !sameOrderInNchw(target)) {
      const nhwc = this.node('Reshape', [current], { shape: target.map((d) => (d < 0 ? -1 : d)) }, `${base}/reshape`, target);
      this.valueInfo.set(nhwc, { name: nhwc, dataType: 'float32', shape: target.map((d) => (d < 0 ? 'N' : d)) });
      return this.node('Transpose', [nhwc], { perm: [0, 3, 1, 2] }, base, target);
    }

    const irTarget = nchwShape(target).map((d) => (d < 0 ? -1 : d));
    return this.node('Reshape', [current], { shape: irTarget }, base, target);
  }

  /**
   * Reshapes a constant operand of a broadcasting op to the IR layout: a rank-4
   * NHWC constant is transposed, and a rank-1 (per-channel) constant applied to a
   * rank-4 activation becomes [C, 1, 1].
   */
  broadcastConstant(base: string, data: Float32Array, nhwc: number[], otherRank: number): string {
    if (nhwc.length === 4) {
      const [n, h, w, c] = nhwc as [number, number, number, number];
      const out = new Float32Array(data.length);
      for (let b = 0; b < n; b++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++)
            for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + x] = data[((b * h + y) * w + x) * c + k]!;
      return this.constant(base, [n, c, h, w], out);
    }
    if (otherRank === 4 && nhwc.length === 1 && nhwc[0]! > 1) return this.constant(base, [nhwc[0]!, 1, 1], data);
    if (otherRank === 4 && nhwc.length >= 1 && nhwc.length < 4 && nhwc.slice(0, -1).some((d) => d !== 1)) {
      this.fail(`constant '${base}' with shape [${nhwc.join(', ')}] broadcasts over spatial axes of an NHWC tensor; only per-channel or scalar constants are supported`);
    }
    if (otherRank === 4 && nhwc.length > 1) return this.constant(base, [nhwc[nhwc.length - 1]!, 1, 1], data);
    return this.constant(base, nhwc, data);
  }
}
