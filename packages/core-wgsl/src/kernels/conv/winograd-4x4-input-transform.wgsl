// Winograd F(4×4, 3×3) input transform: V[ξ][c][t] = (Bᵀ d B)[ξ] for the 6×6 input patch d
// of every tile t of 4×4 outputs, with ξ = 6·row + column of the 6×6 result. Tiles overlap
// by 2 input rows and columns; the padding reads as 0. Tiles run over batch × tiles_h × tiles_w.
// Bindings, patch and loads: winograd-input-patch.wgsl, with V [36][in_channels][tiles].

// Bᵀ·d for a column d of 6 values (also d·B for a row), with
// Bᵀ = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1].
fn times_b(d: array<f32, 6>) -> array<f32, 6> {
  let a = d[4] - 4.0 * d[2];
  let b = d[3] - 4.0 * d[1];
  let c = d[4] - d[2];
  let e = 2.0 * (d[3] - d[1]);
  return array<f32, 6>(
    4.0 * d[0] - 5.0 * d[2] + d[4],
    a + b,
    a - b,
    c + e,
    c - e,
    4.0 * d[1] - 5.0 * d[3] + d[5],
  );
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tiles = params.work_count;
  let tile = wid.x * 64u + lid;
  let channel = wid.y;
  if (tile >= tiles) {
    return;
  }

  let source = patch_of(tile, channel, 4u);
  let plane = source.plane;
  let y0 = source.y0;
  let x0 = source.x0;

  // d·B row by row.
  var rows: array<array<f32, 6>, 6>;
  for (var row = 0u; row < 6u; row++) {
    let y = y0 + i32(row);
    rows[row] = times_b(array<f32, 6>(load_input(plane, y, x0), load_input(plane, y, x0 + 1), load_input(plane, y, x0 + 2),
                                      load_input(plane, y, x0 + 3), load_input(plane, y, x0 + 4), load_input(plane, y, x0 + 5)));
  }

  // Bᵀ·(d·B) column by column. Lanes take consecutive tiles, so each store is contiguous across the workgroup.
  let stride = params.in_channels * tiles;
  let base = channel * tiles + tile;
  for (var column = 0u; column < 6u; column++) {
    let v = times_b(array<f32, 6>(rows[0][column], rows[1][column], rows[2][column], rows[3][column], rows[4][column], rows[5][column]));
    for (var row = 0u; row < 6u; row++) {
      transformed[base + (row * 6u + column) * stride] = v[row];
    }
  }
}
