// Implicit-GEMM convolution for one group with a 3×3 kernel, dilation 1 and stride 1
// along x (any stride along y). Each invocation computes 8 output channels × 8
// consecutive pixels of one output row in registers (register-block-8x8.wgsl). The three
// taps of a kernel row read overlapping input, so each (input channel, kernel row) loads
// its input window once: 10 values instead of 24 separate loads.
// Bindings: input NCHW, weights packed by packImplicitGemmWeights, [bias], [residual], output NCHW
// (declared in conv2d-implicit-gemm-operands.wgsl with the input loads).

// Accumulates the three taps of one kernel row, with weights at w .. w + 5.
fn accumulate_row(row: u32, x: i32, row_inside: bool, w: u32) {
  // Window x .. x + 9: tap k reads values k .. k + 7.
  let lo = vec4<f32>(load_input(row, x, row_inside), load_input(row, x + 1, row_inside),
                     load_input(row, x + 2, row_inside), load_input(row, x + 3, row_inside));
  let hi = vec4<f32>(load_input(row, x + 4, row_inside), load_input(row, x + 5, row_inside),
                     load_input(row, x + 6, row_inside), load_input(row, x + 7, row_inside));
  let tail = vec2<f32>(load_input(row, x + 8, row_inside), load_input(row, x + 9, row_inside));
  accumulate_outer_product(vec4<f32>(weights[w]), vec4<f32>(weights[w + 1u]), lo, hi);
  accumulate_outer_product(vec4<f32>(weights[w + 2u]), vec4<f32>(weights[w + 3u]), vec4<f32>(lo.yzw, hi.x), vec4<f32>(hi.yzw, tail.x));
  accumulate_outer_product(vec4<f32>(weights[w + 4u]), vec4<f32>(weights[w + 5u]), vec4<f32>(lo.zw, hi.xy), vec4<f32>(hi.zw, tail));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let blocks_per_row = (params.out_width + 7u) / 8u;
  // No uniform-channel specialization for rowLanes = 1 (as implicit-gemm-8x8 has): it ran at the
  // same speed (64->64 @56: 14.5 GFLOP/s both, bench/kernels.ts) and doubled the shaders to compile.
  let channel_lanes = 64u / params.column_lanes;
  let pixel_block = wid.x * params.column_lanes + lid % params.column_lanes;
  let channel_block = wid.y * channel_lanes + lid / params.column_lanes;
  let image = wid.z;
  let out_y = pixel_block / blocks_per_row;
  let first_x = (pixel_block % blocks_per_row) * 8u;
  let first_channel = channel_block * 8u;
  if (out_y >= params.out_height || first_channel >= params.out_channels) {
    return;
  }

  let in_y0 = i32(out_y) * params.stride_height - params.pad_top;
  let in_x0 = i32(first_x) - params.pad_left;
  let plane_size = params.in_height * params.in_width;
  let first_plane = image * params.in_channels * plane_size;
  let first_weight = channel_block * params.in_channels * 18u;

  var plane = first_plane;
  var w = first_weight;
  for (var c = 0u; c < params.in_channels; c++) {
    for (var ky = 0; ky < 3; ky++) {
      let in_y = in_y0 + ky;
      // A padding row is read from a clamped real row and zeroed in the loads. Skipping it with a
      // branch instead ran 64->64 @56 at 11.6 GFLOP/s against 16.7 (bench/kernels.ts, lavapipe).
      let row_inside = in_y >= 0 && in_y < i32(params.in_height);
      let row = plane + u32(clamp(in_y, 0, i32(params.in_height) - 1)) * params.in_width;
      accumulate_row(row, in_x0, row_inside, w);
      w += 6u;
    }
    plane += plane_size;
  }

  store_row_block(first_channel, image, out_y, first_x);
}
