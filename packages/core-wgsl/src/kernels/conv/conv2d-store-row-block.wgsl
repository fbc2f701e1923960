// Stores a register block of an NCHW output: 8 or, with BLOCK_32_ROWS, 32 output channels
// (register-block-8x8.wgsl or register-block-32x8-subgroup.wgsl) × 8 consecutive pixels of one
// output row, through the fused epilogue. Shared by the implicit-GEMM convolutions, whose blocks
// lie along output rows.

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
