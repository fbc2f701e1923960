// 1×1 convolution with stride 1 and no padding as a GEMM per image, for devices with
// subgroups of 8 or more lanes: output[n] (O × HW) = W (O × I) · input[n] (I × HW). Each
// invocation computes 32 output channels × 8 consecutive pixels (register-block-32x8-subgroup.wgsl).
// All lanes of a subgroup share the 32 channels: each step loads one vec4 of weights per lane
// and broadcasts it, and loads the lane's own 8 pixels.
// Bindings: input NCHW, weights packed by packSubgroupWeights, [bias], [residual], output NCHW.

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

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
  pixel_count = params.in_height * params.in_width;
  // column_lanes is at least the subgroup size, so every lane of a subgroup gets the same channel block.
  let channel_lanes = 64u / params.column_lanes;
  first_pixel = (wid.x * params.column_lanes + lid % params.column_lanes) * 8u;
  let channel_block = wid.y * channel_lanes + lid / params.column_lanes;
  first_channel = channel_block * 32u;
  let image = wid.z;
  input_base = image * params.in_channels * pixel_count;

  // No early return for lanes past the edge: subgroupBroadcast needs every lane of the subgroup.
  // Their loads are clamped into the buffers and their stores skipped.
  let last_block = (params.out_channels + 31u) / 32u - 1u;
  let weight_base = min(channel_block, last_block) * params.in_channels * 8u + min(lane, 7u);

  // Two steps per iteration keep each spilled accumulator in a register for two multiply-adds:
  // on lavapipe that made the kernel 3-20% faster. f16 weights widen to f32 on load.
  let pairs_end = params.in_channels & ~1u;
  for (var k = 0u; k < pairs_end; k += 2u) {
    accumulate_subgroup_outer_product2(vec4<f32>(weights[weight_base + k * 8u]), load_input(k, 0u), load_input(k, 4u),
                                       vec4<f32>(weights[weight_base + k * 8u + 8u]), load_input(k + 1u, 0u), load_input(k + 1u, 4u));
  }
#if ODD_REDUCTION
  // The last channel's step, compiled only for an odd channel count: it adds 256 multiply-adds
  // to the shader, which lavapipe took about 40% longer to compile.
  let k = pairs_end;
  accumulate_subgroup_outer_product(vec4<f32>(weights[weight_base + k * 8u]), load_input(k, 0u), load_input(k, 4u));
#endif

  for (var row = 0u; row < params.block_rows; row++) {
    store_channel(row, block32_row_lo(row), block32_row_hi(row), image);
  }
}
