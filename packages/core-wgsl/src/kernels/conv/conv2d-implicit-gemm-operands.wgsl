// Bindings and input loads shared by the implicit-GEMM convolutions (conv2d-implicit-gemm.wgsl,
// conv2d-implicit-gemm-3x3.wgsl, conv2d-implicit-gemm-subgroup.wgsl).

@group(0) @binding(1) var<storage, read> input: array<f32>;
// f16 weights widen to f32 on load, so the products and sums stay f32.
#if WEIGHTS_F16
@group(0) @binding(2) var<storage, read> weights: array<vec4<f16>>;
#else
@group(0) @binding(2) var<storage, read> weights: array<vec4<f32>>;
#endif
#if VEC4_OUTPUT
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<vec4<f32>>;
#else
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<f32>;
#endif

// Input value at x of the row starting at `row`, or 0 in the padding. `row_inside` is false
// for a padding row, whose `row` is clamped to a real one.
fn load_input(row: u32, x: i32, row_inside: bool) -> f32 {
  let inside = row_inside && x >= 0 && x < i32(params.in_width);
  return select(0.0, input[row + u32(clamp(x, 0, i32(params.in_width) - 1))], inside);
}
