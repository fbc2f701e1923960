// 1×1 convolution with stride 1 and no padding as one GEMM over the batch, for devices with
// subgroups of 8 or more lanes: output[n] (O × HW) = W (O × I) · input[n] (I × HW), with the
// images' pixels side by side as N·HW columns. Each invocation computes {{BLOCK_ROWS}} output
// channels × {{BLOCK_COLUMNS}} consecutive columns (register-block-32x8-subgroup.wgsl, cut to 16 or 24
// rows where those fit the channel count better than 32, and to 7 columns where blocks of 7 leave
// fewer lanes idle). All lanes of a subgroup share the block's channels: each step loads one vec4
// of weights per lane and broadcasts it, and loads the lane's own pixels.
// Bindings: input NCHW, weights packed by packSubgroupWeights, [bias], [residual], output NCHW
// (declared in conv2d-pointwise-operands.wgsl with the input loads and stores, which take each
// column's image and pixel from set_folded_columns).

// Columns 4-7 of the block in input channel k, or 4-6 in blocks of 7.
fn load_input_hi(k: u32) -> BlockHi {
#if BLOCK_7_COLUMNS
  let plane = k * pixel_count;
  return BlockHi(input[column_input[4u] + plane], input[column_input[5u] + plane], input[column_input[6u] + plane]);
#else
  return load_input(k, 4u);
#endif
}

const BLOCK_ROWS = {{BLOCK_ROWS}}u;
// vec4s of weights per reduction step: one per lane of lanes 0 .. ROW_VECTORS - 1.
const ROW_VECTORS = BLOCK_ROWS / 4u;

@compute @workgroup_size({{WORKGROUP_SIZE}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
  pixel_count = params.in_height * params.in_width;
  // column_lanes is at least the subgroup size, so every lane of a subgroup gets the same channel block.
  let channel_lanes = {{WORKGROUP_SIZE}}u / params.column_lanes;
  let first_column = (wid.x * params.column_lanes + lid % params.column_lanes) * {{BLOCK_COLUMNS}}u;
  let channel_block = wid.y * channel_lanes + lid / params.column_lanes;
  first_channel = channel_block * BLOCK_ROWS;
  // The columns run over every image's pixels, so small maps at batch > 1 leave fewer lanes idle.
  set_folded_columns(first_column, params.batch);

  // A subgroup whose whole channel block is past the last channel has nothing to compute: its lanes
  // share the block (see above), so they all return. With 7×7 maps a 64-lane workgroup covers 8
  // blocks, so 160 channels (5 blocks) would otherwise spend 3/8 of the work on them.
  let last_block = (params.out_channels + BLOCK_ROWS - 1u) / BLOCK_ROWS - 1u;
  if (channel_block > last_block) {
    return;
  }

  // No early return for lanes past the last pixel: subgroupBroadcast needs every lane of the
  // subgroup. Their loads are clamped into the buffers and their stores skipped.
  let weight_base = channel_block * params.in_channels * ROW_VECTORS + min(lane, ROW_VECTORS - 1u);

  // Two steps per iteration keep each spilled accumulator in a register for two multiply-adds:
  // on lavapipe that made the kernel 3-20% faster. f16 weights widen to f32 on load.
  let pairs_end = params.in_channels & ~1u;
  for (var k = 0u; k < pairs_end; k += 2u) {
    accumulate_subgroup_outer_product2(vec4<f32>(weights[weight_base + k * ROW_VECTORS]), load_input(k, 0u), load_input_hi(k),
                                       vec4<f32>(weights[weight_base + (k + 1u) * ROW_VECTORS]), load_input(k + 1u, 0u), load_input_hi(k + 1u));
  }
#if ODD_REDUCTION
  // The last channel's step, compiled only for an odd channel count: it adds 256 multiply-adds
  // to the shader, which lavapipe took about 40% longer to compile.
  let k = pairs_end;
  accumulate_subgroup_outer_product(vec4<f32>(weights[weight_base + k * ROW_VECTORS]), load_input(k, 0u), load_input_hi(k));
#endif

  // Each lane loads 4 of the block's 32 biases and the store loop broadcasts them: on lavapipe a
  // bias load per row runs once per lane, 32 times per block.
  let block_bias = load_block_bias(first_channel, lane);

#if VEC4_INPUT
  // Four rows per iteration pick their accumulators with 7 selects where single rows took 31
  // each. On lavapipe MobileNetV2's 1×1 layers with 16-32 input channels ran 17-20% faster, and
  // the whole network 2-8% (bench/kernels.ts, pnpm bench). The four inlined stores took 1.6× as
  // long to compile, and 2.6× with the scalar stores below, where the 7×7 maps' larger
  // reductions gained nothing.
  for (var group = 0u; group < params.block_rows / 4u; group++) {
    let rows = block32_rows4(group);
    let biases = group_bias(block_bias, group);
    store_folded_channel(4u * group, rows[0], rows[1], biases.x);
    store_folded_channel(4u * group + 1u, rows[2], rows[3], biases.y);
    store_folded_channel(4u * group + 2u, rows[4], rows[5], biases.z);
    store_folded_channel(4u * group + 3u, rows[6], rows[7], biases.w);
  }
#else
  for (var row = 0u; row < params.block_rows; row++) {
    let row_bias = group_bias(block_bias, row / 4u)[row % 4u];
    store_folded_channel(row, block32_row_lo(row), block32_row_hi(row), row_bias);
  }
#endif
}
