// Depthwise convolution (one input channel per group, any channel multiplier): each
// invocation computes 4 consecutive outputs along a row of one output channel, so each
// weight is loaded once for 4 multiply-adds and, for 3×3 kernels, each input once for
// up to 3 of them. Bindings: input NCHW, weights OIHW with I = 1, [bias], [residual], output NCHW.

@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<f32>;

const OUTPUTS = 4u;

// Input value at (in_y, in_x) of a plane, or 0 in the padding.
fn load_input(plane: u32, in_y: i32, in_x: i32) -> f32 {
  let inside = in_x >= 0 && in_x < i32(params.in_width);
  let clamped = u32(clamp(in_x, 0, i32(params.in_width) - 1));
  return select(0.0, input[(plane + u32(in_y)) * params.in_width + clamped], inside);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let blocks_per_row = (params.out_width + OUTPUTS - 1u) / OUTPUTS;
  let blocks_per_plane = blocks_per_row * params.out_height;
#if UNIFORM_CHANNEL
  // One plane per workgroup row y, so the channel, and every weight address, is uniform.
  let block = wid.x * 64u + lid;
  let plane_index = wid.y;
  if (block >= blocks_per_plane) {
    return;
  }
#else
  let linear = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (linear >= params.work_count) {
    return;
  }
  let block = linear % blocks_per_plane;
  let plane_index = linear / blocks_per_plane;
#endif
  let out_channel = plane_index % params.out_channels;
  let image = plane_index / params.out_channels;
  let out_y = block / blocks_per_row;
  let first_x = (block % blocks_per_row) * OUTPUTS;

  let in_channel = out_channel / params.out_channels_per_group;
  let plane = (image * params.in_channels + in_channel) * params.in_height;
  let in_y0 = i32(out_y) * params.stride_height - params.pad_top;
  let in_x0 = i32(first_x) * params.stride_width - params.pad_left;
  var sums = vec4<f32>(0.0);

#if KERNEL_3X3
  // 3×3, dilation 1, stride {{STRIDE}}: the 4 outputs of a kernel row read one window of
  // {{WINDOW}} inputs, loaded once into registers.
  for (var ky = 0u; ky < 3u; ky++) {
    let in_y = in_y0 + i32(ky);
    if (in_y < 0 || in_y >= i32(params.in_height)) {
      continue;
    }
    var window: array<f32, {{WINDOW}}>;
    for (var t = 0u; t < {{WINDOW}}u; t++) {
      window[t] = load_input(plane, in_y, in_x0 + i32(t));
    }
    let w = out_channel * 9u + ky * 3u;
    let w0 = weights[w];
    let w1 = weights[w + 1u];
    let w2 = weights[w + 2u];
    for (var j = 0u; j < OUTPUTS; j++) {
      let t = j * {{STRIDE}}u;
      sums[j] = fma(window[t], w0, fma(window[t + 1u], w1, fma(window[t + 2u], w2, sums[j])));
    }
  }
#else
  for (var ky = 0u; ky < params.kernel_height; ky++) {
    let in_y = in_y0 + i32(ky) * params.dilation_height;
    if (in_y < 0 || in_y >= i32(params.in_height)) {
      continue;
    }
    for (var kx = 0u; kx < params.kernel_width; kx++) {
      let weight = weights[(out_channel * params.kernel_height + ky) * params.kernel_width + kx];
      let in_x = in_x0 + i32(kx) * params.dilation_width;
      let step = params.stride_width;
      let values = vec4<f32>(load_input(plane, in_y, in_x), load_input(plane, in_y, in_x + step),
                             load_input(plane, in_y, in_x + 2 * step), load_input(plane, in_y, in_x + 3 * step));
      sums = fma(values, vec4<f32>(weight), sums);
    }
  }
#endif

  let index = ((image * params.out_channels + out_channel) * params.out_height + out_y) * params.out_width + first_x;
  if (first_x + OUTPUTS <= params.out_width) {
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
}
