// Depthwise 3×3 convolution with stride 1, dilation 1 and one left padding column, for devices
// with 8-lane subgroups and input rows of a multiple of 4 values. Each subgroup computes 8 output
// rows × 64 columns of one output channel: lane l takes columns 8l .. 8l + 7 of the band. Each
// input row is loaded as two aligned vec4 per lane, and the window's outer columns come from
// the neighbouring lanes through subgroupShuffleUp/Down. On lavapipe a storage load costs about
// as much per value as ten shuffled ones, so only the band's two outer columns are loaded twice.
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
  let in_y0 = i32(out_y) - params.pad_top;
  // The lane's own 8 input columns first_x .. first_x + 7, zero past the row's end.
  let lo_inside = first_x < params.in_width;
  let hi_inside = first_x + 4u < params.in_width;
  let stores = wid.x * 8u + lid / 8u < bands_per_plane;
  let index = ((image * params.out_channels + out_channel) * params.out_height + out_y) * params.out_width + first_x;

  let k = out_channel * 9u;
  let w0 = vec3<f32>(f32(weights[k]), f32(weights[k + 1u]), f32(weights[k + 2u]));
  let w1 = vec3<f32>(f32(weights[k + 3u]), f32(weights[k + 4u]), f32(weights[k + 5u]));
  let w2 = vec3<f32>(f32(weights[k + 6u]), f32(weights[k + 7u]), f32(weights[k + 8u]));

  // Input rows t - 2 and t - 1, kept in registers: output row t - 2 reads rows t - 2 .. t.
  var above2 = RowWindow();
  var above1 = RowWindow();
  // No early return or branch around a row: the shuffles need every lane of the subgroup.
  for (var t = 0u; t < ROWS + 2u; t++) {
    let in_y = in_y0 + i32(t);
    let row_inside = in_y >= 0 && in_y < i32(params.in_height);
    let row = (plane + u32(clamp(in_y, 0, i32(params.in_height) - 1))) * params.in_width;
    var current: RowWindow;
    current.lo = select(vec4<f32>(), input[(row + min(first_x, params.in_width - 4u)) / 4u], row_inside && lo_inside);
    current.hi = select(vec4<f32>(), input[(row + min(first_x + 4u, params.in_width - 4u)) / 4u], row_inside && hi_inside);

    // Window first_x - 1 .. first_x + 8: the outer columns are the neighbours' inner ones, except
    // at the band's edges, where lanes 0 and 7 load them.
    current.left = subgroupShuffleUp(current.hi.w, 1u);
    current.right = subgroupShuffleDown(current.lo.x, 1u);
    if (lane == 0u) {
      current.left = select(0.0, load_edge(row, i32(first_x) - 1), row_inside);
    }
    if (lane == 7u) {
      current.right = select(0.0, load_edge(row, i32(first_x) + 8), row_inside);
    }

    let out_row = t - 2u;
    if (t >= 2u && stores && out_y + out_row < params.out_height) {
      let lo = kernel_row_lo(above2, w0) + kernel_row_lo(above1, w1) + kernel_row_lo(current, w2);
      let hi = kernel_row_hi(above2, w0) + kernel_row_hi(above1, w1) + kernel_row_hi(current, w2);
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

// One input row's window: columns first_x - 1 (left), first_x .. first_x + 7 (lo, hi), first_x + 8 (right).
struct RowWindow {
  left: f32,
  lo: vec4<f32>,
  hi: vec4<f32>,
  right: f32,
}

// One kernel row's taps (w.x, w.y, w.z) over outputs first_x .. first_x + 3.
fn kernel_row_lo(window: RowWindow, w: vec3<f32>) -> vec4<f32> {
  let shifted_right = vec4<f32>(window.left, window.lo.xyz);
  let shifted_left = vec4<f32>(window.lo.yzw, window.hi.x);
  return fma(shifted_right, vec4<f32>(w.x), fma(window.lo, vec4<f32>(w.y), shifted_left * w.z));
}

// One kernel row's taps over outputs first_x + 4 .. first_x + 7.
fn kernel_row_hi(window: RowWindow, w: vec3<f32>) -> vec4<f32> {
  let shifted_right = vec4<f32>(window.lo.w, window.hi.xyz);
  let shifted_left = vec4<f32>(window.hi.yzw, window.right);
  return fma(shifted_right, vec4<f32>(w.x), fma(window.hi, vec4<f32>(w.y), shifted_left * w.z));
}
