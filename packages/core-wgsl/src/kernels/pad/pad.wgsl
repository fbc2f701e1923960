// Pad: each invocation makes one output element. Output coordinate o on an axis maps to input
// coordinate i = o - pad_begin. When i falls outside [0, size), CONSTANT writes `value`, EDGE
// clamps i, and REFLECT mirrors i about the first and last elements (excluding them), repeating
// with period 2 * (size - 1) for pads wider than the input, as numpy.pad's reflect mode does
// (checked against numpy 2.4). AXES, unrolled on the host for the tensor's rank, applies this
// per axis and accumulates the input offset.

struct Params {
  output_shape: array<vec4<u32>, 2>,   // axes 0..5, innermost last
  input_shape: array<vec4<u32>, 2>,
  input_strides: array<vec4<u32>, 2>,
  pad_begin: array<vec4<i32>, 2>,      // negative values crop
  output_length: u32,
  value: f32,                          // fill for CONSTANT
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

// Maps input coordinate i, possibly outside [0, size), to the coordinate to read.
fn source_coordinate(i: i32, size: i32) -> i32 {
#if EDGE
  return clamp(i, 0, size - 1);
#else
#if REFLECT
  let period = 2 * (size - 1);
  if (period == 0) {
    return 0;
  }
  let folded = abs(i) % period;
  return select(folded, period - folded, folded >= size);
#else
  return i;
#endif
#endif
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= params.output_length) {
    return;
  }

  var rest = index;
  var offset = 0u;
  var outside = false;
  {{AXES}}

  if (outside) {
    output[index] = params.value;
  } else {
    output[index] = input[offset];
  }
}
