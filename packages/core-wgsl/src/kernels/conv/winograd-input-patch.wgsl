// The input side shared by the Winograd input transforms: their bindings, the patch of a tile
// and its loads, with the padding read as 0.
// Bindings: input NCHW → V [(tile + 2)²][in_channels][tiles].

@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> transformed: array<f32>;

// Start of the input plane and top-left input coordinate of a tile's patch.
struct Patch {
  plane: u32,
  y0: i32,
  x0: i32,
}

// The patch of `tile` (over batch × tiles_h × tiles_w) in channel `channel`, for tiles of
// `size`×`size` outputs.
fn patch_of(tile: u32, channel: u32, size: u32) -> Patch {
  let tiles_w = (params.out_width + size - 1u) / size;
  let tiles_h = (params.out_height + size - 1u) / size;
  let tile_x = tile % tiles_w;
  let tile_y = (tile / tiles_w) % tiles_h;
  let image = tile / (tiles_w * tiles_h);
  let plane = (image * params.in_channels + channel) * params.in_height * params.in_width;
  return Patch(plane, i32(tile_y * size) - params.pad_top, i32(tile_x * size) - params.pad_left);
}

// Input value at (y, x) of the plane starting at `plane`, or 0 in the padding.
fn load_input(plane: u32, y: i32, x: i32) -> f32 {
  let inside = y >= 0 && y < i32(params.in_height) && x >= 0 && x < i32(params.in_width);
  let index = plane + u32(clamp(y, 0, i32(params.in_height) - 1)) * params.in_width + u32(clamp(x, 0, i32(params.in_width) - 1));
  return select(0.0, input[index], inside);
}
