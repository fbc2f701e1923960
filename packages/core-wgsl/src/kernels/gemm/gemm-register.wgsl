// Register-blocked GEMM: each invocation computes 8 rows × 8 columns of Y in vec4
// registers, with no workgroup memory and no barriers. On lavapipe (Mesa 25.0.7) it ran
// about 10× faster than the shared-memory tiled variant on a 512³ GEMM (bench/kernels.ts).
// Lanes of a workgroup run along the columns, so that when there are 64 or more column
// blocks the 8 rows, and every A load, are the same across the workgroup. Rows and
// columns past the edge read clamped indices and are not stored.
// Bindings: A, B, [bias], [residual], Y.

#if VEC4_A
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
#else
@group(0) @binding(1) var<storage, read> a: array<f32>;
#endif
// A constant B (weights) may be f16, widened to f32 on load so that the products and sums stay f32.
#if VEC4_B
#if WEIGHTS_F16
@group(0) @binding(2) var<storage, read> b: array<vec4<f16>>;
#else
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
#endif
#else
#if WEIGHTS_F16
@group(0) @binding(2) var<storage, read> b: array<f16>;
#else
@group(0) @binding(2) var<storage, read> b: array<f32>;
#endif
#endif
#if VEC4_Y
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> y: array<vec4<f32>>;
#else
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> y: array<f32>;
#endif

var<private> a_base: u32;
var<private> b_base: u32;
var<private> first_row: u32;
var<private> first_column: u32;

// Column k of op(A) for the block's rows 0-3 (lo) or 4-7 (hi).
fn load_a(k: u32, offset: u32) -> vec4<f32> {
  let last = params.m - 1u;
#if TRANSPOSE_A
#if VEC4_A
  // M is a multiple of 4, so clamping to the last whole vec4 keeps rows below M exact.
  return a[(a_base + k * params.m + min(first_row + offset, params.m - 4u)) / 4u];
#else
  let base = a_base + k * params.m;
  return vec4<f32>(a[base + min(first_row + offset, last)], a[base + min(first_row + offset + 1u, last)],
                   a[base + min(first_row + offset + 2u, last)], a[base + min(first_row + offset + 3u, last)]);
#endif
#else
  let base = a_base + k;
  return vec4<f32>(a[base + min(first_row + offset, last) * params.k], a[base + min(first_row + offset + 1u, last) * params.k],
                   a[base + min(first_row + offset + 2u, last) * params.k], a[base + min(first_row + offset + 3u, last) * params.k]);
#endif
}

// Row k of op(B) for the block's columns 0-3 (lo) or 4-7 (hi).
fn load_b(k: u32, offset: u32) -> vec4<f32> {
  let last = params.n - 1u;
#if TRANSPOSE_B
  let base = b_base + k;
  return vec4<f32>(f32(b[base + min(first_column + offset, last) * params.k]), f32(b[base + min(first_column + offset + 1u, last) * params.k]),
                   f32(b[base + min(first_column + offset + 2u, last) * params.k]), f32(b[base + min(first_column + offset + 3u, last) * params.k]));
#else
#if VEC4_B
  // N is a multiple of 4, so clamping to the last whole vec4 keeps columns below N exact.
  return vec4<f32>(b[(b_base + k * params.n + min(first_column + offset, params.n - 4u)) / 4u]);
#else
  let base = b_base + k * params.n;
  return vec4<f32>(f32(b[base + min(first_column + offset, last)]), f32(b[base + min(first_column + offset + 1u, last)]),
                   f32(b[base + min(first_column + offset + 2u, last)]), f32(b[base + min(first_column + offset + 3u, last)]));
#endif
#endif
}

fn accumulate_step(k: u32) {
  accumulate_outer_product(load_a(k, 0u), load_a(k, 4u), load_b(k, 0u), load_b(k, 4u));
}

// Stores one row of the block through the epilogue, skipping rows and columns past the edge.
fn store_row(offset: u32, lo: vec4<f32>, hi: vec4<f32>, entry: u32) {
  let row = first_row + offset;
  if (row >= params.m) {
    return;
  }
  let index = (entry * params.m + row) * params.n + first_column;
#if VEC4_Y
  // Whole vec4 stores: N is a multiple of 4, so a vec4 is all inside or all outside.
  if (first_column < params.n) {
    y[index / 4u] = epilogue4_columns(lo * params.alpha, first_column, index);
  }
  if (first_column + 4u < params.n) {
    y[index / 4u + 1u] = epilogue4_columns(hi * params.alpha, first_column + 4u, index + 4u);
  }
#else
  let values = array<vec4<f32>, 2>(lo * params.alpha, hi * params.alpha);
  for (var j = 0u; j < 8u; j++) {
    let column = first_column + j;
    if (column < params.n) {
      y[index + j] = epilogue(values[j / 4u][j % 4u], column, index + j);
    }
  }
#endif
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
#if UNIFORM_ROWS
  // All 64 lanes share the rows, so the compiler sees A addresses as uniform and loads each once.
  first_column = (wid.x * 64u + lid) * 8u;
  first_row = wid.y * 8u;
#else
  let row_lanes = 64u / params.column_lanes;
  first_column = (wid.x * params.column_lanes + lid % params.column_lanes) * 8u;
  first_row = (wid.y * row_lanes + lid / params.column_lanes) * 8u;
#endif
  let entry = wid.z;
  if (first_column >= params.n || first_row >= params.m) {
    return;
  }
  a_base = entry * params.m * params.k;
  b_base = entry * params.b_batch_stride;

  // K is not unrolled by hand: on lavapipe an unrolled-by-4 loop ran about 2× slower and took
  // about 2× longer to compile (bench/kernels.ts on Mesa 25.0.7).
  for (var k = 0u; k < params.k; k++) {
    accumulate_step(k);
  }

  // A loop over a uniform bound, not 8 inlined copies: lavapipe compiled the kernel about 5× faster.
  for (var row = 0u; row < params.block_rows; row++) {
    store_row(row, block_row_lo(row), block_row_hi(row), entry);
  }
}
