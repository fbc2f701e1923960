// The memory bound of a kernel that reads `in_vectors` vec4s and writes `out_vectors`: each
// invocation reads its share of the input in a loop, adds it up, and writes its share of the
// output, as the depthwise kernels stream a plane through one invocation. No kernel that reads
// and writes those bytes through the same binding types can do less memory work.

struct StreamParams {
  in_vectors: u32,
  out_vectors: u32,
  in_per_invocation: u32,
  out_per_invocation: u32,
}

@group(0) @binding(0) var<uniform> params: StreamParams;
@group(0) @binding(1) var<storage, read> input: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> output: array<vec4<f32>>;

@compute @workgroup_size(8)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let first_in = id.x * params.in_per_invocation;
  let in_end = min(first_in + params.in_per_invocation, params.in_vectors);
  var sum = vec4<f32>();
  for (var i = first_in; i < in_end; i++) {
    sum += input[i];
  }

  let first_out = id.x * params.out_per_invocation;
  let out_end = min(first_out + params.out_per_invocation, params.out_vectors);
  for (var o = first_out; o < out_end; o++) {
    output[o] = sum;
  }
}
