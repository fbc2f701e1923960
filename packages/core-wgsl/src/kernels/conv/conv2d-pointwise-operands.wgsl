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

#if FOLDED_BATCH
#if VEC4_INPUT
// With the batch folded into the columns, the block's 8 columns are two groups of 4 pixels (lo
// and hi), each inside one image because the pixel count is a multiple of 4. These are their
// offsets in channel 0 of the input and the output, and whether each group is inside the batch.
var<private> input_lo: u32;
var<private> input_hi: u32;
var<private> output_lo: u32;
var<private> output_hi: u32;
var<private> inside_lo: bool;
var<private> inside_hi: bool;

// Sets the offsets of the block whose first column is `column`, counted over the whole batch.
// Groups past the last pixel load the last group, and their stores are skipped.
fn set_folded_columns(column: u32, batch: u32) {
  let groups_per_image = pixel_count / 4u;
  let group_count = batch * groups_per_image;
  inside_lo = column / 4u < group_count;
  inside_hi = column / 4u + 1u < group_count;
  let lo = min(column / 4u, group_count - 1u);
  let hi = min(column / 4u + 1u, group_count - 1u);
  input_lo = (lo / groups_per_image) * params.in_channels * pixel_count + (lo % groups_per_image) * 4u;
  input_hi = (hi / groups_per_image) * params.in_channels * pixel_count + (hi % groups_per_image) * 4u;
  output_lo = (lo / groups_per_image) * params.out_channels * pixel_count + (lo % groups_per_image) * 4u;
  output_hi = (hi / groups_per_image) * params.out_channels * pixel_count + (hi % groups_per_image) * 4u;
}
#else
// With the batch folded into the columns, each of the block's columns may lie in another image
// (a 7×7 map has 49 pixels). These are their offsets in channel 0 of the input and the output,
// and how many of them, from the first, are inside the batch. A block has {{BLOCK_COLUMNS}}
// columns, and entry 7 is unused in blocks of 7.
var<private> column_input: array<u32, 8>;
var<private> column_output: array<u32, 8>;
var<private> columns_inside: u32;

// Sets the offsets of the block whose first column is `column`, counted over the whole batch.
// Columns past the last pixel load the last pixel, and their stores are skipped.
fn set_folded_columns(column: u32, batch: u32) {
  let column_count = batch * pixel_count;
  columns_inside = min(column_count - min(column, column_count), {{BLOCK_COLUMNS}}u);
  for (var j = 0u; j < 8u; j++) {
    let c = min(column + j, column_count - 1u);
    column_input[j] = (c / pixel_count) * params.in_channels * pixel_count + c % pixel_count;
    column_output[j] = (c / pixel_count) * params.out_channels * pixel_count + c % pixel_count;
  }
}
#endif
#endif

// Columns offset .. offset + 3 of the block in input channel k (pixels first_pixel + offset .. + 3
// of one image unless the batch is folded), clamped to the last pixel.
fn load_input(k: u32, offset: u32) -> vec4<f32> {
#if FOLDED_BATCH
#if VEC4_INPUT
  // offset is a constant 0 or 4 at every call, so the select folds away.
  return input[(select(input_hi, input_lo, offset == 0u) + k * pixel_count) / 4u];
#else
  // offset is a constant 0 or 4 at every call, so the array indices are constants.
  let plane = k * pixel_count;
  return vec4<f32>(input[column_input[offset] + plane], input[column_input[offset + 1u] + plane],
                   input[column_input[offset + 2u] + plane], input[column_input[offset + 3u] + plane]);
#endif
#else
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
#endif
}

#if FOLDED_BATCH
// Stores one output channel of the block through the epilogue with the channel's bias, which the
// caller has loaded (`channel_bias`, unused without BROADCAST_BIAS), skipping channels and
// columns past the edge.
fn store_folded_channel(offset: u32, lo: vec4<f32>, hi: vec4<f32>, channel_bias: f32) {
  let channel = first_channel + offset;
  if (channel >= params.out_channels) {
    return;
  }
#if BROADCAST_BIAS
  let biased_lo = lo + vec4<f32>(channel_bias);
  let biased_hi = hi + vec4<f32>(channel_bias);
#else
  let biased_lo = lo;
  let biased_hi = hi;
#endif
#if VEC4_INPUT
  let index_lo = output_lo + channel * pixel_count;
  let index_hi = output_hi + channel * pixel_count;
  if (inside_lo) {
    output[index_lo / 4u] = epilogue4_after_bias(biased_lo, index_lo);
  }
  if (inside_hi) {
    output[index_hi / 4u] = epilogue4_after_bias(biased_hi, index_hi);
  }
#else
  let values = array<vec4<f32>, 2>(biased_lo, biased_hi);
  for (var j = 0u; j < 8u; j++) {
    if (j < columns_inside) {
      let index = column_output[j] + channel * pixel_count;
      output[index] = epilogue_after_bias(values[j / 4u][j % 4u], index);
    }
  }
#endif
}
#else
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
#endif
