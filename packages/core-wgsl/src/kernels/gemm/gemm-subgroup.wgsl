// Register-blocked GEMM for devices with subgroups of 8 or more lanes: each invocation
// computes 32 rows × 8 columns of Y (register-block-32x8-subgroup.wgsl). All lanes of a
// subgroup share the 32 rows: each step loads 4 rows of op(A) per lane and broadcasts them,
// and loads the lane's own 8 columns of op(B). Rows and columns past the edge read clamped
// indices and are not stored. Bindings and B loads: gemm-operands.wgsl.

// Column k of op(A) for rows first_row + 4·lane .. +3 (the lane's share of the 32 rows).
fn load_a_slice(k: u32, lane: u32) -> vec4<f32> {
  let last = params.m - 1u;
  let row = first_row + 4u * min(lane, 7u);
#if TRANSPOSE_A
#if VEC4_A
  // M is a multiple of 4, so clamping to the last whole vec4 keeps rows below M exact.
  return a[(a_base + k * params.m + min(row, params.m - 4u)) / 4u];
#else
  let base = a_base + k * params.m;
  return vec4<f32>(a[base + min(row, last)], a[base + min(row + 1u, last)], a[base + min(row + 2u, last)], a[base + min(row + 3u, last)]);
#endif
#else
  let base = a_base + k;
  return vec4<f32>(a[base + min(row, last) * params.k], a[base + min(row + 1u, last) * params.k],
                   a[base + min(row + 2u, last) * params.k], a[base + min(row + 3u, last) * params.k]);
#endif
}

@compute @workgroup_size({{WORKGROUP_SIZE}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
  // column_lanes is at least the subgroup size, so every lane of a subgroup gets the same rows.
  let row_lanes = {{WORKGROUP_SIZE}}u / params.column_lanes;
  first_column = (wid.x * params.column_lanes + lid % params.column_lanes) * 8u;
  first_row = (wid.y * row_lanes + lid / params.column_lanes) * 32u;
  let entry = wid.z;
  a_base = entry * params.m * params.k;
  b_base = entry * params.b_batch_stride;

  // A subgroup whose 32 rows all lie past M returns: its lanes share the rows. Lanes past the
  // last column cannot return, because subgroupBroadcast needs every lane of the subgroup.
  // Rows past M in the last block load clamped indices (load_a_slice) and are not stored (store_row).
  if (first_row >= params.m) {
    return;
  }
  // Two steps per iteration keep each spilled accumulator in a register for two multiply-adds.
  let pairs_end = params.k & ~1u;
  for (var k = 0u; k < pairs_end; k += 2u) {
    accumulate_subgroup_outer_product2(load_a_slice(k, lane), load_b(k, 0u), load_b(k, 4u),
                                       load_a_slice(k + 1u, lane), load_b(k + 1u, 0u), load_b(k + 1u, 4u));
  }
#if ODD_REDUCTION
  // The last step, compiled only for an odd K (see conv2d-pointwise-subgroup.wgsl).
  accumulate_subgroup_outer_product(load_a_slice(pairs_end, lane), load_b(pairs_end, 0u), load_b(pairs_end, 4u));
#endif

  if (first_column < params.n) {
#if VEC4_Y
    // Four rows per iteration, as in conv2d-pointwise-subgroup.wgsl: Winograd on ResNet's 3×3
    // layers ran 3-9% faster at batch 8 on lavapipe (bench/kernels.ts).
    for (var group = 0u; group < params.block_rows / 4u; group++) {
      let rows = block32_rows4(group);
      store_row(4u * group, rows[0], rows[1], entry);
      store_row(4u * group + 1u, rows[2], rows[3], entry);
      store_row(4u * group + 2u, rows[4], rows[5], entry);
      store_row(4u * group + 3u, rows[6], rows[7], entry);
    }
#else
    for (var row = 0u; row < params.block_rows; row++) {
      store_row(row, block32_row_lo(row), block32_row_hi(row), entry);
    }
#endif
  }
}
