// ReduceMean: each invocation makes one output element by averaging the input elements that
// share its coordinates on the kept axes. Kept and reduced axes each have their own sizes and
// input strides (at most 6 each, innermost last), so any set of axes reduces in one pass.
// KEPT_OFFSET and REDUCED_OFFSET, unrolled on the host for each rank, turn the output index
// into `base` and the reduced index r into `offset`.

struct Params {
  kept_shape: array<vec4<u32>, 2>,
  kept_strides: array<vec4<u32>, 2>,
  reduced_shape: array<vec4<u32>, 2>,
  reduced_strides: array<vec4<u32>, 2>,
  output_length: u32,
  reduced_count: u32,   // product of the reduced sizes
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= params.output_length) {
    return;
  }

  {{KEPT_OFFSET}}

  var sum = 0.0;
  for (var r = 0u; r < params.reduced_count; r++) {
    {{REDUCED_OFFSET}}
    sum += input[base + offset];
  }
  output[index] = sum / f32(params.reduced_count);
}
