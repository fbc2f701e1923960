// Global average or max pooling: NCHW input -> N x C x 1 x 1 output, one value per channel plane.
//
// Two layouts, chosen on the host by plane size:
// - PLANE_PER_WORKGROUP off: one invocation reduces a whole plane. No barriers, which suits
//   small planes (7 x 7 in MobileNets) and software GPUs, where barriers are emulated.
// - PLANE_PER_WORKGROUP on: 64 invocations share a plane, each reduces a strided part, and
//   invocation 0 combines the 64 partial results after a single barrier.

struct Params {
  planes: u32,       // N * C
  plane_size: u32,   // product of the spatial sizes
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

#if MAX
fn combine(a: f32, b: f32) -> f32 { return max(a, b); }
#else
fn combine(a: f32, b: f32) -> f32 { return a + b; }
#endif

fn finish(total: f32) -> f32 {
#if MAX
  return total;
#else
  return total / f32(params.plane_size);
#endif
}

// Reduces plane elements first, first + step, ... below plane_size, starting from a real element
// so max pooling needs no -infinity constant. Four accumulators shorten the dependency chain.
fn reduce_strided(base: u32, first: u32, step: u32) -> f32 {
  let start = input[base + first];
#if MAX
  var acc = vec4<f32>(start);
#else
  var acc = vec4<f32>(start, 0.0, 0.0, 0.0);
#endif
  var i = first + step;
  for (; i + 3u * step < params.plane_size; i += 4u * step) {
    let v = vec4<f32>(input[base + i], input[base + i + step], input[base + i + 2u * step], input[base + i + 3u * step]);
#if MAX
    acc = max(acc, v);
#else
    acc = acc + v;
#endif
  }
  for (; i < params.plane_size; i += step) {
    acc.x = combine(acc.x, input[base + i]);
  }
  return combine(combine(acc.x, acc.y), combine(acc.z, acc.w));
}

#if PLANE_PER_WORKGROUP
var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let plane = wid.x + wid.y * nwg.x;
  // The early exit depends only on the workgroup id, so the barrier below stays in uniform control flow.
  if (plane >= params.planes) {
    return;
  }
  let base = plane * params.plane_size;

  // The host picks this layout only for planes of at least 64 elements, so every invocation has one.
  partial[lid] = reduce_strided(base, lid, 64u);
  workgroupBarrier();

  if (lid == 0u) {
    var total = partial[0];
    for (var j = 1u; j < 64u; j++) {
      total = combine(total, partial[j]);
    }
    output[plane] = finish(total);
  }
}
#else
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let plane = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (plane >= params.planes) {
    return;
  }
  output[plane] = finish(reduce_strided(plane * params.plane_size, 0u, 1u));
}
#endif
