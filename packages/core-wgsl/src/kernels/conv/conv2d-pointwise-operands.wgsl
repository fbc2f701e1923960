// Bindings, block origin, input loads and channel stores shared by the 1×1 convolutions
// (conv2d-pointwise.wgsl, conv2d-pointwise-subgroup.wgsl), which read NCHW planes as GEMM columns.

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

// Stores one output channel of the block through the epilogue, skipping channels and pixels past the edge.
fn store_channel(offset: u32, lo: vec4<f32>, hi: vec4<f32>, image: u32) {
  let channel = first_channel + offset;
  if (channel >= params.out_channels || first_pixel >= pixel_count) {
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
