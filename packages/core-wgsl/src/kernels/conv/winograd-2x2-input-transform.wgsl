// Winograd F(2×2, 3×3) input transform: V[ξ][c][t] = (Bᵀ d B)[ξ] for the 4×4 input patch d
// of every tile t of 2×2 outputs, with ξ = 4·row + column of the 4×4 result. Tiles overlap
// by 2 input rows and columns; the padding reads as 0. Tiles run over batch × tiles_h × tiles_w.
// Bindings: input NCHW → V [16][in_channels][tiles].

@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> transformed: array<f32>;

// Input value at (y, x) of the plane starting at `plane`, or 0 in the padding.
fn load_input(plane: u32, y: i32, x: i32) -> f32 {
  let inside = y >= 0 && y < i32(params.in_height) && x >= 0 && x < i32(params.in_width);
  let index = plane + u32(clamp(y, 0, i32(params.in_height) - 1)) * params.in_width + u32(clamp(x, 0, i32(params.in_width) - 1));
  return select(0.0, input[index], inside);
}

// One patch row times B: Bᵀ applied to the row's four values.
fn load_row_times_b(plane: u32, y: i32, x: i32) -> vec4<f32> {
  let d = vec4<f32>(load_input(plane, y, x), load_input(plane, y, x + 1), load_input(plane, y, x + 2), load_input(plane, y, x + 3));
  return vec4<f32>(d.x - d.z, d.y + d.z, d.z - d.y, d.y - d.w);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tiles = params.work_count;
  let tile = wid.x * 64u + lid;
  let channel = wid.y;
  if (tile >= tiles) {
    return;
  }

  let tiles_w = (params.out_width + 1u) / 2u;
  let tiles_h = (params.out_height + 1u) / 2u;
  let tile_x = tile % tiles_w;
  let tile_y = (tile / tiles_w) % tiles_h;
  let image = tile / (tiles_w * tiles_h);
  let plane = (image * params.in_channels + channel) * params.in_height * params.in_width;
  let y0 = i32(tile_y * 2u) - params.pad_top;
  let x0 = i32(tile_x * 2u) - params.pad_left;

  // d·B row by row, then Bᵀ·(d·B) as whole-row vector operations.
  let r0 = load_row_times_b(plane, y0, x0);
  let r1 = load_row_times_b(plane, y0 + 1, x0);
  let r2 = load_row_times_b(plane, y0 + 2, x0);
  let r3 = load_row_times_b(plane, y0 + 3, x0);
  let rows = array<vec4<f32>, 4>(r0 - r2, r1 + r2, r2 - r1, r1 - r3);

  // Lanes take consecutive tiles, so each of the 16 stores is contiguous across the workgroup.
  let stride = params.in_channels * tiles;
  var index = channel * tiles + tile;
  for (var row = 0u; row < 4u; row++) {
    let v = rows[row];
    transformed[index] = v.x;
    transformed[index + stride] = v.y;
    transformed[index + 2u * stride] = v.z;
    transformed[index + 3u * stride] = v.w;
    index += 4u * stride;
  }
}
