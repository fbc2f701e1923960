// Implicit-GEMM convolution for one group on devices with subgroups of 8 or more lanes:
// output (O × pixels) = W (O × I·KH·KW) · im2col(input), with the im2col columns gathered on the
// fly. Each invocation computes 32 output channels × 8 consecutive pixels of one output row
// (register-block-32x8-subgroup.wgsl). All lanes of a subgroup share the 32 channels: each tap
// loads one vec4 of weights per lane and broadcasts it. With WINDOW_3X3 (3×3 kernel, dilation 1,
// stride 1 along x) each (input channel, kernel row) loads its 10-value input window once for
// its three taps.
// Bindings: input NCHW, weights packed by packSubgroupWeights, [bias], [residual], output NCHW
// (declared in conv2d-implicit-gemm-operands.wgsl with the input loads).

// Inputs of the block's pixels 0-3 (lo) or 4-7 (hi) for the tap at input column x.
fn load_taps_lo(row: u32, x: i32, row_inside: bool) -> vec4<f32> {
  let step = params.stride_width;
  return vec4<f32>(load_input(row, x, row_inside), load_input(row, x + step, row_inside),
                   load_input(row, x + 2 * step, row_inside), load_input(row, x + 3 * step, row_inside));
}

fn load_taps_hi(row: u32, x: i32, row_inside: bool) -> vec4<f32> {
  let step = params.stride_width;
  return vec4<f32>(load_input(row, x + 4 * step, row_inside), load_input(row, x + 5 * step, row_inside),
                   load_input(row, x + 6 * step, row_inside), load_input(row, x + 7 * step, row_inside));
}

// The lane's vec4 of the 32 channels' weights for reduction index k.
fn load_weights(weight_base: u32, k: u32) -> vec4<f32> {
  return vec4<f32>(weights[weight_base + k * 8u]);
}

@compute @workgroup_size({{WORKGROUP_SIZE}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
  let blocks_per_row = (params.out_width + 7u) / 8u;
  // column_lanes is at least the subgroup size, so every lane of a subgroup gets the same channel block.
  let channel_lanes = {{WORKGROUP_SIZE}}u / params.column_lanes;
  let pixel_block = wid.x * params.column_lanes + lid % params.column_lanes;
  let channel_block = wid.y * channel_lanes + lid / params.column_lanes;
  let image = wid.z;
  let out_y = pixel_block / blocks_per_row;
  let first_x = (pixel_block % blocks_per_row) * 8u;
  let first_channel = channel_block * 32u;

  // A subgroup whose whole channel block is past the last channel returns: its lanes share the
  // block. Lanes past the last pixel cannot return, because subgroupBroadcast needs every lane
  // of the subgroup: their loads are clamped into the buffers and their stores skipped.
  let last_block = (params.out_channels + 31u) / 32u - 1u;
  if (channel_block > last_block) {
    return;
  }
  let in_y0 = i32(min(out_y, params.out_height - 1u)) * params.stride_height - params.pad_top;
  let in_x0 = i32(first_x) * params.stride_width - params.pad_left;
  let taps = params.kernel_height * params.kernel_width;
  let reduction = params.in_channels * taps;
  let weight_base = channel_block * reduction * 8u + min(lane, 7u);
  let plane_size = params.in_height * params.in_width;

  var plane = image * params.in_channels * plane_size;
  var k = 0u;
  for (var c = 0u; c < params.in_channels; c++) {
    for (var ky = 0u; ky < params.kernel_height; ky++) {
      // A padding row is read from a clamped real row and zeroed in the loads: a branch around it
      // would not be uniform across the subgroup.
      let in_y = in_y0 + i32(ky) * params.dilation_height;
      let row_inside = in_y >= 0 && in_y < i32(params.in_height);
      let row = plane + u32(clamp(in_y, 0, i32(params.in_height) - 1)) * params.in_width;
#if WINDOW_3X3
      // Window in_x0 .. in_x0 + 9: tap kx reads values kx .. kx + 7.
      let lo = vec4<f32>(load_input(row, in_x0, row_inside), load_input(row, in_x0 + 1, row_inside),
                         load_input(row, in_x0 + 2, row_inside), load_input(row, in_x0 + 3, row_inside));
      let hi = vec4<f32>(load_input(row, in_x0 + 4, row_inside), load_input(row, in_x0 + 5, row_inside),
                         load_input(row, in_x0 + 6, row_inside), load_input(row, in_x0 + 7, row_inside));
      let tail = vec2<f32>(load_input(row, in_x0 + 8, row_inside), load_input(row, in_x0 + 9, row_inside));
      // Taps 0 and 1 together keep each spilled accumulator in a register for two multiply-adds.
      accumulate_subgroup_outer_product2(load_weights(weight_base, k), lo, hi,
                                         load_weights(weight_base, k + 1u), vec4<f32>(lo.yzw, hi.x), vec4<f32>(hi.yzw, tail.x));
      accumulate_subgroup_outer_product(load_weights(weight_base, k + 2u), vec4<f32>(lo.zw, hi.xy), vec4<f32>(hi.zw, tail));
      k += 3u;
#else
#if STRIDED_WINDOW
      // Window in_x0 .. in_x0 + {{WINDOW_SIZE}} - 1, loaded once for the row's {{WINDOW_TAPS}} taps: tap kx of
      // pixel j reads value kx + {{WINDOW_STRIDE}}·j. The constant loop bounds let the compiler unroll
      // both loops, so every window index is a constant.
      var window: array<f32, {{WINDOW_SIZE}}>;
      for (var i = 0u; i < {{WINDOW_SIZE}}u; i++) {
        window[i] = load_input(row, in_x0 + i32(i), row_inside);
      }
      for (var kx = 0u; kx < {{WINDOW_TAPS}}u; kx++) {
        let lo = vec4<f32>(window[kx], window[kx + {{WINDOW_STRIDE}}u], window[kx + 2u * {{WINDOW_STRIDE}}u], window[kx + 3u * {{WINDOW_STRIDE}}u]);
        let hi = vec4<f32>(window[kx + 4u * {{WINDOW_STRIDE}}u], window[kx + 5u * {{WINDOW_STRIDE}}u],
                           window[kx + 6u * {{WINDOW_STRIDE}}u], window[kx + 7u * {{WINDOW_STRIDE}}u]);
        accumulate_subgroup_outer_product(load_weights(weight_base, k), lo, hi);
        k += 1u;
      }
#else
      // One tap per step: pairing taps as the 3×3 window does ran 1.1-2× slower here (bench/kernels.ts, lavapipe).
      for (var kx = 0u; kx < params.kernel_width; kx++) {
        let x = in_x0 + i32(kx) * params.dilation_width;
        accumulate_subgroup_outer_product(load_weights(weight_base, k), load_taps_lo(row, x, row_inside), load_taps_hi(row, x, row_inside));
        k += 1u;
      }
#endif
#endif
    }
    plane += plane_size;
  }

#if VEC4_OUTPUT
  // Every lane joins the stores: their bias broadcasts need the whole subgroup.
  store_row_block32_vec4(first_channel, image, min(out_y, params.out_height - 1u), first_x, lane, out_y < params.out_height);
#else
  if (out_y < params.out_height) {
    store_row_block(first_channel, image, out_y, first_x);
  }
#endif
}
