// GEMM for few rows with B stored transposed (N×K), as in a classifier's Gemm with
// transB = 1: each invocation computes one output as a dot product of two rows that
// are both contiguous along K, read as vec4. Lanes run along the columns, so the row of
// A is the same across a workgroup. Bindings: A, B, [bias], [residual], Y.

@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
// A constant B (weights) may be f16, widened to f32 on load so that the products and sums stay f32.
#if WEIGHTS_F16
@group(0) @binding(2) var<storage, read> b: array<vec4<f16>>;
#else
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
#endif
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let column = wid.x * 64u + lid;
  let row = wid.y;
  let entry = wid.z;
  // Columns past N read the last row of B and are not stored.
  let b_row = min(column, params.n - 1u);

  let k4 = params.k / 4u;
  let a_start = (entry * params.m + row) * k4;
  let b_start = entry * params.b_batch_stride / 4u + b_row * k4;
  var sums = vec4<f32>(0.0);
  for (var i = 0u; i < k4; i++) {
    sums = fma(a[a_start + i], vec4<f32>(b[b_start + i]), sums);
  }

  if (column < params.n) {
    let index = (entry * params.m + row) * params.n + column;
    y[index] = epilogue(params.alpha * (sums.x + sums.y + sums.z + sums.w), column, index);
  }
}
