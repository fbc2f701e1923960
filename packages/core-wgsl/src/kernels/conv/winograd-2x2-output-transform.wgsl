// Winograd F(2×2, 3×3) output transform: the 2×2 outputs Aᵀ m A of every (output channel,
// tile) from the 16 GEMM products m[ξ], then the fused epilogue, stored NCHW. Tiles past
// the right or bottom edge of an odd-sized output store only their inside outputs.
// Bindings: products M [16][tiles][out_channels], [bias], [residual], output NCHW.

@group(0) @binding(1) var<storage, read> products: array<f32>;
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<f32>;

// Stores one output through the epilogue when it lies inside the output.
fn store_output(value: f32, channel: u32, image: u32, y: u32, x: u32) {
  if (y >= params.out_height || x >= params.out_width) {
    return;
  }
  let index = ((image * params.out_channels + channel) * params.out_height + y) * params.out_width + x;
  output[index] = epilogue(value, channel, index);
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

  // Row i of m is m[4i .. 4i + 3]; Aᵀ·m keeps two rows, then (Aᵀ·m)·A two columns of each.
  var m = array<vec4<f32>, 4>();
  for (var row = 0u; row < 4u; row++) {
    let base = 4u * row * stride + index;
    m[row] = vec4<f32>(products[base], products[base + stride], products[base + 2u * stride], products[base + 3u * stride]);
  }
  let s0 = m[0] + m[1] + m[2];
  let s1 = m[1] - m[2] - m[3];

  let tiles_w = (params.out_width + 1u) / 2u;
  let tiles_h = (params.out_height + 1u) / 2u;
  let x = (tile % tiles_w) * 2u;
  let y = ((tile / tiles_w) % tiles_h) * 2u;
  let image = tile / (tiles_w * tiles_h);
  store_output(s0.x + s0.y + s0.z, channel, image, y, x);
  store_output(s0.y - s0.z - s0.w, channel, image, y, x + 1u);
  store_output(s1.x + s1.y + s1.z, channel, image, y + 1u, x);
  store_output(s1.y - s1.z - s1.w, channel, image, y + 1u, x + 1u);
}
