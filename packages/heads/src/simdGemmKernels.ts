import { F64, I32, V128, type ValueType, type WasmFunction, encodeModule, op } from './wasmAssembler';

/**
 * WebAssembly f64x2 GEMM micro-kernels for row-major float64 operands whose rows are
 * `stride` elements apart (stride a multiple of STRIDE_MULTIPLE, the padding filled with zeros).
 * The row length is baked into the code as load offsets, so one module serves one
 * stride. Both kernels loop do-while style: every count passed must be at least 1.
 *
 * dotTile(a, nA, b, nB, out, outStrideBytes), C = A Bᵀ:
 *   out[i·outStride + k] = Σ_j A[i, j] B[k, j]   for i < nA (a multiple of 2), k < nB (a multiple of 4).
 * dotTileFloat32 is the same for float32 operands (rows stride·4 bytes apart) and float64 output.
 * dotTileInt16 is the same for 16-bit integer operands (rows stride·2 bytes apart), whose exact
 * products are summed in 4 int32 lanes (the caller keeps them from overflowing) and then in float64.
 * accumulateTile(r, rStrideBytes, x, nRows, g, nK), G += Rᵀ X:
 *   G[k, j] += Σ_{i < nRows} R[i, k] X[i, j]   for k < nK (a multiple of 2), j < stride,
 *   with G nK × stride and R nRows rows of rStrideBytes bytes.
 * screenRow (below) filters a row of k-NN screening keys.
 * dotRow(x, w) returns Σ_j x_j w_j and axpyRow(x, w, alpha) sets w_j += alpha·x_j, both
 * over one row of `stride` elements, for coordinate-descent solvers.
 * Pointers are byte addresses in the imported memory.
 */
export const DOT_TILE_ROWS = 2;
export const DOT_TILE_COLUMNS = 4;
/**
 * Rows of G × f64x2 vectors per row that the accumulate kernel keeps in registers: 2 × 4 (8 columns)
 * measured 12.2 GFLOP/s against 11.3 for 4 × 2 and 10–10.5 for 2 × 2, 2 × 3 and 1 × 4 (K = 10, AMD EPYC, Node 20),
 * and it pads K only to a multiple of 2.
 */
export const ACCUMULATE_TILE_ROWS = 2;
const ACCUMULATE_TILE_VECTORS = 4;
/** Padding unit of strides: the accumulate kernel reads 2·ACCUMULATE_TILE_VECTORS columns at once, the row kernels 4. */
export const STRIDE_MULTIPLE = Math.max(4, 2 * ACCUMULATE_TILE_VECTORS);

/** Allocates numbered locals after the parameters and emits instruction bytes. */
class FunctionBuilder {
  readonly body: number[] = [];
  readonly locals: ValueType[] = [];

  constructor(private readonly paramCount: number) {}

  local(type: ValueType): number {
    this.locals.push(type);
    return this.paramCount + this.locals.length - 1;
  }

  emit(...instructions: number[][]): void {
    for (const instruction of instructions) this.body.push(...instruction);
  }
}

/**
 * Element type of the dot kernel's operands. Float32 sums 4 lanes per f32x4 and int16 4 int32
 * lanes per i32x4 (2 products each step), and both add the lanes in float64.
 */
export type DotPrecision = 'float64' | 'float32' | 'int16';

const ELEMENT_BYTES: Record<DotPrecision, number> = { float64: 8, float32: 4, int16: 2 };

function dotTile(stride: number, precision: DotPrecision): WasmFunction {
  const rowBytes = stride * ELEMENT_BYTES[precision];
  // Each step multiplies and adds one vector pair; int16 does 8 exact products in one i32x4.dot_i16x8_s.
  const multiplyAdd: Record<DotPrecision, number[][]> = {
    float64: [op.f64x2Mul, op.f64x2Add],
    float32: [op.f32x4Mul, op.f32x4Add],
    int16: [op.i32x4DotI16x8S, op.i32x4Add],
  };
  const [a, nA, b, nB, out, outStride] = [0, 1, 2, 3, 4, 5];
  const f = new FunctionBuilder(6);
  const aEnd = f.local(I32);
  const bEnd = f.local(I32);
  const bRow = f.local(I32);
  const outRow = f.local(I32);
  const pa = f.local(I32);
  const pb = f.local(I32);
  const paEnd = f.local(I32);
  // 2 × 4 f64x2 accumulators plus 2 A values and 1 B value: 11 of the 16 SSE/AVX registers of x86-64.
  // Measured 22.5 GFLOP/s against 21.5 for 4 × 2, 20.6 for 2 × 3 and 11–14 for 3 × 3, 3 × 4, 4 × 3 and 2 × 6,
  // which run out of registers (AMD EPYC, Node 20).
  const acc = Array.from({ length: DOT_TILE_ROWS * DOT_TILE_COLUMNS }, () => f.local(V128));
  const av = Array.from({ length: DOT_TILE_ROWS }, () => f.local(V128));
  const bv = f.local(V128);

  f.emit(op.localGet(a), op.localGet(nA), op.i32Const(rowBytes), op.i32Mul, op.i32Add, op.localSet(aEnd));
  f.emit(op.localGet(b), op.localGet(nB), op.i32Const(rowBytes), op.i32Mul, op.i32Add, op.localSet(bEnd));

  // For each pair of A rows …
  f.emit(op.loop);
  f.emit(op.localGet(b), op.localSet(bRow), op.localGet(out), op.localSet(outRow));

  // … and each group of 4 B rows: 8 dot products over the row, one column per lane (2 for f64x2, 4 for f32x4).
  f.emit(op.loop);
  for (const t of acc) f.emit(op.v128Zero, op.localSet(t));
  f.emit(op.localGet(a), op.localTee(pa), op.i32Const(rowBytes), op.i32Add, op.localSet(paEnd));
  f.emit(op.localGet(bRow), op.localSet(pb));
  f.emit(op.loop);
  for (let r = 0; r < DOT_TILE_ROWS; r++) f.emit(op.localGet(pa), op.v128Load(r * rowBytes), op.localSet(av[r]!));
  for (let c = 0; c < DOT_TILE_COLUMNS; c++) {
    f.emit(op.localGet(pb), op.v128Load(c * rowBytes), op.localSet(bv));
    for (let r = 0; r < DOT_TILE_ROWS; r++) {
      const t = acc[r * DOT_TILE_COLUMNS + c]!;
      f.emit(op.localGet(t), op.localGet(av[r]!), op.localGet(bv), ...multiplyAdd[precision], op.localSet(t));
    }
  }
  f.emit(op.localGet(pb), op.i32Const(16), op.i32Add, op.localSet(pb));
  f.emit(op.localGet(pa), op.i32Const(16), op.i32Add, op.localTee(pa), op.localGet(paEnd), op.i32LtU, op.brIf(0));
  f.emit(op.end);

  // Each float64 output is the sum of its accumulator's lanes: (lane 0 + lane 1) for f64x2,
  // ((lane 0 + lane 1) + (lane 2 + lane 3)) in float64 for f32x4 and i32x4.
  for (let r = 0; r < DOT_TILE_ROWS; r++) {
    for (let c = 0; c < DOT_TILE_COLUMNS; c++) {
      const t = acc[r * DOT_TILE_COLUMNS + c]!;
      f.emit(op.localGet(outRow));
      if (r > 0) f.emit(op.localGet(outStride), op.i32Const(r), op.i32Mul, op.i32Add);
      if (precision !== 'float64') {
        const [extract, widen] = precision === 'float32' ? [op.f32x4ExtractLane, op.f64PromoteF32] : [op.i32x4ExtractLane, op.f64ConvertI32S];
        const lane = (l: number): number[][] => [op.localGet(t), extract(l), widen];
        f.emit(...lane(0), ...lane(1), op.f64Add, ...lane(2), ...lane(3), op.f64Add, op.f64Add, op.f64Store(c * 8));
      } else {
        f.emit(op.localGet(t), op.f64x2ExtractLane(0), op.localGet(t), op.f64x2ExtractLane(1), op.f64Add, op.f64Store(c * 8));
      }
    }
  }
  f.emit(op.localGet(outRow), op.i32Const(DOT_TILE_COLUMNS * 8), op.i32Add, op.localSet(outRow));
  f.emit(op.localGet(bRow), op.i32Const(DOT_TILE_COLUMNS * rowBytes), op.i32Add, op.localTee(bRow), op.localGet(bEnd), op.i32LtU, op.brIf(0));
  f.emit(op.end);

  f.emit(op.localGet(out), op.localGet(outStride), op.i32Const(DOT_TILE_ROWS), op.i32Mul, op.i32Add, op.localSet(out));
  f.emit(op.localGet(a), op.i32Const(DOT_TILE_ROWS * rowBytes), op.i32Add, op.localTee(a), op.localGet(aEnd), op.i32LtU, op.brIf(0));
  f.emit(op.end);

  const names: Record<DotPrecision, string> = { float64: 'dotTile', float32: 'dotTileFloat32', int16: 'dotTileInt16' };
  return { name: names[precision], params: [I32, I32, I32, I32, I32, I32], locals: f.locals, body: f.body };
}

function accumulateTile(stride: number): WasmFunction {
  const rowBytes = stride * 8;
  const [r, rStride, x, nRows, g, nK] = [0, 1, 2, 3, 4, 5];
  const f = new FunctionBuilder(6);
  const gEnd = f.local(I32);
  const gBlock = f.local(I32);
  const gBlockEnd = f.local(I32);
  const px = f.local(I32);
  const pr = f.local(I32);
  const prEnd = f.local(I32);
  // ACCUMULATE_TILE_ROWS rows of G × V f64x2 vectors stay in registers while the tile's rows stream past.
  const V = ACCUMULATE_TILE_VECTORS;
  const acc = Array.from({ length: ACCUMULATE_TILE_ROWS * V }, () => f.local(V128));
  const xv = Array.from({ length: V }, () => f.local(V128));
  const rv = f.local(V128);

  f.emit(op.localGet(g), op.localGet(nK), op.i32Const(rowBytes), op.i32Mul, op.i32Add, op.localSet(gEnd));

  // For each group of ACCUMULATE_TILE_ROWS rows of G (columns of R) …
  f.emit(op.loop);
  f.emit(op.localGet(g), op.localTee(gBlock), op.i32Const(rowBytes), op.i32Add, op.localSet(gBlockEnd));

  // … and each 2·V columns of G and X:
  f.emit(op.loop);
  for (let k = 0; k < ACCUMULATE_TILE_ROWS; k++) {
    for (let h = 0; h < V; h++) f.emit(op.localGet(gBlock), op.v128Load(k * rowBytes + h * 16), op.localSet(acc[V * k + h]!));
  }
  f.emit(op.localGet(x), op.localGet(gBlock), op.i32Add, op.localGet(g), op.i32Sub, op.localSet(px));
  f.emit(op.localGet(r), op.localTee(pr), op.localGet(nRows), op.localGet(rStride), op.i32Mul, op.i32Add, op.localSet(prEnd));
  f.emit(op.loop);
  for (let h = 0; h < V; h++) f.emit(op.localGet(px), op.v128Load(h * 16), op.localSet(xv[h]!));
  for (let k = 0; k < ACCUMULATE_TILE_ROWS; k++) {
    f.emit(op.localGet(pr), op.f64Load(k * 8), op.f64x2Splat, op.localSet(rv));
    for (let h = 0; h < V; h++) {
      const t = acc[V * k + h]!;
      f.emit(op.localGet(t), op.localGet(rv), op.localGet(xv[h]!), op.f64x2Mul, op.f64x2Add, op.localSet(t));
    }
  }
  f.emit(op.localGet(px), op.i32Const(rowBytes), op.i32Add, op.localSet(px));
  f.emit(op.localGet(pr), op.localGet(rStride), op.i32Add, op.localTee(pr), op.localGet(prEnd), op.i32LtU, op.brIf(0));
  f.emit(op.end);
  for (let k = 0; k < ACCUMULATE_TILE_ROWS; k++) {
    for (let h = 0; h < V; h++) f.emit(op.localGet(gBlock), op.localGet(acc[V * k + h]!), op.v128Store(k * rowBytes + h * 16));
  }
  f.emit(op.localGet(gBlock), op.i32Const(16 * V), op.i32Add, op.localTee(gBlock), op.localGet(gBlockEnd), op.i32LtU, op.brIf(0));
  f.emit(op.end);

  f.emit(op.localGet(r), op.i32Const(ACCUMULATE_TILE_ROWS * 8), op.i32Add, op.localSet(r));
  f.emit(op.localGet(g), op.i32Const(ACCUMULATE_TILE_ROWS * rowBytes), op.i32Add, op.localTee(g), op.localGet(gEnd), op.i32LtU, op.brIf(0));
  f.emit(op.end);

  return { name: 'accumulateTile', params: [I32, I32, I32, I32, I32, I32], locals: f.locals, body: f.body };
}

function dotRow(stride: number): WasmFunction {
  const [x, w] = [0, 1];
  const f = new FunctionBuilder(2);
  const xEnd = f.local(I32);
  // Two f64x2 accumulators (4 partial sums) so consecutive multiply-adds do not wait on each other.
  const acc = [f.local(V128), f.local(V128)];
  f.emit(op.v128Zero, op.localSet(acc[0]!), op.v128Zero, op.localSet(acc[1]!));
  f.emit(op.localGet(x), op.i32Const(stride * 8), op.i32Add, op.localSet(xEnd));
  f.emit(op.loop);
  for (let h = 0; h < 2; h++) {
    f.emit(op.localGet(acc[h]!), op.localGet(x), op.v128Load(h * 16), op.localGet(w), op.v128Load(h * 16), op.f64x2Mul, op.f64x2Add, op.localSet(acc[h]!));
  }
  f.emit(op.localGet(w), op.i32Const(32), op.i32Add, op.localSet(w));
  f.emit(op.localGet(x), op.i32Const(32), op.i32Add, op.localTee(x), op.localGet(xEnd), op.i32LtU, op.brIf(0));
  f.emit(op.end);
  f.emit(op.localGet(acc[0]!), op.localGet(acc[1]!), op.f64x2Add, op.localTee(acc[0]!), op.f64x2ExtractLane(0));
  f.emit(op.localGet(acc[0]!), op.f64x2ExtractLane(1), op.f64Add);
  return { name: 'dotRow', params: [I32, I32], results: [F64], locals: f.locals, body: f.body };
}

function axpyRow(stride: number): WasmFunction {
  const [x, w, alpha] = [0, 1, 2];
  const f = new FunctionBuilder(3);
  const xEnd = f.local(I32);
  const scale = f.local(V128);
  f.emit(op.localGet(alpha), op.f64x2Splat, op.localSet(scale));
  f.emit(op.localGet(x), op.i32Const(stride * 8), op.i32Add, op.localSet(xEnd));
  f.emit(op.loop);
  for (let h = 0; h < 2; h++) {
    f.emit(op.localGet(w), op.localGet(w), op.v128Load(h * 16), op.localGet(x), op.v128Load(h * 16), op.localGet(scale), op.f64x2Mul, op.f64x2Add, op.v128Store(h * 16));
  }
  f.emit(op.localGet(w), op.i32Const(32), op.i32Add, op.localSet(w));
  f.emit(op.localGet(x), op.i32Const(32), op.i32Add, op.localTee(x), op.localGet(xEnd), op.i32LtU, op.brIf(0));
  f.emit(op.end);
  return { name: 'axpyRow', params: [I32, I32, F64], locals: f.locals, body: f.body };
}

/**
 * screenRow(products, norms, scales, start, end, base, weight, multiplier, limit) returns the
 * first c in [start, end) with key_c = (base + weight·norms[c]) − (multiplier·scales[c])·products[c]
 * ≤ limit, or a value ≥ end when there is none. Arrays are float64 at byte addresses, read two
 * at a time, so index end (and end + 1 for an odd start) must be readable. Each key is rounded
 * exactly as the same expression in JavaScript, so the k-NN screen can skip the pairs it rejects.
 */
function screenRow(): WasmFunction {
  const [products, norms, scales, start, end, base, weight, multiplier, limit] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const f = new FunctionBuilder(9);
  const c = f.local(I32);
  const offset = f.local(I32);
  const baseV = f.local(V128);
  const weightV = f.local(V128);
  const multiplierV = f.local(V128);
  const limitV = f.local(V128);
  const key = f.local(V128);
  f.emit(op.localGet(base), op.f64x2Splat, op.localSet(baseV));
  f.emit(op.localGet(weight), op.f64x2Splat, op.localSet(weightV));
  f.emit(op.localGet(multiplier), op.f64x2Splat, op.localSet(multiplierV));
  f.emit(op.localGet(limit), op.f64x2Splat, op.localSet(limitV));
  f.emit(op.localGet(start), op.localSet(c));

  f.emit(op.block, op.loop);
  f.emit(op.localGet(c), op.localGet(end), op.i32GeU, op.brIf(1));
  f.emit(op.localGet(c), op.i32Const(3), op.i32Shl, op.localSet(offset));
  // (base + weight·norm) − (multiplier·scale)·product for columns c and c + 1.
  f.emit(op.localGet(baseV), op.localGet(weightV), op.localGet(norms), op.localGet(offset), op.i32Add, op.v128Load(0), op.f64x2Mul, op.f64x2Add);
  f.emit(op.localGet(multiplierV), op.localGet(scales), op.localGet(offset), op.i32Add, op.v128Load(0), op.f64x2Mul);
  f.emit(op.localGet(products), op.localGet(offset), op.i32Add, op.v128Load(0), op.f64x2Mul, op.f64x2Sub, op.localSet(key));
  f.emit(op.localGet(key), op.localGet(limitV), op.f64x2Le, op.v128AnyTrue, op.if);
  f.emit(op.localGet(key), op.f64x2ExtractLane(0), op.localGet(limit), op.f64Le, op.if, op.localGet(c), op.return, op.end);
  f.emit(op.localGet(c), op.i32Const(1), op.i32Add, op.return);
  f.emit(op.end);
  f.emit(op.localGet(c), op.i32Const(2), op.i32Add, op.localSet(c), op.br(0));
  f.emit(op.end, op.end);
  f.emit(op.localGet(c));
  return { name: 'screenRow', params: [I32, I32, I32, I32, I32, F64, F64, F64, F64], results: [I32], locals: f.locals, body: f.body };
}

/** Encodes the WebAssembly module with all kernels, for rows `stride` float64 elements apart. */
export function encodeGemmModule(stride: number): Uint8Array<ArrayBuffer> {
  if (!(Number.isInteger(stride) && stride > 0 && stride % STRIDE_MULTIPLE === 0)) {
    throw new Error(`GEMM kernel stride ${stride} is invalid: pad rows to a positive multiple of ${STRIDE_MULTIPLE}`);
  }
  return encodeModule([dotTile(stride, 'float64'), accumulateTile(stride), dotRow(stride), axpyRow(stride), dotTile(stride, 'float32'), dotTile(stride, 'int16'), screenRow()]);
}
