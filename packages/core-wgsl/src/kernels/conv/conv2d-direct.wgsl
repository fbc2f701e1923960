// Direct convolution, one output per invocation: any kernel size, stride, dilation,
// padding and group count. The general fallback and the reference for the fast paths.
// Bindings: input NCHW, weights OIHW, [bias], [residual], output NCHW.

@group(0) @binding(1) var<storage, read> input: array<f32>;
// f16 weights widen to f32 on load, so the products and sums stay f32.
#if WEIGHTS_F16
@group(0) @binding(2) var<storage, read> weights: array<f16>;
#else
@group(0) @binding(2) var<storage, read> weights: array<f32>;
#endif
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= params.work_count) {
    return;
  }

  let out_x = index % params.out_width;
  let out_y = (index / params.out_width) % params.out_height;
  let out_channel = (index / (params.out_width * params.out_height)) % params.out_channels;
  let image = index / (params.out_width * params.out_height * params.out_channels);

  let group = out_channel / params.out_channels_per_group;
  let first_in_channel = group * params.in_channels_per_group;
  let in_y0 = i32(out_y) * params.stride_height - params.pad_top;
  let in_x0 = i32(out_x) * params.stride_width - params.pad_left;

  var sum = 0.0;
  for (var c = 0u; c < params.in_channels_per_group; c++) {
    let input_plane = (image * params.in_channels + first_in_channel + c) * params.in_height;
    let weight_plane = (out_channel * params.in_channels_per_group + c) * params.kernel_height;
    for (var ky = 0u; ky < params.kernel_height; ky++) {
      let in_y = in_y0 + i32(ky) * params.dilation_height;
      if (in_y < 0 || in_y >= i32(params.in_height)) {
        continue;
      }
      let input_row = (input_plane + u32(in_y)) * params.in_width;
      let weight_row = (weight_plane + ky) * params.kernel_width;
      for (var kx = 0u; kx < params.kernel_width; kx++) {
        let in_x = in_x0 + i32(kx) * params.dilation_width;
        if (in_x < 0 || in_x >= i32(params.in_width)) {
          continue;
        }
        sum = fma(input[input_row + u32(in_x)], f32(weights[weight_row + kx]), sum);
      }
    }
  }

  output[index] = epilogue(sum, out_channel, index);
}
