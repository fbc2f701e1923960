import { seededRandom } from '../seeded-random';
import { onnx, type OnnxTypes } from './proto';

export interface ConvOptions {
  kernel: number;
  stride?: number;
  /** Channels per group equal to 1 with `group` = channels gives a depthwise convolution. */
  group?: number;
  /** Multiplies the He-initialized weights; a small gain on the last conv of a residual branch keeps activations bounded. */
  gain?: number;
}

/**
 * Builds a float32 ONNX graph (opset 13, NCHW, dynamic batch `N`) one operator at a time,
 * with He-initialized random weights. Enough for ResNet- and MobileNet-shaped benchmark models.
 */
export class OnnxGraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly random: () => number;
  private counter = 0;

  constructor(
    private readonly name: string,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  /** Adds a Conv with bias (batch norm is assumed folded into it, as exporters do for inference). */
  conv(input: string, inChannels: number, outChannels: number, options: ConvOptions): string {
    const stride = options.stride ?? 1;
    const group = options.group ?? 1;
    const pad = Math.floor(options.kernel / 2);
    const id = this.nextId('conv');
    const fanIn = (inChannels / group) * options.kernel * options.kernel;

    const weightShape = [outChannels, inChannels / group, options.kernel, options.kernel];
    const std = Math.sqrt(2 / fanIn) * (options.gain ?? 1);
    const weight = this.addInitializer(`${id}.weight`, weightShape, std);
    const bias = this.addInitializer(`${id}.bias`, [outChannels], 0.01);

    return this.addNode('Conv', id, [input, weight, bias], [
      ints('kernel_shape', [options.kernel, options.kernel]),
      ints('strides', [stride, stride]),
      ints('pads', [pad, pad, pad, pad]),
      ints('dilations', [1, 1]),
      int('group', group),
    ]);
  }

  relu(input: string): string {
    return this.addNode('Relu', this.nextId('relu'), [input], []);
  }

  add(a: string, b: string): string {
    return this.addNode('Add', this.nextId('add'), [a, b], []);
  }

  maxPool(input: string, kernel: number, stride: number): string {
    const pad = Math.floor(kernel / 2);
    return this.addNode('MaxPool', this.nextId('maxpool'), [input], [
      ints('kernel_shape', [kernel, kernel]),
      ints('strides', [stride, stride]),
      ints('pads', [pad, pad, pad, pad]),
    ]);
  }

  /** Adds GlobalAveragePool then Flatten, giving [N, C] pooled features. */
  globalAveragePoolFlatten(input: string): string {
    const pooled = this.addNode('GlobalAveragePool', this.nextId('gap'), [input], []);
    return this.addNode('Flatten', this.nextId('flatten'), [pooled], [int('axis', 1)]);
  }

  /** Encodes the model with one NCHW float32 input and the named [N, D] output. */
  encode(input: string, inputShape: [number, number, number], output: string, outputWidth: number): Uint8Array {
    const graph: OnnxTypes.IGraphProto = {
      name: this.name,
      node: this.nodes,
      initializer: this.initializers,
      input: [valueInfo(input, ['N', ...inputShape])],
      output: [valueInfo(output, ['N', outputWidth])],
    };
    const model: OnnxTypes.IModelProto = {
      irVersion: 7,
      producerName: 'offshelf-bench',
      opsetImport: [{ domain: '', version: 13 }],
      graph,
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }

  /** Renames the last node's output, so the model can expose a stable name such as `features`. */
  renameLastOutput(name: string): string {
    const last = this.nodes[this.nodes.length - 1];
    if (!last?.output) throw new Error('renameLastOutput: the graph has no nodes yet.');
    last.output = [name];
    return name;
  }

  private nextId(kind: string): string {
    this.counter += 1;
    return `${kind}${this.counter}`;
  }

  private addNode(opType: string, name: string, inputs: string[], attribute: OnnxTypes.IAttributeProto[]): string {
    const output = `${name}.out`;
    this.nodes.push({ name, opType, input: inputs, output: [output], attribute });
    return output;
  }

  private addInitializer(name: string, shape: number[], std: number): string {
    const count = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);

    // Uniform on [-a, a] with a = std·√3 has standard deviation std.
    const bound = std * Math.sqrt(3);
    for (let i = 0; i < count; i++) values[i] = (this.random() * 2 - 1) * bound;

    this.initializers.push({
      name,
      dims: shape,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(values.buffer),
    });
    return name;
  }
}

function ints(name: string, values: number[]): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values };
}

function int(name: string, value: number): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

function valueInfo(name: string, shape: Array<number | string>): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}
