// Row stores and 3×3 window sums shared by the depthwise kernels (conv2d-depthwise.wgsl,
// conv2d-depthwise-subgroup.wgsl).

// Stores 4 outputs of a row through the epilogue, skipping those past the right edge.
fn store_row(sums: vec4<f32>, out_channel: u32, index: u32, first_x: u32) {
#if VEC4_OUTPUT
  // The output width and first_x are multiples of 4, so the 4 outputs are all inside and start a vec4.
  output[index / 4u] = epilogue4_one_channel(sums, out_channel, index);
#else
  if (first_x + 4u <= params.out_width) {
    let values = epilogue4_one_channel(sums, out_channel, index);
    output[index] = values.x;
    output[index + 1u] = values.y;
    output[index + 2u] = values.z;
    output[index + 3u] = values.w;
  } else {
    for (var j = 0u; j < params.out_width - first_x; j++) {
      output[index + j] = epilogue(sums[j], out_channel, index + j);
    }
  }
#endif
}

#if KERNEL_3X3
// 4 outputs of one kernel row: output j reads window[offset + j * stride .. offset + j * stride + 2].
fn window_sums(window: array<f32, {{WINDOW}}>, offset: u32, w0: f32, w1: f32, w2: f32) -> vec4<f32> {
  var sums: vec4<f32>;
  for (var j = 0u; j < 4u; j++) {
    let t = offset + j * {{STRIDE}}u;
    sums[j] = fma(window[t], w0, fma(window[t + 1u], w1, window[t + 2u] * w2));
  }
  return sums;
}
#endif
