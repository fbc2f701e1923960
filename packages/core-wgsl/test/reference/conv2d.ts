import { conv2dOutputShape, type Conv2dShape, type Epilogue } from '../../src/index';
import { epilogueReference } from './epilogue';

/**
 * Float64 convolution over NCHW input and OIHW weights with ONNX Conv semantics,
 * followed by the epilogue. Written from the definition, one output at a time.
 */
export function conv2dReference(
  shape: Conv2dShape,
  epilogue: Epilogue,
  input: Float32Array,
  weights: Float32Array,
  bias: Float32Array | null,
  residual: Float32Array | null,
): Float64Array {
  const [batch, outChannels, outHeight, outWidth] = conv2dOutputShape(shape);
  const inPerGroup = shape.inChannels / shape.groups;
  const outPerGroup = shape.outChannels / shape.groups;
  const output = new Float64Array(batch * outChannels * outHeight * outWidth);

  let index = 0;
  for (let n = 0; n < batch; n++) {
    for (let oc = 0; oc < outChannels; oc++) {
      const group = Math.floor(oc / outPerGroup);
      for (let oy = 0; oy < outHeight; oy++) {
        for (let ox = 0; ox < outWidth; ox++) {
          let sum = 0;
          for (let c = 0; c < inPerGroup; c++) {
            const ic = group * inPerGroup + c;
            for (let ky = 0; ky < shape.kernelHeight; ky++) {
              const iy = oy * shape.strideHeight - shape.padTop + ky * shape.dilationHeight;
              if (iy < 0 || iy >= shape.inHeight) continue;
              for (let kx = 0; kx < shape.kernelWidth; kx++) {
                const ix = ox * shape.strideWidth - shape.padLeft + kx * shape.dilationWidth;
                if (ix < 0 || ix >= shape.inWidth) continue;
                const x = input[((n * shape.inChannels + ic) * shape.inHeight + iy) * shape.inWidth + ix]!;
                const w = weights[((oc * inPerGroup + c) * shape.kernelHeight + ky) * shape.kernelWidth + kx]!;
                sum += x * w;
              }
            }
          }
          output[index] = epilogueReference(epilogue, sum, bias?.[oc] ?? 0, residual?.[index] ?? 0);
          index++;
        }
      }
    }
  }
  return output;
}
