// Transpose: output[o] = input[sum over axes of coordinate(o, axis) * input_strides[axis]], where
// input_strides are the input's strides permuted into output axis order. INPUT_OFFSET is that sum,
// unrolled on the host for the rank after merging axes. One element per invocation.

struct Params {
  output_shape: array<vec4<u32>, 2>,    // axes 0..5, innermost last, of which only the last `rank` are used
  input_strides: array<vec4<u32>, 2>,
  length: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= params.length) {
    return;
  }

  {{INPUT_OFFSET}}
  output[index] = input[offset];
}
