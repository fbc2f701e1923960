// Implicit-GEMM convolution for one group: output (O × pixels) = W (O × I·KH·KW) ·
// im2col(input), with the im2col columns gathered on the fly instead of materialized.
// Each invocation computes 8 output channels × 8 consecutive pixels of one output row
// in registers (register-block-8x8.wgsl), with no workgroup memory.
// Bindings: input NCHW, weights packed by packImplicitGemmWeights, [bias], [residual], output NCHW
// (declared in conv2d-implicit-gemm-operands.wgsl with the input loads).

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let blocks_per_row = (params.out_width + 7u) / 8u;
#if UNIFORM_CHANNELS
  // All 64 lanes share the output channels, so the compiler sees weight addresses as uniform.
  let pixel_block = wid.x * 64u + lid;
  let channel_block = wid.y;
#else
  let channel_lanes = 64u / params.column_lanes;
  let pixel_block = wid.x * params.column_lanes + lid % params.column_lanes;
  let channel_block = wid.y * channel_lanes + lid / params.column_lanes;
#endif
  let image = wid.z;
  let out_y = pixel_block / blocks_per_row;
  let first_x = (pixel_block % blocks_per_row) * 8u;
  let first_channel = channel_block * 8u;
  if (out_y >= params.out_height || first_channel >= params.out_channels) {
    return;
  }

  let in_y0 = i32(out_y) * params.stride_height - params.pad_top;
  let in_x0 = i32(first_x) * params.stride_width - params.pad_left;
  let step = params.stride_width;
  let taps = params.kernel_height * params.kernel_width;
  var w = channel_block * params.in_channels * taps * 2u;

  for (var c = 0u; c < params.in_channels; c++) {
    let plane = (image * params.in_channels + c) * params.in_height;
    for (var ky = 0u; ky < params.kernel_height; ky++) {
      let in_y = in_y0 + i32(ky) * params.dilation_height;
      if (in_y < 0 || in_y >= i32(params.in_height)) {
        // Padding rows contribute nothing: skip their weights too.
        w += params.kernel_width * 2u;
        continue;
      }
      let row = (plane + u32(in_y)) * params.in_width;
      for (var kx = 0u; kx < params.kernel_width; kx++) {
        let x = in_x0 + i32(kx) * params.dilation_width;
        let lo = vec4<f32>(load_input(row, x, true), load_input(row, x + step, true),
                           load_input(row, x + 2 * step, true), load_input(row, x + 3 * step, true));
        let hi = vec4<f32>(load_input(row, x + 4 * step, true), load_input(row, x + 5 * step, true),
                           load_input(row, x + 6 * step, true), load_input(row, x + 7 * step, true));
        accumulate_outer_product(vec4<f32>(weights[w]), vec4<f32>(weights[w + 1u]), lo, hi);
        w += 2u;
      }
    }
  }

  store_row_block(first_channel, image, out_y, first_x);
}
