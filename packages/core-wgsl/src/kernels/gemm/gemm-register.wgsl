// Register-blocked GEMM: each invocation computes 8 rows × 8 columns of Y in vec4
// registers, with no workgroup memory and no barriers. On lavapipe (Mesa 25.0.7) it ran
// about 10× faster than the shared-memory tiled variant on a 512³ GEMM (bench/kernels.ts).
// Lanes of a workgroup run along the columns, so that when there are 64 or more column
// blocks the 8 rows, and every A load, are the same across the workgroup. Rows and
// columns past the edge read clamped indices and are not stored.
// Bindings and B loads: gemm-operands.wgsl.

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

fn accumulate_step(k: u32) {
  accumulate_outer_product(load_a(k, 0u), load_a(k, 4u), load_b(k, 0u), load_b(k, 4u));
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
