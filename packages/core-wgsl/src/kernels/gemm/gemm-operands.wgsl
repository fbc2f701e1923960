// Bindings, block origin, B loads and row stores shared by the register-blocked GEMMs
// (gemm-register.wgsl, gemm-subgroup.wgsl). Bindings: A, B, [bias], [residual], Y.

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
