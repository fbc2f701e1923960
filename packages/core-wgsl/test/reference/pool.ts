/** Float64 references for pooling, written from the ONNX operator definitions. */

/** GlobalAveragePool / GlobalMaxPool over `[N, C, ...spatial]`, one value per plane. */
export function referenceGlobalPool(input: ArrayLike<number>, planes: number, planeSize: number, mode: 'average' | 'max'): Float64Array {
  const output = new Float64Array(planes);
  for (let p = 0; p < planes; p++) {
    let sum = 0;
    let max = -Infinity;
    for (let i = 0; i < planeSize; i++) {
      const value = input[p * planeSize + i]!;
      sum += value;
      max = Math.max(max, value);
    }
    output[p] = mode === 'max' ? max : sum / planeSize;
  }
  return output;
}

export interface ReferencePool2dOptions {
  mode: 'max' | 'average';
  kernel: [number, number];
  strides: [number, number];
  pads: [number, number, number, number]; // top, left, bottom, right
  dilations: [number, number];
  ceilMode: boolean;
  countIncludePad: boolean;
}

/**
 * Enumerates window start positions along one axis. Floor mode keeps every window that ends
 * inside the padded input. Ceil mode adds one partial window when the last full one leaves
 * elements uncovered, unless it would start inside the end padding (PyTorch's documented
 * `ceil_mode` rule).
 */
function windowStarts(size: number, kernel: number, stride: number, dilation: number, padBegin: number, padEnd: number, ceilMode: boolean): number[] {
  const extent = dilation * (kernel - 1) + 1;
  const starts: number[] = [];
  let start = -padBegin;
  for (; start + extent <= size + padEnd; start += stride) starts.push(start);

  const last = starts[starts.length - 1];
  if (ceilMode && last !== undefined && last + extent < size + padEnd && start < size) starts.push(start);
  return starts;
}

/** MaxPool / AveragePool over NCHW, returning the output shape and data. */
export function referencePool2d(input: ArrayLike<number>, shape: readonly number[], options: ReferencePool2dOptions): { shape: number[]; data: Float64Array } {
  const [n, c, h, w] = shape as [number, number, number, number];
  const [kh, kw] = options.kernel;
  const [sy, sx] = options.strides;
  const [dy, dx] = options.dilations;
  const [top, left, bottom, right] = options.pads;
  const rows = windowStarts(h, kh, sy, dy, top, bottom, options.ceilMode);
  const columns = windowStarts(w, kw, sx, dx, left, right, options.ceilMode);
  const data = new Float64Array(n * c * rows.length * columns.length);

  let index = 0;
  for (let plane = 0; plane < n * c; plane++) {
    for (const y0 of rows) {
      for (const x0 of columns) {
        let max = -Infinity;
        let sum = 0;
        let count = 0;
        let paddedCount = 0;
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const y = y0 + i * dy;
            const x = x0 + j * dx;
            if (y < h + bottom && x < w + right) paddedCount++;
            if (y < 0 || y >= h || x < 0 || x >= w) continue;
            const value = input[(plane * h + y) * w + x]!;
            max = Math.max(max, value);
            sum += value;
            count++;
          }
        }
        data[index++] = options.mode === 'max' ? max : sum / (options.countIncludePad ? paddedCount : count);
      }
    }
  }
  return { shape: [n, c, rows.length, columns.length], data };
}
