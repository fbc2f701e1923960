// Register-blocked GEMM: each invocation computes 8 rows × 8 columns of Y in vec4
// registers, with no workgroup memory and no barriers. On lavapipe this is about 8×
// faster than a shared-memory tiled kernel, whose barriers serialize the CPU threads.
// Lanes of a workgroup run along the columns, so that when there are 64 or more column
// blocks the 8 rows, and every A load, are the same across the workgroup. Rows and columns past the edge read clamped indices and are
// not stored. Bindings: A, B, [bias], [residual], Y.

#if VEC4_A
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
#else
@group(0) @binding(1) var<storage, read> a: array<f32>;
#endif
#if VEC4_B
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
#else
@group(0) @binding(2) var<storage, read> b: array<f32>;
#endif
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> y: array<f32>;

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
#if VEC4_A
  // Only the unrolled loop runs when K is a multiple of 4, and it reads A through load_a_along_k.
  return vec4<f32>(0.0);
#else
  let base = a_base + k;
  return vec4<f32>(a[base + min(first_row + offset, last) * params.k], a[base + min(first_row + offset + 1u, last) * params.k],
                   a[base + min(first_row + offset + 2u, last) * params.k], a[base + min(first_row + offset + 3u, last) * params.k]);
#endif
#endif
}

#if VEC4_A
// A[row, k..k+3] for the block's row `offset`, when A is stored M×K with K a multiple of 4.
fn load_a_along_k(k: u32, offset: u32) -> vec4<f32> {
  return a[(a_base + min(first_row + offset, params.m - 1u) * params.k + k) / 4u];
}
#endif

// Row k of op(B) for the block's columns 0-3 (lo) or 4-7 (hi).
fn load_b(k: u32, offset: u32) -> vec4<f32> {
  let last = params.n - 1u;
#if TRANSPOSE_B
  let base = b_base + k;
  return vec4<f32>(b[base + min(first_column + offset, last) * params.k], b[base + min(first_column + offset + 1u, last) * params.k],
                   b[base + min(first_column + offset + 2u, last) * params.k], b[base + min(first_column + offset + 3u, last) * params.k]);
#else
#if VEC4_B
  // N is a multiple of 4, so clamping to the last whole vec4 keeps columns below N exact.
  return b[(b_base + k * params.n + min(first_column + offset, params.n - 4u)) / 4u];
#else
  let base = b_base + k * params.n;
  return vec4<f32>(b[base + min(first_column + offset, last)], b[base + min(first_column + offset + 1u, last)],
                   b[base + min(first_column + offset + 2u, last)], b[base + min(first_column + offset + 3u, last)]);
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
  let values = array<vec4<f32>, 2>(lo * params.alpha, hi * params.alpha);
  for (var j = 0u; j < 8u; j++) {
    let column = first_column + j;
    if (column < params.n) {
      y[index + j] = epilogue(values[j / 4u][j % 4u], column, index + j);
    }
  }
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

  // K unrolled by 4 so the loads of four steps can overlap their multiply-adds.
  let k_unrolled = params.k & ~3u;
  var k = 0u;
  for (; k < k_unrolled; k += 4u) {
#if A_ALONG_K
    // One vec4 load per row covers four steps: transposing the 8×4 block costs no instructions.
    let a0 = load_a_along_k(k, 0u);
    let a1 = load_a_along_k(k, 1u);
    let a2 = load_a_along_k(k, 2u);
    let a3 = load_a_along_k(k, 3u);
    let a4 = load_a_along_k(k, 4u);
    let a5 = load_a_along_k(k, 5u);
    let a6 = load_a_along_k(k, 6u);
    let a7 = load_a_along_k(k, 7u);
    accumulate_outer_product(vec4<f32>(a0.x, a1.x, a2.x, a3.x), vec4<f32>(a4.x, a5.x, a6.x, a7.x), load_b(k, 0u), load_b(k, 4u));
    accumulate_outer_product(vec4<f32>(a0.y, a1.y, a2.y, a3.y), vec4<f32>(a4.y, a5.y, a6.y, a7.y), load_b(k + 1u, 0u), load_b(k + 1u, 4u));
    accumulate_outer_product(vec4<f32>(a0.z, a1.z, a2.z, a3.z), vec4<f32>(a4.z, a5.z, a6.z, a7.z), load_b(k + 2u, 0u), load_b(k + 2u, 4u));
    accumulate_outer_product(vec4<f32>(a0.w, a1.w, a2.w, a3.w), vec4<f32>(a4.w, a5.w, a6.w, a7.w), load_b(k + 3u, 0u), load_b(k + 3u, 4u));
#else
    accumulate_step(k);
    accumulate_step(k + 1u);
    accumulate_step(k + 2u);
    accumulate_step(k + 3u);
#endif
  }
  for (; k < params.k; k++) {
    accumulate_step(k);
  }

  store_row(0u, r0_lo, r0_hi, entry);
  store_row(1u, r1_lo, r1_hi, entry);
  store_row(2u, r2_lo, r2_hi, entry);
  store_row(3u, r3_lo, r3_hi, entry);
  store_row(4u, r4_lo, r4_hi, entry);
  store_row(5u, r5_lo, r5_hi, entry);
  store_row(6u, r6_lo, r6_hi, entry);
  store_row(7u, r7_lo, r7_hi, entry);
}
