// 1×1 convolution with stride 1 and no padding as a GEMM per image: output[n] (O × HW) =
// W (O × I) · input[n] (I × HW). Each invocation computes 8 output channels × 8
// consecutive pixels in registers (register-block-8x8.wgsl), with no workgroup memory.
// Bindings: input NCHW, weights packed by packPointwiseWeights, [bias], [residual], output NCHW.

#if VEC4_INPUT
@group(0) @binding(1) var<storage, read> input: array<vec4<f32>>;
#else
@group(0) @binding(1) var<storage, read> input: array<f32>;
#endif
#if WEIGHTS_F16
@group(0) @binding(2) var<storage, read> weights: array<vec4<f16>>;
#else
@group(0) @binding(2) var<storage, read> weights: array<vec4<f32>>;
#endif
#if VEC4_INPUT
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<vec4<f32>>;
#else
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<f32>;
#endif

var<private> input_base: u32;
var<private> weight_base: u32;
var<private> first_channel: u32;
var<private> first_pixel: u32;
var<private> pixel_count: u32;

// Pixels first_pixel + offset .. +3 of input channel k, clamped to the last pixel.
fn load_input(k: u32, offset: u32) -> vec4<f32> {
  let plane = input_base + k * pixel_count;
#if VEC4_INPUT
  // The pixel count is a multiple of 4, so every plane starts on a vec4 and clamping to
  // the last whole vec4 keeps the pixels below the count exact.
  return input[(plane + min(first_pixel + offset, pixel_count - 4u)) / 4u];
#else
  let last = pixel_count - 1u;
  return vec4<f32>(input[plane + min(first_pixel + offset, last)], input[plane + min(first_pixel + offset + 1u, last)],
                   input[plane + min(first_pixel + offset + 2u, last)], input[plane + min(first_pixel + offset + 3u, last)]);
#endif
}

// Weights are packed [ceil(O/8)][I][8], zero past O, so 8 channels of one input channel are two vec4.
// f16 weights widen to f32 on load, so the products and sums stay f32.
fn accumulate_step(k: u32) {
  let w = weight_base + k * 2u;
  accumulate_outer_product(vec4<f32>(weights[w]), vec4<f32>(weights[w + 1u]), load_input(k, 0u), load_input(k, 4u));
}

// Stores one output channel of the block through the epilogue, skipping channels and pixels past the edge.
fn store_channel(offset: u32, lo: vec4<f32>, hi: vec4<f32>, image: u32) {
  let channel = first_channel + offset;
  if (channel >= params.out_channels) {
    return;
  }
  let index = (image * params.out_channels + channel) * pixel_count + first_pixel;
#if VEC4_INPUT
  // Whole vec4 stores: the pixel count is a multiple of 4, so a vec4 is all inside or all outside.
  output[index / 4u] = epilogue4_one_channel(lo, channel, index);
  if (first_pixel + 4u < pixel_count) {
    output[index / 4u + 1u] = epilogue4_one_channel(hi, channel, index + 4u);
  }
#else
  let values = array<vec4<f32>, 2>(lo, hi);
  for (var j = 0u; j < 8u; j++) {
    if (first_pixel + j < pixel_count) {
      output[index + j] = epilogue(values[j / 4u][j % 4u], channel, index + j);
    }
  }
#endif
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
