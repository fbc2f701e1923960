// The output side shared by the Winograd output transforms: their bindings, the position of a
// tile and the epilogue store of its outputs inside the output.
// Bindings: products M [(tile + 2)²][tiles][out_channels], [bias], [residual], output NCHW.

@group(0) @binding(1) var<storage, read> products: array<f32>;
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<f32>;

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

// Stores one output through the epilogue when it lies inside the output.
fn store_output(value: f32, channel: u32, image: u32, y: u32, x: u32) {
  if (y >= params.out_height || x >= params.out_width) {
    return;
  }
  let index = ((image * params.out_channels + channel) * params.out_height + y) * params.out_width + x;
  output[index] = epilogue(value, channel, index);
}
