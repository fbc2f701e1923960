// Winograd F(4×4, 3×3) output transform: the 4×4 outputs Aᵀ m A of every (output channel,
// tile) from the 36 GEMM products m[ξ], then the fused epilogue, stored NCHW. Tiles past
// the right or bottom edge store only their inside outputs.
// Bindings, tile origins and stores: winograd-output-tile.wgsl, with M [36][tiles][out_channels].

// Aᵀ·m for a column m of 6 values (also m·A for a row), with
// Aᵀ = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
fn times_a(m: array<f32, 6>) -> vec4<f32> {
  let sum12 = m[1] + m[2];
  let diff12 = m[1] - m[2];
  let sum34 = m[3] + m[4];
  let diff34 = m[3] - m[4];
  return vec4<f32>(m[0] + sum12 + sum34, diff12 + 2.0 * diff34, sum12 + 4.0 * sum34, diff12 + 8.0 * diff34 + m[5]);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (index >= params.work_count) {
    return;
  }

  // Lanes take consecutive channels, the contiguous dimension of M, so each load is contiguous across them.
  let tile = index / params.out_channels;
  let channel = index % params.out_channels;
  let stride = params.work_count;

  // Aᵀ·m column by column: columns[j] holds rows 0-3 of column j.
  var columns: array<vec4<f32>, 6>;
  for (var column = 0u; column < 6u; column++) {
    let base = column * stride + index;
    columns[column] = times_a(array<f32, 6>(products[base], products[base + 6u * stride], products[base + 12u * stride],
                                            products[base + 18u * stride], products[base + 24u * stride], products[base + 30u * stride]));
  }

  let origin = tile_origin(tile, 4u);
  let image = origin.image;
  let y = origin.y;
  let x = origin.x;

  // (Aᵀ·m)·A row by row.
  let bias4 = vec4<f32>(channel_bias(channel));
  for (var row = 0u; row < 4u; row++) {
    let outputs = times_a(array<f32, 6>(columns[0][row], columns[1][row], columns[2][row], columns[3][row], columns[4][row], columns[5][row])) + bias4;
#if VEC4_OUTPUT
    store_output_row4(outputs, channel, image, y + row, x);
#else
    store_output(outputs.x, channel, image, y + row, x);
    store_output(outputs.y, channel, image, y + row, x + 1u);
    store_output(outputs.z, channel, image, y + row, x + 2u);
    store_output(outputs.w, channel, image, y + row, x + 3u);
#endif
  }
}
