// The output side shared by the Winograd output transforms: their bindings, the position of a
// tile and the epilogue store of its outputs inside the output.
// Bindings: products M [(tile + 2)²][tiles][out_channels], [bias], [residual], output NCHW.

@group(0) @binding(1) var<storage, read> products: array<f32>;
#if VEC4_OUTPUT
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<vec4<f32>>;
#else
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<f32>;
#endif

// Image and top-left output coordinate of a tile.
struct TileOrigin {
  image: u32,
  y: u32,
  x: u32,
}

// The origin of `tile` (over batch × tiles_h × tiles_w) for tiles of `size`×`size` outputs.
fn tile_origin(tile: u32, size: u32) -> TileOrigin {
  let tiles_w = (params.out_width + size - 1u) / size;
  let tiles_h = (params.out_height + size - 1u) / size;
  return TileOrigin(tile / (tiles_w * tiles_h), ((tile / tiles_w) % tiles_h) * size, (tile % tiles_w) * size);
}

// The bias of `channel`, loaded once per tile rather than once per output, or 0 without a bias.
fn channel_bias(channel: u32) -> f32 {
#if HAS_BIAS
  return bias[channel];
#else
  return 0.0;
#endif
}

#if VEC4_OUTPUT
// Stores 4 outputs of one row of a 4×4 tile, with their bias added, through the rest of the
// epilogue as one vec4 when the row lies inside the output. The output width is a multiple of
// 4, so the 4 outputs are all inside or all outside. Lavapipe stores lane by lane, so one vec4
// store takes a quarter of the steps of four scalar ones.
fn store_output_row4(biased: vec4<f32>, channel: u32, image: u32, y: u32, x: u32) {
  if (y >= params.out_height || x >= params.out_width) {
    return;
  }
  let index = ((image * params.out_channels + channel) * params.out_height + y) * params.out_width + x;
  output[index / 4u] = epilogue4_after_bias(biased, index);
}
#else
// Stores one output, with its bias added, through the rest of the epilogue when it lies inside the output.
fn store_output(biased: f32, channel: u32, image: u32, y: u32, x: u32) {
  if (y >= params.out_height || x >= params.out_width) {
    return;
  }
  let index = ((image * params.out_channels + channel) * params.out_height + y) * params.out_width + x;
  output[index] = epilogue_after_bias(biased, index);
}
#endif
