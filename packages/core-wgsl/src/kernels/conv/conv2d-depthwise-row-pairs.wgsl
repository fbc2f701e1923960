// Depthwise 3×3 convolution with stride 1, dilation 1 and a padding of 1 on every side, for CPU
// adapters and small maps: rows of an even width {{WIDTH}}, an even number of rows. Each
// invocation computes one whole plane, two rows at a time. Two rows are 2 × {{WIDTH}} values,
// a multiple of 4, and every even row starts on a multiple of 4, so a row pair is read and
// written as aligned vec4s with no halo: the padding columns are zeros in registers.
// On lavapipe every storage load and store runs lane by lane, so the strip kernel's rows of 14
// (vec2 loads and stores, one halo value each side) cost about twice as many memory operations.
// Bindings: input NCHW, weights OIHW with I = 1, [bias], [residual], output NCHW, both read and
// written as vec4s.

@group(0) @binding(1) var<storage, read> input: array<vec4<f32>>;
// f16 weights widen to f32 on load, so the products and sums stay f32.
#if WEIGHTS_F16
@group(0) @binding(2) var<storage, read> weights: array<f16>;
#else
@group(0) @binding(2) var<storage, read> weights: array<f32>;
#endif
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<vec4<f32>>;

const WIDTH = {{WIDTH}}u;
// vec4s in a pair of rows.
const PAIR_VECTORS = WIDTH / 2u;

// Rows `first_row` and `first_row + 1` of the plane that starts at vec4 `plane_vector`.
fn load_row_pair(plane_vector: u32, first_row: u32) -> array<f32, 2 * WIDTH> {
  let base = plane_vector + first_row * WIDTH / 4u;
  var values: array<f32, 2 * WIDTH>;
  for (var q = 0u; q < PAIR_VECTORS; q++) {
    let v = input[base + q];
    values[4u * q] = v.x;
    values[4u * q + 1u] = v.y;
    values[4u * q + 2u] = v.z;
    values[4u * q + 3u] = v.w;
  }
  return values;
}

// One kernel row's taps (w0, w1, w2) along the row that starts at `values[offset]`, with zeros
// for the padding columns: sums[x] = w0 · row[x - 1] + w1 · row[x] + w2 · row[x + 1].
fn kernel_row(values: array<f32, 2 * WIDTH>, offset: u32, w0: f32, w1: f32, w2: f32) -> array<f32, WIDTH> {
  var sums: array<f32, WIDTH>;
  for (var x = 0u; x < WIDTH; x++) {
    var sum = values[offset + x] * w1;
    if (x > 0u) {
      sum = fma(values[offset + x - 1u], w0, sum);
    }
    if (x + 1u < WIDTH) {
      sum = fma(values[offset + x + 1u], w2, sum);
    }
    sums[x] = sum;
  }
  return sums;
}

// `sums` plus one kernel row's taps along the row that starts at `values[offset]`.
fn add_kernel_row(sums: array<f32, WIDTH>, values: array<f32, 2 * WIDTH>, offset: u32, w0: f32, w1: f32, w2: f32) -> array<f32, WIDTH> {
  let row = kernel_row(values, offset, w0, w1, w2);
  var result: array<f32, WIDTH>;
  for (var x = 0u; x < WIDTH; x++) {
    result[x] = sums[x] + row[x];
  }
  return result;
}

// Writes output rows `first_row` (`upper`) and `first_row + 1` (`lower`) through the epilogue.
fn store_row_pair(plane_vector: u32, first_row: u32, upper: array<f32, WIDTH>, lower: array<f32, WIDTH>, channel_bias: f32) {
  var values: array<f32, 2 * WIDTH>;
  for (var x = 0u; x < WIDTH; x++) {
    values[x] = upper[x];
    values[WIDTH + x] = lower[x];
  }
  let base = plane_vector + first_row * WIDTH / 4u;
  for (var q = 0u; q < PAIR_VECTORS; q++) {
    let sums = vec4<f32>(values[4u * q], values[4u * q + 1u], values[4u * q + 2u], values[4u * q + 3u]);
    output[base + q] = epilogue4_after_bias(sums + vec4<f32>(channel_bias), 4u * (base + q));
  }
}

@compute @workgroup_size({{WORKGROUP_SIZE}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let plane_index = (wid.x + wid.y * nwg.x) * {{WORKGROUP_SIZE}}u + lid;
#if PARTIAL_WORKGROUP
  if (plane_index >= params.work_count) {
    return;
  }
#endif
  let out_channel = plane_index % params.out_channels;
  let image = plane_index / params.out_channels;
  let in_channel = out_channel / params.out_channels_per_group;
  let plane_vectors = params.out_height * WIDTH / 4u;
  let in_plane = (image * params.in_channels + in_channel) * plane_vectors;
  let out_plane = plane_index * plane_vectors;

  var w: array<f32, 9>;
  for (var t = 0u; t < 9u; t++) {
    w[t] = f32(weights[out_channel * 9u + t]);
  }
#if HAS_BIAS
  let channel_bias = bias[out_channel];
#else
  let channel_bias = 0.0;
#endif

  // Output row r reads input rows r - 1, r and r + 1 through kernel rows 0, 1 and 2; rows -1 and
  // out_height are padding. Each pair of input rows (a, b) = (2i, 2i + 1) completes output
  // rows 2i - 1 and 2i and starts rows 2i + 1 and 2i + 2, which carry over as partial sums.
  // Completed rows are stored in pairs (2i - 2, 2i - 1), which start on a multiple of 4.
  let first = load_row_pair(in_plane, 0u);
  var done = add_kernel_row(kernel_row(first, 0u, w[3], w[4], w[5]), first, WIDTH, w[6], w[7], w[8]);
  var next = add_kernel_row(kernel_row(first, 0u, w[0], w[1], w[2]), first, WIDTH, w[3], w[4], w[5]);
  var after_next = kernel_row(first, WIDTH, w[0], w[1], w[2]);

  for (var row = 2u; row < params.out_height; row += 2u) {
    let pair = load_row_pair(in_plane, row);
    let completed = add_kernel_row(next, pair, 0u, w[6], w[7], w[8]);
    store_row_pair(out_plane, row - 2u, done, completed, channel_bias);

    done = add_kernel_row(add_kernel_row(after_next, pair, 0u, w[3], w[4], w[5]), pair, WIDTH, w[6], w[7], w[8]);
    next = add_kernel_row(kernel_row(pair, 0u, w[0], w[1], w[2]), pair, WIDTH, w[3], w[4], w[5]);
    after_next = kernel_row(pair, WIDTH, w[0], w[1], w[2]);
  }

  // The last row's bottom neighbour is padding, so `next` is complete.
  store_row_pair(out_plane, params.out_height - 2u, done, next, channel_bias);
}
