// Element-wise activation: output[i] = activate(input[i]), four elements per invocation.

struct Params {
  length: u32,   // element count
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

{{ACTIVATION}}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let group = wid.x + wid.y * nwg.x;
  let first = (group * 64u + lid) * 4u;
  for (var i = first; i < min(first + 4u, params.length); i++) {
    output[i] = activate(input[i]);
  }
}
