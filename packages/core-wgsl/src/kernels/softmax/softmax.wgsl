// Softmax along one axis of a tensor viewed as [outer, axis_size, inner], one invocation per
// (outer, inner) line: subtract the line's max before exp so no term overflows, then normalize.
// One invocation per line needs no barriers, which suits software GPUs and class counts of ~1000.

struct Params {
  lines: u32,       // outer * inner
  axis_size: u32,
  inner: u32,       // stride between consecutive elements of a line
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let line = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (line >= params.lines) {
    return;
  }
  let outer = line / params.inner;
  let base = outer * params.axis_size * params.inner + line % params.inner;
  let step = params.inner;

  var max_value = input[base];
  for (var k = 1u; k < params.axis_size; k++) {
    max_value = max(max_value, input[base + k * step]);
  }

  var sum = 0.0;
  for (var k = 0u; k < params.axis_size; k++) {
    let e = exp(input[base + k * step] - max_value);
    output[base + k * step] = e;
    sum += e;
  }

  let inverse = 1.0 / sum;
  for (var k = 0u; k < params.axis_size; k++) {
    output[base + k * step] *= inverse;
  }
}
