// Depthwise 3×3 convolution with dilation 1, stride 1 (one left padding column) or 2 (zero or one),
// for devices with 8-lane subgroups and input rows of a multiple of 4 values. Each subgroup
// computes 8 output rows × 64 columns of one output channel: lane l takes columns 8l .. 8l + 7 of
// the band. Each lane loads its own input columns of a row as aligned vec4 (2 at stride 1, 4 at
// stride 2), and the window's outer columns come from the neighbouring lanes through
// subgroupShuffleUp/Down. On lavapipe a storage load costs about as much per value as ten
// shuffled ones, so only the band's outer columns are loaded twice.
// Bindings: input NCHW (as vec4), weights OIHW with I = 1, [bias], [residual], output NCHW (as vec4
// when its width is a multiple of 4). Row stores: conv2d-depthwise-common.wgsl.

@group(0) @binding(1) var<storage, read> input: array<vec4<f32>>;
// f16 weights widen to f32 on load, so the products and sums stay f32.
#if WEIGHTS_F16
@group(0) @binding(2) var<storage, read> weights: array<f16>;
#else
@group(0) @binding(2) var<storage, read> weights: array<f32>;
#endif
#if VEC4_OUTPUT
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<vec4<f32>>;
#else
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<f32>;
#endif

const ROWS = 8u;
const STRIDE = {{STRIDE}}u;

// Input value at x of the row starting at `row` (a multiple of 4), or 0 outside the row.
fn load_edge(row: u32, x: i32) -> f32 {
  let inside = x >= 0 && x < i32(params.in_width);
  let clamped = u32(clamp(x, 0, i32(params.in_width) - 1));
  return select(0.0, input[(row + clamped) / 4u][clamped % 4u], inside);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
  // A band is 8 rows × 64 columns of one plane, one per subgroup.
  let bands_per_row = (params.out_width + 63u) / 64u;
  let bands_per_plane = bands_per_row * ((params.out_height + ROWS - 1u) / ROWS);
  let band = min(wid.x * 8u + lid / 8u, bands_per_plane - 1u);
  let plane_index = wid.y;
  let out_channel = plane_index % params.out_channels;
  let image = plane_index / params.out_channels;
  let out_y = (band / bands_per_row) * ROWS;
  let first_x = (band % bands_per_row) * 64u + lane * 8u;

  let in_channel = out_channel / params.out_channels_per_group;
  let plane = (image * params.in_channels + in_channel) * params.in_height;
  let in_y0 = i32(out_y) * i32(STRIDE) - params.pad_top;
  let stores = wid.x * 8u + lid / 8u < bands_per_plane;
  let index = ((image * params.out_channels + out_channel) * params.out_height + out_y) * params.out_width + first_x;

  let k = out_channel * 9u;
  let w0 = vec3<f32>(f32(weights[k]), f32(weights[k + 1u]), f32(weights[k + 2u]));
  let w1 = vec3<f32>(f32(weights[k + 3u]), f32(weights[k + 4u]), f32(weights[k + 5u]));
  let w2 = vec3<f32>(f32(weights[k + 6u]), f32(weights[k + 7u]), f32(weights[k + 8u]));

  // Input rows t - 2 and t - 1, kept in registers: output row (t - 2) / STRIDE reads rows t - 2 .. t.
  var above2 = RowTaps();
  var above1 = RowTaps();
  // No early return or branch around a row: the shuffles need every lane of the subgroup.
  for (var t = 0u; t < (ROWS - 1u) * STRIDE + 3u; t++) {
    let in_y = in_y0 + i32(t);
    let row_inside = in_y >= 0 && in_y < i32(params.in_height);
    let row = (plane + u32(clamp(in_y, 0, i32(params.in_height) - 1))) * params.in_width;
    let current = load_row_taps(row, row_inside, first_x * STRIDE, lane);

    let out_row = (t - 2u) / STRIDE;
    if (t >= 2u && (t - 2u) % STRIDE == 0u && stores && out_y + out_row < params.out_height) {
      let lo = kernel_row(above2.a_lo, above2.b_lo, above2.c_lo, w0) + kernel_row(above1.a_lo, above1.b_lo, above1.c_lo, w1) +
               kernel_row(current.a_lo, current.b_lo, current.c_lo, w2);
      let hi = kernel_row(above2.a_hi, above2.b_hi, above2.c_hi, w0) + kernel_row(above1.a_hi, above1.b_hi, above1.c_hi, w1) +
               kernel_row(current.a_hi, current.b_hi, current.c_hi, w2);
      let row_index = index + out_row * params.out_width;
      if (first_x < params.out_width) {
        store_row(lo, out_channel, row_index, first_x);
      }
      if (first_x + 4u < params.out_width) {
        store_row(hi, out_channel, row_index + 4u, first_x + 4u);
      }
    }
    above2 = above1;
    above1 = current;
  }
}

// The inputs of one row under the kernel's taps 0, 1 and 2 (a, b, c) for outputs
// first_x .. first_x + 3 (lo) and first_x + 4 .. first_x + 7 (hi).
struct RowTaps {
  a_lo: vec4<f32>,
  b_lo: vec4<f32>,
  c_lo: vec4<f32>,
  a_hi: vec4<f32>,
  b_hi: vec4<f32>,
  c_hi: vec4<f32>,
}

// The lane's aligned vec4 j of the row, from column base + 4j, zero outside the image.
fn load_own(row: u32, row_inside: bool, base: u32, j: u32) -> vec4<f32> {
  let x = base + 4u * j;
  return select(vec4<f32>(), input[(row + min(x, params.in_width - 4u)) / 4u], row_inside && x < params.in_width);
}

// Loads one input row's taps for the lane whose own input columns start at `base`.
fn load_row_taps(row: u32, row_inside: bool, base: u32, lane: u32) -> RowTaps {
#if STRIDE_2
  let v0 = load_own(row, row_inside, base, 0u);
  let v1 = load_own(row, row_inside, base, 1u);
  let v2 = load_own(row, row_inside, base, 2u);
  let v3 = load_own(row, row_inside, base, 3u);
#if PAD_LEFT_ONE
  // Window base - 1 .. base + 15: the left column is the left neighbour's last one.
  var left = subgroupShuffleUp(v3.w, 1u);
  if (lane == 0u) {
    left = select(0.0, load_edge(row, i32(base) - 1), row_inside);
  }
  return RowTaps(vec4<f32>(left, v0.y, v0.w, v1.y), vec4<f32>(v0.x, v0.z, v1.x, v1.z), vec4<f32>(v0.y, v0.w, v1.y, v1.w),
                 vec4<f32>(v1.w, v2.y, v2.w, v3.y), vec4<f32>(v2.x, v2.z, v3.x, v3.z), vec4<f32>(v2.y, v2.w, v3.y, v3.w));
#else
  // Window base .. base + 16: the right column is the right neighbour's first one.
  var right = subgroupShuffleDown(v0.x, 1u);
  if (lane == 7u) {
    right = select(0.0, load_edge(row, i32(base) + 16), row_inside);
  }
  return RowTaps(vec4<f32>(v0.x, v0.z, v1.x, v1.z), vec4<f32>(v0.y, v0.w, v1.y, v1.w), vec4<f32>(v0.z, v1.x, v1.z, v2.x),
                 vec4<f32>(v2.x, v2.z, v3.x, v3.z), vec4<f32>(v2.y, v2.w, v3.y, v3.w), vec4<f32>(v2.z, v3.x, v3.z, right));
#endif
#else
  let lo = load_own(row, row_inside, base, 0u);
  let hi = load_own(row, row_inside, base, 1u);
  // Window base - 1 .. base + 8: the outer columns are the neighbours' inner ones, except at the
  // band's edges, where lanes 0 and 7 load them.
  var left = subgroupShuffleUp(hi.w, 1u);
  var right = subgroupShuffleDown(lo.x, 1u);
  if (lane == 0u) {
    left = select(0.0, load_edge(row, i32(base) - 1), row_inside);
  }
  if (lane == 7u) {
    right = select(0.0, load_edge(row, i32(base) + 8), row_inside);
  }
  return RowTaps(vec4<f32>(left, lo.xyz), lo, vec4<f32>(lo.yzw, hi.x), vec4<f32>(lo.w, hi.xyz), hi, vec4<f32>(hi.yzw, right));
#endif
}

// One kernel row's taps (w.x, w.y, w.z) over 4 outputs.
fn kernel_row(a: vec4<f32>, b: vec4<f32>, c: vec4<f32>, w: vec3<f32>) -> vec4<f32> {
  return fma(a, vec4<f32>(w.x), fma(b, vec4<f32>(w.y), c * w.z));
}
