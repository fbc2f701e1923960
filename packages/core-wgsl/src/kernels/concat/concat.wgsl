// One input of a Concat: copies input [outer, input_axis_size * inner] into the output
// [outer, output_axis_size * inner] at axis offset `axis_offset`, four elements per invocation.

struct Params {
  length: u32,         // input element count
  input_chunk: u32,    // input_axis_size * inner, contiguous in both tensors
  output_chunk: u32,   // output_axis_size * inner
  chunk_offset: u32,   // axis_offset * inner
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let group = wid.x + wid.y * nwg.x;
  let first = (group * 64u + lid) * 4u;
  for (var i = first; i < min(first + 4u, params.length); i++) {
    let outer = i / params.input_chunk;
    let within = i % params.input_chunk;
    output[outer * params.output_chunk + params.chunk_offset + within] = input[i];
  }
}
