// Winograd F(2×2, 3×3) input transform: V[ξ][c][t] = (Bᵀ d B)[ξ] for the 4×4 input patch d
// of every tile t of 2×2 outputs, with ξ = 4·row + column of the 4×4 result. Tiles overlap
// by 2 input rows and columns; the padding reads as 0. Tiles run over batch × tiles_h × tiles_w.
// Bindings, patch and loads: winograd-input-patch.wgsl, with V [16][in_channels][tiles].

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

  let source = patch_of(tile, channel, 2u);
  let plane = source.plane;
  let y0 = source.y0;
  let x0 = source.x0;

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
