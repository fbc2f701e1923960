// Depthwise 3×3 convolution with stride 1, dilation 1 and a padding of 1 on every side, for CPU
// adapters and small maps of an odd width {{WIDTH}} (at most 15). Each invocation computes four planes that
// lie back to back (four channels of one image), 4 × height rows in all. Four rows hold
// 4 × WIDTH values, a multiple of 4, and the first of the four planes starts on a multiple of 4,
// so the invocation reads and writes them as aligned vec4s, a quad of rows at a time. A quad can
// span two planes: each row takes its own plane's weights and bias, and the first and last row
// of a plane take zeros for the padding row beyond.
// A plane of odd width and height starts at any offset, so one plane per invocation (the strip
// kernel) reads and writes scalars. On lavapipe every storage access runs lane by lane, and a
// vec4 tests each lane's mask once for its four values, a scalar once per value.
// Bindings: input NCHW, weights packed per 4 channels as 9 taps of vec4 (one value per
// channel), [bias], [residual], output NCHW, both read and written as vec4s.

@group(0) @binding(1) var<storage, read> input: array<vec4<f32>>;
// f16 weights widen to f32 on load, so the products and sums stay f32.
#if WEIGHTS_F16
@group(0) @binding(2) var<storage, read> weights: array<vec4<f16>>;
#else
@group(0) @binding(2) var<storage, read> weights: array<vec4<f32>>;
#endif
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<vec4<f32>>;

const WIDTH = {{WIDTH}}u;
// Values in a quad of rows, read and written as WIDTH vec4s.
const QUAD = 4u * WIDTH;

// Where an output row lies in the four planes: which plane, and its row in that plane.
struct RowPosition {
  plane: u32,
  y: u32,
}

// The position of the row after `position`, without a division per row.
fn next_row(position: RowPosition) -> RowPosition {
  let wraps = position.y + 1u == params.out_height;
  return RowPosition(select(position.plane, position.plane + 1u, wraps), select(position.y + 1u, 0u, wraps));
}

// Component `plane` of `values`. A select chain, because the plane is a run-time value and
// indexing a vector with one costs more on CPU adapters.
fn of_plane(values: vec4<f32>, plane: u32) -> f32 {
  return select(select(select(values.x, values.y, plane == 1u), values.z, plane == 2u), values.w, plane == 3u);
}

// The quad of rows that starts at vec4 `first_vector`.
fn load_quad(first_vector: u32) -> array<f32, QUAD> {
  var values: array<f32, QUAD>;
  for (var q = 0u; q < WIDTH; q++) {
    let v = input[first_vector + q];
    values[4u * q] = v.x;
    values[4u * q + 1u] = v.y;
    values[4u * q + 2u] = v.z;
    values[4u * q + 3u] = v.w;
  }
  return values;
}

// Row `row` (0 to 3) of a quad.
fn quad_row(values: array<f32, QUAD>, row: u32) -> array<f32, WIDTH> {
  var result: array<f32, WIDTH>;
  for (var x = 0u; x < WIDTH; x++) {
    result[x] = values[row * WIDTH + x];
  }
  return result;
}

// `sums` plus one kernel row's taps (w0, w1, w2) along `row`, with zeros for the padding
// columns: sums[x] + w0 · row[x - 1] + w1 · row[x] + w2 · row[x + 1].
fn add_kernel_row(sums: array<f32, WIDTH>, row: array<f32, WIDTH>, w0: f32, w1: f32, w2: f32) -> array<f32, WIDTH> {
  var result: array<f32, WIDTH>;
  for (var x = 0u; x < WIDTH; x++) {
    var sum = fma(row[x], w1, sums[x]);
    if (x > 0u) {
      sum = fma(row[x - 1u], w0, sum);
    }
    if (x + 1u < WIDTH) {
      sum = fma(row[x + 1u], w2, sum);
    }
    result[x] = sum;
  }
  return result;
}

// `row`, or zeros where it is padding.
fn padded_row(row: array<f32, WIDTH>, inside: bool) -> array<f32, WIDTH> {
  var result: array<f32, WIDTH>;
  for (var x = 0u; x < WIDTH; x++) {
    result[x] = select(0.0, row[x], inside);
  }
  return result;
}

// One output row with its bias added, from the input rows above, at and below it. `w` holds the
// four planes' taps, `channel_bias` their bias.
fn output_row(above: array<f32, WIDTH>, center: array<f32, WIDTH>, below: array<f32, WIDTH>,
              w: array<vec4<f32>, 9>, channel_bias: vec4<f32>, position: RowPosition) -> array<f32, WIDTH> {
  let plane = position.plane;

  var sums: array<f32, WIDTH>;
  let bias = of_plane(channel_bias, plane);
  for (var x = 0u; x < WIDTH; x++) {
    sums[x] = bias;
  }

  // The rows above the first and below the last row of a plane are padding. They take zeros in
  // place of the neighbouring plane's values rather than zero weights, so that an infinity
  // there cannot turn this plane's sums into NaN.
  sums = add_kernel_row(sums, padded_row(above, position.y > 0u), of_plane(w[0], plane), of_plane(w[1], plane), of_plane(w[2], plane));
  sums = add_kernel_row(sums, center, of_plane(w[3], plane), of_plane(w[4], plane), of_plane(w[5], plane));
  sums = add_kernel_row(sums, padded_row(below, position.y + 1u < params.out_height), of_plane(w[6], plane), of_plane(w[7], plane), of_plane(w[8], plane));
  return sums;
}

// Writes four output rows, biased, through the rest of the epilogue as the quad at vec4 `first_vector`.
fn store_quad(first_vector: u32, row0: array<f32, WIDTH>, row1: array<f32, WIDTH>, row2: array<f32, WIDTH>, row3: array<f32, WIDTH>) {
  var values: array<f32, QUAD>;
  for (var x = 0u; x < WIDTH; x++) {
    values[x] = row0[x];
    values[WIDTH + x] = row1[x];
    values[2u * WIDTH + x] = row2[x];
    values[3u * WIDTH + x] = row3[x];
  }
  for (var q = 0u; q < WIDTH; q++) {
    let sums = vec4<f32>(values[4u * q], values[4u * q + 1u], values[4u * q + 2u], values[4u * q + 3u]);
    output[first_vector + q] = epilogue4_after_bias(sums, 4u * (first_vector + q));
  }
}

@compute @workgroup_size({{WORKGROUP_SIZE}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let group = (wid.x + wid.y * nwg.x) * {{WORKGROUP_SIZE}}u + lid;
#if PARTIAL_WORKGROUP
  if (group >= params.work_count) {
    return;
  }
#endif
  // The channel count is a multiple of 4, so the four planes are channels c to c + 3 of one image.
  let first_channel = (4u * group) % params.out_channels;
  // One channel per group with the same count in and out: input and output planes line up.
  let first_vector = group * params.out_height * WIDTH;

  var w: array<vec4<f32>, 9>;
  for (var t = 0u; t < 9u; t++) {
    w[t] = vec4<f32>(weights[first_channel / 4u * 9u + t]);
  }
#if HAS_BIAS
  let channel_bias = vec4<f32>(bias[first_channel], bias[first_channel + 1u], bias[first_channel + 2u], bias[first_channel + 3u]);
#else
  let channel_bias = vec4<f32>();
#endif

  // Quad q holds rows 4q to 4q + 3 of the four planes; its output rows also read the last row of
  // the quad before and the first of the quad after. Four planes of height H are H quads.
  var above: array<f32, WIDTH>;
  var quad = load_quad(first_vector);
  var position = RowPosition(0u, 0u);
  for (var q = 0u; q < params.out_height; q++) {
    // The last quad has no quad after it; reading itself again keeps the load unconditional,
    // and those rows only meet the bottom padding. A conditional load checks its lane mask per
    // value on lavapipe.
    let next = load_quad(first_vector + min(q + 1u, params.out_height - 1u) * WIDTH);

    let row0 = quad_row(quad, 0u);
    let row1 = quad_row(quad, 1u);
    let row2 = quad_row(quad, 2u);
    let row3 = quad_row(quad, 3u);
    let position1 = next_row(position);
    let position2 = next_row(position1);
    let position3 = next_row(position2);
    store_quad(first_vector + q * WIDTH,
      output_row(above, row0, row1, w, channel_bias, position),
      output_row(row0, row1, row2, w, channel_bias, position1),
      output_row(row1, row2, row3, w, channel_bias, position2),
      output_row(row2, row3, quad_row(next, 0u), w, channel_bias, position3));

    above = row3;
    quad = next;
    position = next_row(position3);
  }
}
