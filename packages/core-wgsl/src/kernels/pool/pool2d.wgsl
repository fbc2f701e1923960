// 2-D max or average pooling over NCHW, one output element per invocation.
//
// Window element (kh, kw) of output (oy, ox) reads input row oy * stride_y - pad_top + kh * dilation_y
// (likewise for columns). Elements outside the input are skipped: max pooling ignores padding,
// and average pooling divides by the count of elements read, or with COUNT_INCLUDE_PAD by the
// count of window positions inside the padded input.

@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= params.work_count) {
    return;
  }
  let ox = index % params.output_width;
  let oy = (index / params.output_width) % params.output_height;
  let plane = index / (params.output_width * params.output_height);
  let base = plane * params.input_height * params.input_width;

  // Window origin in input coordinates, negative inside the top or left padding.
  let y0 = i32(oy * params.stride_y) - i32(params.pad_top);
  let x0 = i32(ox * params.stride_x) - i32(params.pad_left);

#if MAX
  var result = bitcast<f32>(0xff7fffffu);   // lowest finite f32, the max over an empty window
#else
  var result = 0.0;
  var count = 0u;
  var padded_count = 0u;
#endif
  for (var kh = 0u; kh < params.kernel_height; kh++) {
    let y = y0 + i32(kh * params.dilation_y);
#if COUNT_INCLUDE_PAD
    let row_in_padded = y < i32(params.input_height + params.pad_bottom);
#endif
    let row_valid = y >= 0 && y < i32(params.input_height);
    for (var kw = 0u; kw < params.kernel_width; kw++) {
      let x = x0 + i32(kw * params.dilation_x);
#if COUNT_INCLUDE_PAD
      if (row_in_padded && x < i32(params.input_width + params.pad_right)) {
        padded_count += 1u;
      }
#endif
      if (row_valid && x >= 0 && x < i32(params.input_width)) {
        let value = input[base + u32(y) * params.input_width + u32(x)];
#if MAX
        result = max(result, value);
#else
        result += value;
        count += 1u;
#endif
      }
    }
  }

#if MAX
  output[index] = result;
#else
#if COUNT_INCLUDE_PAD
  output[index] = result / f32(max(padded_count, 1u));
#else
  output[index] = result / f32(max(count, 1u));
#endif
#endif
}
