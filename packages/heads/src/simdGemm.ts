import { DOT_TILE_COLUMNS, STRIDE_MULTIPLE, encodeGemmModule } from './simdGemmKernels';

/**
 * Float64 GEMM on WebAssembly SIMD (f64x2), because V8 does not vectorise JavaScript
 * loops. It has about 5× the throughput of the scalar JavaScript kernels in gemm.ts:
 * 22 against 4 GFLOP/s of CPU time for A Bᵀ with 240 × 4,800 rows of 1,280 columns on
 * one AMD EPYC core with Node 20.
 * Operands live in the instance's own linear memory with their rows padded to
 * `stride` columns and their row count to a multiple of 4, both with zeros. The
 * kernels then need no edge cases, and the padding adds nothing to any dot product.
 * Results are deterministic: they depend only on the operands, not on the machine.
 */
export class SimdGemm {
  /** Row length in the packed layout: columns rounded up to a multiple of STRIDE_MULTIPLE (8). */
  readonly stride: number;
  readonly rowBytes: number;
  private readonly memory: WebAssembly.Memory;
  private readonly kernels: GemmExports;
  private heapView: Float64Array;
  private heap32View: Float32Array | undefined;
  private heap16View: Int16Array | undefined;
  private used = 0;

  private constructor(
    readonly columns: number,
    module: WebAssembly.Module,
  ) {
    this.stride = roundUp(columns, STRIDE_MULTIPLE);
    this.rowBytes = this.stride * 8;
    this.memory = new WebAssembly.Memory({ initial: 1 });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.kernels = instance.exports as unknown as GemmExports;
    this.heapView = new Float64Array(this.memory.buffer);
  }

  /**
   * A workspace for rows of `columns` float64 values, or undefined where WebAssembly
   * SIMD is missing or disabled (old browsers, a Content-Security-Policy without
   * 'wasm-unsafe-eval', setSimdGemmEnabled(false)): callers then use the JavaScript kernels.
   */
  static create(columns: number): SimdGemm | undefined {
    if (!simdEnabled || typeof WebAssembly !== 'object') return undefined;
    const stride = roundUp(columns, STRIDE_MULTIPLE);
    let module = moduleCache.get(stride);
    if (module === undefined) {
      try {
        const bytes = encodeGemmModule(stride);
        if (!WebAssembly.validate(bytes)) {
          simdEnabled = false; // the engine lacks the SIMD proposal; later calls skip the attempt
          return undefined;
        }
        // Synchronous compilation works on a browser's main thread too: the module is about 3.2 KB,
        // under the 4 KB that Chrome allowed `new WebAssembly.Module` there before version 114.
        module = new WebAssembly.Module(bytes);
      } catch {
        simdEnabled = false; // compilation is forbidden here, e.g. by a Content-Security-Policy
        return undefined;
      }
      moduleCache.set(stride, module);
    }
    return new SimdGemm(columns, module);
  }

  /** Float64 view of the whole linear memory; take it again after any allocate call, which may grow the memory. */
  get heap(): Float64Array {
    if (this.heapView.buffer !== this.memory.buffer) this.heapView = new Float64Array(this.memory.buffer);
    return this.heapView;
  }

  /**
   * Reserves `length` zeroed float64 values and returns their byte address (16-byte aligned).
   * Throws a RangeError when the memory cannot grow that far, and callers then switch to
   * the JavaScript kernels.
   */
  allocate(length: number): number {
    const address = this.used;
    const bytes = roundUp(length * 8, 16);
    if (address + bytes > MAX_MEMORY_BYTES) {
      throw new RangeError(`SIMD GEMM workspace needs ${address + bytes} bytes, over the ${MAX_MEMORY_BYTES}-byte limit: use smaller blocks`);
    }
    const missing = address + bytes - this.memory.buffer.byteLength;
    // Memory.grow throws a RangeError when the engine cannot reserve the pages.
    if (missing > 0) this.memory.grow(Math.ceil(missing / PAGE_BYTES));
    this.used = address + bytes;
    return address;
  }

  /** Float32 view of the whole linear memory, for operands packed with packRowsFloat32. */
  get heap32(): Float32Array {
    if (this.heap32View?.buffer !== this.memory.buffer) this.heap32View = new Float32Array(this.memory.buffer);
    return this.heap32View;
  }

  /** Int16 view of the whole linear memory, for operands of dotInt16 (rows stride·2 bytes apart). */
  get heap16(): Int16Array {
    if (this.heap16View?.buffer !== this.memory.buffer) this.heap16View = new Int16Array(this.memory.buffer);
    return this.heap16View;
  }

  /** Frees every allocation made after `address` (a value allocate returned), so the space can be reused. */
  release(address: number): void {
    this.heap.fill(0, address / 8, this.used / 8);
    this.used = address;
  }

  /**
   * Copies rows [firstRow, firstRow + rowCount) of a row-major matrix with `columns`
   * columns into the packed layout at `address`, which must hold paddedRows(rowCount) rows.
   */
  packRows(source: Float64Array, firstRow: number, rowCount: number, address: number): void {
    const heap = this.heap;
    const columns = this.columns;
    const base = address / 8;
    if (columns === this.stride) {
      // Rows without padding are contiguous on both sides: one copy.
      heap.set(source.subarray(firstRow * columns, (firstRow + rowCount) * columns), base);
      return;
    }
    for (let r = 0; r < rowCount; r++) {
      const from = (firstRow + r) * columns;
      heap.set(source.subarray(from, from + columns), base + r * this.stride);
    }
  }

  /** Allocates space for `rowCount` rows and packs them; returns the byte address. */
  allocateRows(source: Float64Array, firstRow: number, rowCount: number): number {
    const address = this.allocate(paddedRows(rowCount) * this.stride);
    this.packRows(source, firstRow, rowCount, address);
    return address;
  }

  /**
   * Like allocateRows, but rounds the values to float32 (rows stride·4 bytes apart),
   * for dotFloat32. Values beyond float32's range become ±Infinity.
   */
  allocateRowsFloat32(source: Float64Array, firstRow: number, rowCount: number): number {
    const address = this.allocate((paddedRows(rowCount) * this.stride) / 2);
    this.packRowsFloat32(source, firstRow, rowCount, address);
    return address;
  }

  /** packRows for float32 operands: the address must hold paddedRows(rowCount) rows of stride float32 values. */
  packRowsFloat32(source: Float64Array, firstRow: number, rowCount: number, address: number): void {
    const heap32 = this.heap32;
    const columns = this.columns;
    const base = address / 4;
    if (columns === this.stride) {
      // Rows without padding are contiguous on both sides: one converting copy.
      heap32.set(source.subarray(firstRow * columns, (firstRow + rowCount) * columns), base);
      return;
    }
    for (let r = 0; r < rowCount; r++) {
      const from = (firstRow + r) * columns;
      heap32.set(source.subarray(from, from + columns), base + r * this.stride);
    }
  }

  /**
   * dot for float32 operands from packRowsFloat32: products and the sum of each of 4
   * lanes in float32 (every lane sums the columns j ≡ lane mod 4 in order), the lanes
   * then added in float64. Twice the throughput of dot.
   */
  dotFloat32(a: number, nA: number, b: number, nB: number, out: number, outStride: number): void {
    this.kernels.dotTileFloat32(a, nA, b, nB, out, outStride * 8);
  }

  /**
   * Returns the dot product of int16 operands in heap16 (rows stride·2 bytes apart). Exact
   * products are summed in 4 int32 lanes, each lane summing its columns (j ≡ 0, 1 mod 8, then
   * 2, 3 mod 8, …) in order, and the lanes are then added in float64. The caller keeps every
   * lane sum within ±(2³¹ − 1), so the result is the exact integer dot product. It runs 1.9× as many multiply-adds per second
   * as dotFloat32: 39 against 21 G/s of CPU time for 1,024 × 20,000 rows of 1,280 columns on one
   * AMD EPYC core with Node 20.
   */
  dotInt16(a: number, nA: number, b: number, nB: number, out: number, outStride: number): void {
    this.kernels.dotTileInt16(a, nA, b, nB, out, outStride * 8);
  }

  /**
   * Returns the first c in [start, end) whose key (base + weight·norms[c]) − (multiplier·scales[c])·products[c]
   * is at most limit, or a value ≥ end when none is. screenRow in simdGemmKernels.ts computes it.
   */
  screenRow(products: number, norms: number, scales: number, start: number, end: number, base: number, weight: number, multiplier: number, limit: number): number {
    return this.kernels.screenRow(products, norms, scales, start, end, base, weight, multiplier, limit);
  }

  /**
   * out[i·outStride + k] = A_i · B_k for nA packed rows at a (a multiple of 2) and nB
   * packed rows at b (a multiple of 4); outStride is in float64 elements.
   */
  dot(a: number, nA: number, b: number, nB: number, out: number, outStride: number): void {
    this.kernels.dotTile(a, nA, b, nB, out, outStride * 8);
  }

  /**
   * G[k, :] += Σ_i R[i, k] X_i for nRows ≥ 1 packed rows X at x, R at r with rows of
   * rStride float64 elements, and G nK packed rows (nK a multiple of ACCUMULATE_TILE_ROWS, 2) at g.
   */
  accumulate(r: number, rStride: number, x: number, nRows: number, g: number, nK: number): void {
    this.kernels.accumulateTile(r, rStride * 8, x, nRows, g, nK);
  }

  /** Σ_j x_j w_j over one packed row at x and one at w. */
  dotRow(x: number, w: number): number {
    return this.kernels.dotRow(x, w);
  }

  /** w_j += alpha·x_j over one packed row at x and one at w. */
  axpyRow(x: number, w: number, alpha: number): void {
    this.kernels.axpyRow(x, w, alpha);
  }
}

interface GemmExports {
  dotTile(a: number, nA: number, b: number, nB: number, out: number, outStrideBytes: number): void;
  dotTileFloat32(a: number, nA: number, b: number, nB: number, out: number, outStrideBytes: number): void;
  dotTileInt16(a: number, nA: number, b: number, nB: number, out: number, outStrideBytes: number): void;
  screenRow(products: number, norms: number, scales: number, start: number, end: number, base: number, weight: number, multiplier: number, limit: number): number;
  accumulateTile(r: number, rStrideBytes: number, x: number, nRows: number, g: number, nK: number): void;
  dotRow(x: number, w: number): number;
  axpyRow(x: number, w: number, alpha: number): void;
}

const PAGE_BYTES = 65536;
/** Addresses stay below 2 GiB so no i32 address arithmetic in the kernels can wrap. */
const MAX_MEMORY_BYTES = 2 ** 31 - PAGE_BYTES;

const moduleCache = new Map<number, WebAssembly.Module>();
let simdEnabled = true;

/** Turns the WebAssembly kernels on or off (for tests and comparisons); off, every head uses the JavaScript kernels. */
export function setSimdGemmEnabled(enabled: boolean): void {
  simdEnabled = enabled;
}

/** Returns true when the WebAssembly kernels may run: setSimdGemmEnabled allows them and the engine supports them. */
export function simdGemmEnabled(): boolean {
  return simdEnabled;
}

/** Returns whether a packed block of rows·columns float64 values fits the workspace limit with room to spare. */
export function fitsSimdWorkspace(rows: number, columns: number): boolean {
  return paddedRows(rows) * roundUp(columns, STRIDE_MULTIPLE) * 8 <= MAX_MEMORY_BYTES / 2;
}

/** Row count rounded up to the multiple of 4 that the packed layout and the dot kernel need. */
export function paddedRows(rows: number): number {
  return roundUp(rows, DOT_TILE_COLUMNS);
}

export function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}
