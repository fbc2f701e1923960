// Batch normalization for inference over [N, C, ...spatial], four elements per invocation:
// output = activate((x - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + bias[c]).

struct Params {
  length: u32,         // N * C * spatial_size
  channels: u32,
  spatial_size: u32,   // product of the axes after C (1 for [N, C] input)
  epsilon: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> variance: array<f32>;
@group(0) @binding(6) var<storage, read_write> output: array<f32>;

{{ACTIVATION}}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let group = wid.x + wid.y * nwg.x;
  let first = (group * 64u + lid) * 4u;
  for (var i = first; i < min(first + 4u, params.length); i++) {
    let c = (i / params.spatial_size) % params.channels;
    let normalized = (input[i] - mean[c]) / sqrt(variance[c] + params.epsilon);
    output[i] = activate(normalized * scale[c] + bias[c]);
  }
}
