/**
 * A minimal writer of WebAssembly binary modules (core spec 2.0 with the 128-bit SIMD
 * proposal): LEB128 numbers, the type, import, function, export and code sections, and
 * the instructions the GEMM kernels in simdGemmKernels.ts use. Kernels are generated at
 * run time so each can be specialised for the row length, and the package ships no
 * binary file and needs no WebAssembly toolchain.
 */

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

export type ValueType = typeof I32 | typeof F64 | typeof V128;

/** One exported function: parameter and result types, extra local types and the instruction bytes of its body. */
export interface WasmFunction {
  name: string;
  params: ValueType[];
  results?: ValueType[];
  locals: ValueType[];
  body: number[];
}

export function unsignedLeb128(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

export function signedLeb128(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function vector(items: number[][]): number[] {
  return [...unsignedLeb128(items.length), ...items.flat()];
}

function section(id: number, bytes: number[]): number[] {
  return [id, ...unsignedLeb128(bytes.length), ...bytes];
}

function name(text: string): number[] {
  return [...unsignedLeb128(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
}

/**
 * Encodes a module that imports its linear memory as `env.memory` (at least `minPages`
 * pages of 64 KiB) and exports `functions`.
 */
export function encodeModule(functions: WasmFunction[], minPages = 1): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((t) => [t])), ...vector((f.results ?? []).map((t) => [t]))]);
  const bodies = functions.map((f) => {
    const body = [...vector(f.locals.map((t) => [1, t])), ...f.body, 0x0b];
    return [...unsignedLeb128(body.length), ...body];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, ...unsignedLeb128(minPages)]])),
    ...section(3, vector(functions.map((_, i) => unsignedLeb128(i)))),
    ...section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...unsignedLeb128(i)]))),
    ...section(10, vector(bodies)),
  ]);
}

const SIMD = 0xfd;

/** Instruction encoders; memory offsets are byte offsets added to the address on the stack. */
export const op = {
  localGet: (index: number): number[] => [0x20, ...unsignedLeb128(index)],
  localSet: (index: number): number[] => [0x21, ...unsignedLeb128(index)],
  localTee: (index: number): number[] => [0x22, ...unsignedLeb128(index)],

  i32Const: (value: number): number[] => [0x41, ...signedLeb128(value)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32LtU: [0x49],

  /** A loop whose `br 0` jumps back to its start; block type empty. */
  loop: [0x03, 0x40],
  /** A block whose `br 0` jumps past its end; block type empty. */
  block: [0x02, 0x40],
  /** Runs the instructions up to the matching end when the i32 on the stack is not 0; block type empty. */
  if: [0x04, 0x40],
  br: (depth: number): number[] => [0x0c, ...unsignedLeb128(depth)],
  return: [0x0f],
  i32GeU: [0x4f],
  i32Shl: [0x74],
  f64Le: [0x65],
  end: [0x0b],
  brIf: (depth: number): number[] => [0x0d, ...unsignedLeb128(depth)],

  f64Load: (offset: number): number[] => [0x2b, 3, ...unsignedLeb128(offset)],
  f64Store: (offset: number): number[] => [0x39, 3, ...unsignedLeb128(offset)],
  f64Add: [0xa0],
  f64Mul: [0xa2],
  f64PromoteF32: [0xbb],
  f64ConvertI32S: [0xb7],

  v128Load: (offset: number): number[] => [SIMD, 0x00, 4, ...unsignedLeb128(offset)],
  v128Store: (offset: number): number[] => [SIMD, 0x0b, 4, ...unsignedLeb128(offset)],
  v128Zero: [SIMD, 0x0c, ...new Array<number>(16).fill(0)],
  f64x2Splat: [SIMD, 0x14],
  f64x2ExtractLane: (lane: number): number[] => [SIMD, 0x21, lane],
  f64x2Add: [SIMD, ...unsignedLeb128(0xf0)],
  f64x2Mul: [SIMD, ...unsignedLeb128(0xf2)],
  f64x2Sub: [SIMD, ...unsignedLeb128(0xf1)],
  f64x2Le: [SIMD, ...unsignedLeb128(0x4b)],
  v128AnyTrue: [SIMD, ...unsignedLeb128(0x53)],
  f32x4ExtractLane: (lane: number): number[] => [SIMD, 0x1f, lane],
  f32x4Add: [SIMD, ...unsignedLeb128(0xe4)],
  f32x4Mul: [SIMD, ...unsignedLeb128(0xe6)],
  i32x4ExtractLane: (lane: number): number[] => [SIMD, 0x1b, lane],
  i32x4Add: [SIMD, ...unsignedLeb128(0xae)],
  /** Multiplies 8 pairs of signed 16-bit lanes exactly and adds neighbouring products into 4 32-bit lanes. */
  i32x4DotI16x8S: [SIMD, ...unsignedLeb128(0xba)],
};
