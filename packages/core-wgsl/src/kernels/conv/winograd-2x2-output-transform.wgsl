// Winograd F(2×2, 3×3) output transform: the 2×2 outputs Aᵀ m A of every (output channel,
// tile) from the 16 GEMM products m[ξ], then the fused epilogue, stored NCHW. Tiles past
// the right or bottom edge of an odd-sized output store only their inside outputs.
// Bindings, tile origins and stores: winograd-output-tile.wgsl, with M [16][tiles][out_channels].

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

  // Row i of m is m[4i .. 4i + 3]; Aᵀ·m keeps two rows, then (Aᵀ·m)·A two columns of each.
  var m = array<vec4<f32>, 4>();
  for (var row = 0u; row < 4u; row++) {
    let base = 4u * row * stride + index;
    m[row] = vec4<f32>(products[base], products[base + stride], products[base + 2u * stride], products[base + 3u * stride]);
  }
  let s0 = m[0] + m[1] + m[2];
  let s1 = m[1] - m[2] - m[3];

  let origin = tile_origin(tile, 2u);
  let image = origin.image;
  let y = origin.y;
  let x = origin.x;
  let bias = channel_bias(channel);
  store_output(s0.x + s0.y + s0.z + bias, channel, image, y, x);
  store_output(s0.y - s0.z - s0.w + bias, channel, image, y, x + 1u);
  store_output(s1.x + s1.y + s1.z + bias, channel, image, y + 1u, x);
  store_output(s1.y - s1.z - s1.w + bias, channel, image, y + 1u, x + 1u);
}
