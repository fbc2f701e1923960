// Stores a register block of an NCHW output: 8 or, with BLOCK_32_ROWS, 32 output channels
// (register-block-8x8.wgsl or register-block-32x8-subgroup.wgsl) × 8 consecutive pixels of one
// output row, through the fused epilogue. Shared by the implicit-GEMM convolutions, whose blocks
// lie along output rows.

#if VEC4_OUTPUT
// Stores one output channel of a 32-row block as two vec4s through the epilogue, with the
// channel's bias already loaded (`channel_bias`, unused without a bias), unless `stores` is
// false or the channel is past the last one. The row width and
// first_x are multiples of 4 (first_x of 8), so pixels 0-3 are inside the row and 4-7 all
// inside or all outside. Lavapipe stores lane by lane, so two vec4 stores take a quarter of
// the steps of eight scalar ones.
fn store_channel4(channel: u32, lo: vec4<f32>, hi: vec4<f32>, channel_bias: f32, image: u32, out_y: u32, first_x: u32, stores: bool) {
  if (!stores || channel >= params.out_channels) {
    return;
  }
  let index = ((image * params.out_channels + channel) * params.out_height + out_y) * params.out_width + first_x;
#if BROADCAST_BIAS
  output[index / 4u] = epilogue4_after_bias(lo + vec4<f32>(channel_bias), index);
  if (first_x + 4u < params.out_width) {
    output[index / 4u + 1u] = epilogue4_after_bias(hi + vec4<f32>(channel_bias), index + 4u);
  }
#else
  output[index / 4u] = epilogue4_after_bias(lo, index);
  if (first_x + 4u < params.out_width) {
    output[index / 4u + 1u] = epilogue4_after_bias(hi, index + 4u);
  }
#endif
}

// Stores a 32-row block (register-block-32x8-subgroup.wgsl) with vec4 stores, four rows per
// iteration, which pick their accumulators with 7 selects where single rows take 31 each. Every
// lane of the subgroup calls it with its `lane` index, so that the biases are loaded once per
// block, and lanes past the last output row pass `stores` false.
// On lavapipe MobileNetV2's stem ran 1.4× faster than with store_row_block at batch 8 (bench/kernels.ts).
fn store_row_block32_vec4(first_channel: u32, image: u32, out_y: u32, first_x: u32, lane: u32, stores: bool) {
  let block_bias = load_block_bias(first_channel, lane);
  for (var group = 0u; group < params.block_rows / 4u; group++) {
    let rows = block32_rows4(group);
    let biases = group_bias(block_bias, group);
    let channel = first_channel + 4u * group;
    store_channel4(channel, rows[0], rows[1], biases.x, image, out_y, first_x, stores);
    store_channel4(channel + 1u, rows[2], rows[3], biases.y, image, out_y, first_x, stores);
    store_channel4(channel + 2u, rows[4], rows[5], biases.z, image, out_y, first_x, stores);
    store_channel4(channel + 3u, rows[6], rows[7], biases.w, image, out_y, first_x, stores);
  }
}
#else
// Stores one output channel of the block through the epilogue, skipping channels and pixels past the edge.
fn store_channel(first_channel: u32, offset: u32, lo: vec4<f32>, hi: vec4<f32>, image: u32, out_y: u32, first_x: u32) {
  let channel = first_channel + offset;
  if (channel >= params.out_channels) {
    return;
  }
  let index = ((image * params.out_channels + channel) * params.out_height + out_y) * params.out_width + first_x;
  let values = array<vec4<f32>, 2>(lo, hi);
  for (var j = 0u; j < 8u; j++) {
    if (first_x + j < params.out_width) {
      output[index + j] = epilogue(values[j / 4u][j % 4u], channel, index + j);
    }
  }
}

// Stores the whole block. A loop over a uniform bound, not 8 inlined copies, because lavapipe
// compiled the kernels about 5× faster that way.
fn store_row_block(first_channel: u32, image: u32, out_y: u32, first_x: u32) {
  for (var row = 0u; row < params.block_rows; row++) {
#if BLOCK_32_ROWS
    store_channel(first_channel, row, block32_row_lo(row), block32_row_hi(row), image, out_y, first_x);
#else
    store_channel(first_channel, row, block_row_lo(row), block_row_hi(row), image, out_y, first_x);
#endif
  }
}
#endif
