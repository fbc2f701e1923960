// Depthwise convolution (one input channel per group, any channel multiplier): each
// invocation computes 4 consecutive outputs along a row of one output channel (4 or 8 such
// outputs along 4 or 8 such rows for 3×3 kernels), so each weight is loaded once for 4 or more
// multiply-adds and, for 3×3 kernels, each input once for up to 9 of them.
// Bindings: input NCHW, weights OIHW with I = 1, [bias], [residual], output NCHW. Stores and
// 3×3 window sums: conv2d-depthwise-common.wgsl.

@group(0) @binding(1) var<storage, read> input: array<f32>;
// f16 weights widen to f32 on load, so the products and sums stay f32.
#if WEIGHTS_F16
@group(0) @binding(2) var<storage, read> weights: array<f16>;
#else
@group(0) @binding(2) var<storage, read> weights: array<f32>;
#endif
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<f32>;

// Outputs along a row per invocation, in VECTORS vec4 sums per output row.
const OUTPUTS = {{OUTPUTS}}u;
const VECTORS = {{OUTPUTS}}u / 4u;
const ROWS = {{ROWS}}u;

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
  let blocks_per_plane = blocks_per_row * ((params.out_height + ROWS - 1u) / ROWS);
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
  let out_y = (block / blocks_per_row) * ROWS;
  let first_x = (block % blocks_per_row) * OUTPUTS;

  let in_channel = out_channel / params.out_channels_per_group;
  let plane = (image * params.in_channels + in_channel) * params.in_height;
  let in_y0 = i32(out_y) * params.stride_height - params.pad_top;
  let in_x0 = i32(first_x) * params.stride_width - params.pad_left;
  var sums: array<vec4<f32>, {{SUMS}}>;

#if KERNEL_3X3
  // 3×3, dilation 1, stride {{STRIDE}}: {{ROWS}} output rows read {{IN_ROWS}} input rows, and
  // the 4 outputs of a row read one window of {{WINDOW}} inputs, each loaded once into registers.
  var w: array<f32, 9>;
  for (var t = 0u; t < 9u; t++) {
    w[t] = f32(weights[out_channel * 9u + t]);
  }
  for (var t = 0u; t < {{IN_ROWS}}u; t++) {
    let in_y = in_y0 + i32(t);
    if (in_y < 0 || in_y >= i32(params.in_height)) {
      continue;
    }
    var window: array<f32, {{WINDOW}}>;
    for (var i = 0u; i < {{WINDOW}}u; i++) {
      window[i] = load_input(plane, in_y, in_x0 + i32(i));
    }
    // Input row t is kernel row t - r * stride of output row r.
    for (var r = 0u; r < ROWS; r++) {
      if (t >= r * {{STRIDE}}u && t - r * {{STRIDE}}u < 3u) {
        let ky = t - r * {{STRIDE}}u;
        for (var v = 0u; v < VECTORS; v++) {
          sums[r * VECTORS + v] += window_sums(window, v * 4u * {{STRIDE}}u, w[ky * 3u], w[ky * 3u + 1u], w[ky * 3u + 2u]);
        }
      }
    }
  }
#else
  for (var ky = 0u; ky < params.kernel_height; ky++) {
    let in_y = in_y0 + i32(ky) * params.dilation_height;
    if (in_y < 0 || in_y >= i32(params.in_height)) {
      continue;
    }
    for (var kx = 0u; kx < params.kernel_width; kx++) {
      let weight = f32(weights[(out_channel * params.kernel_height + ky) * params.kernel_width + kx]);
      let in_x = in_x0 + i32(kx) * params.dilation_width;
      let step = params.stride_width;
      let values = vec4<f32>(load_input(plane, in_y, in_x), load_input(plane, in_y, in_x + step),
                             load_input(plane, in_y, in_x + 2 * step), load_input(plane, in_y, in_x + 3 * step));
      sums[0] = fma(values, vec4<f32>(weight), sums[0]);
    }
  }
#endif

  let index = ((image * params.out_channels + out_channel) * params.out_height + out_y) * params.out_width + first_x;
  for (var r = 0u; r < ROWS; r++) {
    for (var v = 0u; v < VECTORS; v++) {
      if (out_y + r < params.out_height && first_x + v * 4u < params.out_width) {
        store_row(sums[r * VECTORS + v], out_channel, index + r * params.out_width + v * 4u, first_x + v * 4u);
      }
    }
  }
}
