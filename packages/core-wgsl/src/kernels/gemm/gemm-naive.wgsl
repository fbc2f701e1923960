// GEMM with one output per invocation: the simplest correct variant, for any shape.
// Bindings: A, B, [bias], [residual], Y.

@group(0) @binding(1) var<storage, read> a: array<f32>;
// A constant B (weights) may be f16, widened to f32 on load so that the products and sums stay f32.
#if WEIGHTS_F16
@group(0) @binding(2) var<storage, read> b: array<f16>;
#else
@group(0) @binding(2) var<storage, read> b: array<f32>;
#endif
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= params.work_count) {
    return;
  }

  let column = index % params.n;
  let row = (index / params.n) % params.m;
  let entry = index / (params.n * params.m);
  let a_base = entry * params.m * params.k;
  let b_base = entry * params.b_batch_stride;

#if TRANSPOSE_A
  let a_row_step = 1u;
  let a_k_step = params.m;
#else
  let a_row_step = params.k;
  let a_k_step = 1u;
#endif
#if TRANSPOSE_B
  let b_column_step = params.k;
  let b_k_step = 1u;
#else
  let b_column_step = 1u;
  let b_k_step = params.n;
#endif

  var sum = 0.0;
  for (var k = 0u; k < params.k; k++) {
    sum = fma(a[a_base + row * a_row_step + k * a_k_step], f32(b[b_base + column * b_column_step + k * b_k_step]), sum);
  }

  y[index] = epilogue(params.alpha * sum, column, index);
}
