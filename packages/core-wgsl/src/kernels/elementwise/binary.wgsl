// Binary element-wise operation with numpy/ONNX broadcasting and an optional fused activation:
// output[i] = activate(a[ia] OP b[ib]), four output elements per invocation.
//
// SAME_SHAPE: a, b and the output have one shape, so ia = ib = i. Otherwise OPERAND_OFFSETS,
// generated on the host for the rank after merging axes, splits the output index into
// coordinates and dots them with each operand's strides, which are 0 on broadcast axes.

struct Params {
  out_shape: array<vec4<u32>, 2>,   // axes 0..5, innermost last, of which only the last `rank` are used
  a_strides: array<vec4<u32>, 2>,
  b_strides: array<vec4<u32>, 2>,
  length: u32,                      // output element count
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;

{{ACTIVATION}}

fn apply(x: f32, y: f32) -> f32 {
  return activate({{OPERATION}});
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let group = wid.x + wid.y * nwg.x;
  let first = (group * 64u + lid) * 4u;
  for (var i = first; i < min(first + 4u, params.length); i++) {
#if SAME_SHAPE
    output[i] = apply(a[i], b[i]);
#else
    {{OPERAND_OFFSETS}}
    output[i] = apply(a[index_a], b[index_b]);
#endif
  }
}
