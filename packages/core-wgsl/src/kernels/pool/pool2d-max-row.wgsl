// 2-D max pooling over NCHW with 4 consecutive outputs of a row per invocation, for dilation 1
// along x and kernel widths of 2 to 7. Each kernel row's input columns for the 4 windows
// ({{WINDOW}} = 3 · stride + kernel width) are loaded once, so neighbouring windows share the
// columns they overlap on: a 3×3 stride-2 pool loads 27 values per 4 outputs instead of 36.
// On lavapipe each load runs once per lane, so the loads set the kernel's speed.
// Elements in the padding are skipped (the lowest finite f32 stands in for them).

@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

const LOWEST = -3.40282346638528859811704183484516925e38f;
const STRIDE_X = {{STRIDE_X}}u;
const KERNEL_WIDTH = {{KERNEL_WIDTH}}u;
const WINDOW = {{WINDOW}}u;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let block = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (block >= params.work_count) {
    return;
  }
  let blocks_per_row = (params.output_width + 3u) / 4u;
  let first_x = (block % blocks_per_row) * 4u;
  let oy = (block / blocks_per_row) % params.output_height;
  let plane = block / (blocks_per_row * params.output_height);
  let base = plane * params.input_height * params.input_width;

  // Window origin in input coordinates, negative inside the top or left padding.
  let y0 = i32(oy * params.stride_y) - i32(params.pad_top);
  let x0 = i32(first_x * STRIDE_X) - i32(params.pad_left);

  var result = vec4<f32>(LOWEST);
  for (var kh = 0u; kh < params.kernel_height; kh++) {
    let y = y0 + i32(kh * params.dilation_y);
    if (y < 0 || y >= i32(params.input_height)) {
      continue;
    }
    let row = base + u32(y) * params.input_width;

    // The constant bounds let the compiler unroll both loops, so every window index is a constant.
    var window: array<f32, WINDOW>;
    for (var i = 0u; i < WINDOW; i++) {
      let x = x0 + i32(i);
      let inside = x >= 0 && x < i32(params.input_width);
      window[i] = select(LOWEST, input[row + u32(clamp(x, 0, i32(params.input_width) - 1))], inside);
    }
    for (var kw = 0u; kw < KERNEL_WIDTH; kw++) {
      result = max(result, vec4<f32>(window[kw], window[kw + STRIDE_X], window[kw + 2u * STRIDE_X], window[kw + 3u * STRIDE_X]));
    }
  }

  let index = (plane * params.output_height + oy) * params.output_width + first_x;
  for (var j = 0u; j < 4u; j++) {
    if (first_x + j < params.output_width) {
      output[index + j] = result[j];
    }
  }
}
