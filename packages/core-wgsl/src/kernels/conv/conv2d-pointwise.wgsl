// 1×1 convolution with stride 1 and no padding as a GEMM per image: output[n] (O × HW) =
// W (O × I) · input[n] (I × HW). Each invocation computes 8 output channels × 8
// consecutive pixels in registers (register-block-8x8.wgsl), with no workgroup memory.
// Bindings: input NCHW, weights packed by packPointwiseWeights, [bias], [residual], output NCHW
// (declared in conv2d-pointwise-operands.wgsl with the input loads and stores).

var<private> weight_base: u32;

// Weights are packed [ceil(O/8)][I][8], zero past O, so 8 channels of one input channel are two vec4.
// f16 weights widen to f32 on load, so the products and sums stay f32.
fn accumulate_step(k: u32) {
  let w = weight_base + k * 2u;
  accumulate_outer_product(vec4<f32>(weights[w]), vec4<f32>(weights[w + 1u]), load_input(k, 0u), load_input(k, 4u));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  pixel_count = params.in_height * params.in_width;
#if UNIFORM_CHANNELS
  // All 64 lanes share the output channels, so the compiler sees weight addresses as uniform.
  first_pixel = (wid.x * 64u + lid) * 8u;
  let channel_block = wid.y;
#else
  let channel_lanes = 64u / params.column_lanes;
  first_pixel = (wid.x * params.column_lanes + lid % params.column_lanes) * 8u;
  let channel_block = wid.y * channel_lanes + lid / params.column_lanes;
#endif
  first_channel = channel_block * 8u;
  let image = wid.z;
  if (first_pixel >= pixel_count || first_channel >= params.out_channels) {
    return;
  }
  input_base = image * params.in_channels * pixel_count;
  weight_base = channel_block * params.in_channels * 2u;

  // K is not unrolled by hand: on lavapipe an unrolled-by-4 loop ran about 2× slower and took
  // about 2× longer to compile (bench/kernels.ts on Mesa 25.0.7).
  for (var k = 0u; k < params.in_channels; k++) {
    accumulate_step(k);
  }

  // A loop over a uniform bound, not 8 inlined copies: lavapipe compiled the kernel about 5× faster.
  for (var row = 0u; row < params.block_rows; row++) {
    store_channel(row, block_row_lo(row), block_row_hi(row), image);
  }
}
