// Classic shared-memory tiled GEMM: a workgroup of 8×8 invocations computes a 32×32
// tile of Y, each invocation 4×4 outputs, staging 32×16 slices of op(A) and 16×32
// slices of op(B) in workgroup memory between barriers. Real GPUs favor this layout.
// Lavapipe does not, so it is selected only on request. Bindings: A, B, [bias], [residual], Y.

@group(0) @binding(1) var<storage, read> a: array<f32>;
// A constant B (weights) may be f16, widened to f32 on load so that the products and sums stay f32.
#if WEIGHTS_F16
@group(0) @binding(2) var<storage, read> b: array<f16>;
#else
@group(0) @binding(2) var<storage, read> b: array<f32>;
#endif
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> y: array<f32>;

const TILE = 32u;
const TILE_K = 16u;

var<workgroup> a_tile: array<array<f32, TILE_K>, TILE>;   // [row][k]
var<workgroup> b_tile: array<array<f32, TILE>, TILE_K>;   // [k][column]

// op(A)[row, k] of the current batch entry, or 0 past the edge.
fn load_a(a_base: u32, row: u32, k: u32) -> f32 {
  if (row >= params.m || k >= params.k) {
    return 0.0;
  }
#if TRANSPOSE_A
  return a[a_base + k * params.m + row];
#else
  return a[a_base + row * params.k + k];
#endif
}

// op(B)[k, column] of the current batch entry, or 0 past the edge.
fn load_b(b_base: u32, k: u32, column: u32) -> f32 {
  if (k >= params.k || column >= params.n) {
    return 0.0;
  }
#if TRANSPOSE_B
  return f32(b[b_base + column * params.k + k]);
#else
  return f32(b[b_base + k * params.n + column]);
#endif
}

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let tile_row = wid.y * TILE;
  let tile_column = wid.x * TILE;
  let entry = wid.z;
  let a_base = entry * params.m * params.k;
  let b_base = entry * params.b_batch_stride;

  var sums: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < params.k; k0 += TILE_K) {
    // 64 invocations stage 512 values of each operand, 8 each.
    for (var i = 0u; i < 8u; i++) {
      let flat = lid * 8u + i;
      let a_row = flat / TILE_K;
      let a_k = flat % TILE_K;
      a_tile[a_row][a_k] = load_a(a_base, tile_row + a_row, k0 + a_k);
      let b_k = flat / TILE;
      let b_column = flat % TILE;
      b_tile[b_k][b_column] = load_b(b_base, k0 + b_k, tile_column + b_column);
    }
    workgroupBarrier();

    for (var k = 0u; k < TILE_K; k++) {
      let columns = vec4<f32>(b_tile[k][local.x * 4u], b_tile[k][local.x * 4u + 1u],
                              b_tile[k][local.x * 4u + 2u], b_tile[k][local.x * 4u + 3u]);
      for (var r = 0u; r < 4u; r++) {
        sums[r] = fma(vec4<f32>(a_tile[local.y * 4u + r][k]), columns, sums[r]);
      }
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < 4u; r++) {
    let row = tile_row + local.y * 4u + r;
    if (row >= params.m) {
      continue;
    }
    for (var j = 0u; j < 4u; j++) {
      let column = tile_column + local.x * 4u + j;
      if (column < params.n) {
        let index = (entry * params.m + row) * params.n + column;
        y[index] = epilogue(params.alpha * sums[r][j], column, index);
      }
    }
  }
}
