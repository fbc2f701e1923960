import { describe, expect, it } from 'vitest';

import { parseConvSpec, parseGemmSpec } from '../bench/custom-cases';
import { conv2dOutputShape } from '../src/index';

describe('kernel bench --conv and --gemm shapes', () => {
  it('reads a depthwise convolution with TensorFlow SAME pads', () => {
    const [name, shape, epilogue] = parseConvSpec('in=144,groups=dw,size=56,kernel=3,stride=2,act=relu6', 8);

    expect(name).toBe('conv 3x3 s2 dw 144->144 @56');
    expect(shape).toMatchObject({ batch: 8, inChannels: 144, outChannels: 144, groups: 144, inHeight: 56, inWidth: 56 });
    // SAME at stride 2 on an even size pads only after the input: 28 outputs from 56 + 1 rows.
    expect([shape.padTop, shape.padLeft, shape.padBottom, shape.padRight]).toEqual([0, 0, 1, 1]);
    expect(conv2dOutputShape(shape)).toEqual([8, 144, 28, 28]);
    expect(epilogue).toEqual({ bias: true, activation: { kind: 'clip', min: 0, max: 6 }, residual: 'none' });
  });

  it('reads rectangular sizes, dilation, groups and explicit pads', () => {
    const [name, shape] = parseConvSpec('in=32,out=64,height=20,width=30,kernel=3x5,stride=1x2,dilation=2,groups=4,pad=2/4/2/4,batch=3', 1);

    expect(name).toBe('conv 3x5 s1x2 d2 g4 32->64 @20x30 b3');
    expect(shape).toMatchObject({
      batch: 3, kernelHeight: 3, kernelWidth: 5, strideHeight: 1, strideWidth: 2, dilationHeight: 2, dilationWidth: 2,
      padTop: 2, padLeft: 4, padBottom: 2, padRight: 4, groups: 4,
    });
    expect(conv2dOutputShape(shape)).toEqual([3, 64, 20, 15]);
  });

  it('puts SAME_LOWER padding before the input', () => {
    const [, shape] = parseConvSpec('in=3,out=8,size=8,kernel=2,pad=same-lower,bias=no', 1);
    expect([shape.padTop, shape.padLeft, shape.padBottom, shape.padRight]).toEqual([1, 1, 0, 0]);
    expect(conv2dOutputShape(shape)).toEqual([1, 8, 8, 8]);
  });

  it('reads a GEMM with transposes, batch and activation', () => {
    const [name, shape, epilogue] = parseGemmSpec('1024x256x64,tb,batch=2,act=relu,bias=yes');

    expect(name).toBe('gemm 1024x256x64 tB b2');
    expect(shape).toEqual({ batch: 2, M: 1024, N: 256, K: 64, transposeA: false, transposeB: true, alpha: 1, broadcastB: true });
    expect(epilogue).toEqual({ bias: true, activation: { kind: 'relu' }, residual: 'none' });
  });

  it.each([
    ['in=3', /missing out=…/],
    ['in=3,out=8,kernel=3', /missing size=…/],
    ['in=3,out=8,size=8,kernel=3,colour=red', /unknown key 'colour'; the keys are in, out,/],
    ['in=3,out=8,size=8,kernel=3,kernel=5', /kernel is given twice/],
    ['in=3,out=8,size=8,kernel=0', /kernel must be a positive integer, got '0'/],
    ['in=3,out=8,size=8,kernel=3x3x3', /kernel is N or HxW/],
    ['in=8,out=6,groups=4,size=9,kernel=3', /groups \(4\) must divide/],
    ['in=3,out=8,size=2,kernel=5,pad=valid', /output would be -2x-2/],
    ['in=3,out=8,size=8,kernel=3,pad=1/2', /T\/L\/B\/R, got '1\/2'/],
    ['in=3,out=8,size=8,kernel=3,act=swish', /unknown act 'swish'; use one of none, relu,/],
    ['in=3,out=8,size=8,kernel=3,bias=maybe', /bias is yes or no/],
    ['in=3,out 8', /'out 8' is not key=value/],
  ])('rejects --conv=%s with a message naming the field', (spec, message) => {
    expect(() => parseConvSpec(spec, 1)).toThrow(message);
    expect(() => parseConvSpec(spec, 1)).toThrow(`--conv=${spec}: `);
  });

  it.each([
    ['512x512', /start with MxNxK/],
    ['512x0x512', /N must be a positive integer, got '0'/],
    ['64x64x64,tc', /unknown flag 'tc'; the flags are ta and tb/],
    ['64x64x64,batch=0', /batch must be a positive integer/],
  ])('rejects --gemm=%s with a message naming the field', (spec, message) => {
    expect(() => parseGemmSpec(spec)).toThrow(message);
  });
});
