// Depthwise 3×3 convolution with dilation 1 and stride 1 or 2 (one input channel per group, any
// channel multiplier), for CPU adapters. Each invocation computes a strip of {{STRIP}} output
// columns of one plane and walks down all its rows. It loads each input row under the strip
// once and the 9 weights once per strip. On lavapipe every storage load is issued once per
// lane, so loading each input value once instead of 2-3 times is what makes this kernel fast on
// small maps. On a GPU, one long loop per invocation leaves most of the device idle, so there
// it is a tuning candidate only.
// Bindings: input NCHW, weights OIHW with I = 1, [bias], [residual], output NCHW. With
// VECTOR_IO (rows of a multiple of {{VECTOR}} values, windows starting on such a column or one
// before it) the input is read as vectors of {{VECTOR}}, and with OUTPUT_VECTOR_IO (strips of a
// multiple of {{VECTOR}} outputs as well) the output is written as such vectors too.

#if VECTOR_IO
@group(0) @binding(1) var<storage, read> input: array<vec{{VECTOR}}<f32>>;
#else
@group(0) @binding(1) var<storage, read> input: array<f32>;
#endif
// f16 weights widen to f32 on load, so the products and sums stay f32.
#if WEIGHTS_F16
@group(0) @binding(2) var<storage, read> weights: array<f16>;
#else
@group(0) @binding(2) var<storage, read> weights: array<f32>;
#endif
#if OUTPUT_VECTOR_IO
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<vec{{VECTOR}}<f32>>;
#else
@group(0) @binding({{OUTPUT_BINDING}}) var<storage, read_write> output: array<f32>;
#endif

const STRIP = {{STRIP}}u;
const STRIDE = {{STRIDE}}u;
// Input columns under a strip: output j reads columns j * STRIDE .. j * STRIDE + 2.
const WINDOW = {{WINDOW}}u;

// The strip's input columns of row in_y, starting at in_x0, with 0 in the padding.
fn load_window(plane: u32, in_y: i32, in_x0: i32) -> array<f32, WINDOW> {
  let row_inside = in_y >= 0 && in_y < i32(params.in_height);
  let row = (plane + u32(clamp(in_y, 0, i32(params.in_height) - 1))) * params.in_width;
  var window: array<f32, WINDOW>;
#if VECTOR_IO
  // Aligned vectors from in_x0 - VECTOR_OFFSET: fewer loads, each of which lavapipe issues lane by
  // lane. The row width is a multiple of {{VECTOR}}, so a vector is all inside or all outside.
  var vectors: array<vec{{VECTOR}}<f32>, {{VECTORS}}>;
  for (var v = 0u; v < {{VECTORS}}u; v++) {
#if PADDING_VECTORS
    // One strip covers the row, so the first and last vectors lie in the padding of every row.
    if (v == 0u || v == {{VECTORS}}u - 1u) {
      continue;
    }
#endif
    let x = in_x0 - {{VECTOR_OFFSET}} + {{VECTOR}} * i32(v);
    let inside = row_inside && x >= 0 && x < i32(params.in_width);
    vectors[v] = select(vec{{VECTOR}}<f32>(), input[(row + u32(clamp(x, 0, i32(params.in_width) - {{VECTOR}}))) / {{VECTOR}}u], inside);
  }
  for (var i = 0u; i < WINDOW; i++) {
    window[i] = vectors[(i + {{VECTOR_OFFSET}}u) / {{VECTOR}}u][(i + {{VECTOR_OFFSET}}u) % {{VECTOR}}u];
  }
#else
  for (var i = 0u; i < WINDOW; i++) {
    let x = in_x0 + i32(i);
#if PADDING_COLUMNS
    // One strip covers the row, so its outer window columns are padding in every row: they stay
    // 0 without a load, which lavapipe would issue lane by lane.
    if (i == 0u || i == WINDOW - 1u) {
      continue;
    }
#endif
#if CHECK_INNER_COLUMNS
    let edge = true;
#else
    // With padding of at most 1 and no strip past the right edge, only the window's outer
    // columns can fall in the padding. Unchecked loads make the shader shorter and faster to compile.
    let edge = i == 0u || i == WINDOW - 1u;
#endif
    if (edge) {
      let inside = row_inside && x >= 0 && x < i32(params.in_width);
      window[i] = select(0.0, input[row + u32(clamp(x, 0, i32(params.in_width) - 1))], inside);
    } else {
      window[i] = select(0.0, input[row + u32(x)], row_inside);
    }
  }
#endif
  return window;
}

@compute @workgroup_size({{WORKGROUP_SIZE}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let linear = (wid.x + wid.y * nwg.x) * {{WORKGROUP_SIZE}}u + lid;
  if (linear >= params.work_count) {
    return;
  }
  let strips_per_row = (params.out_width + STRIP - 1u) / STRIP;
  let strip = linear % strips_per_row;
  let plane_index = linear / strips_per_row;
  let out_channel = plane_index % params.out_channels;
  let image = plane_index / params.out_channels;
  let in_channel = out_channel / params.out_channels_per_group;
  let plane = (image * params.in_channels + in_channel) * params.in_height;
  let first_x = strip * STRIP;
  let in_x0 = i32(first_x * STRIDE) - params.pad_left;
  let in_y0 = -params.pad_top;

  var w: array<f32, 9>;
  for (var t = 0u; t < 9u; t++) {
    w[t] = f32(weights[out_channel * 9u + t]);
  }
  // The bias, loaded once per strip instead of once per output store.
#if HAS_BIAS
  let channel_bias = bias[out_channel];
#endif

  // Output row y reads input rows y * STRIDE + in_y0 + 0, 1 and 2 through kernel rows 0, 1 and 2.
  // Each input row is loaded once, when it is the bottom row of an output row, and its products
  // with the other kernel rows carry over as partial sums of the next output rows. Partial sums
  // take fewer registers than the windows they came from (STRIP values against WINDOW).
  let first_index = (image * params.out_channels + out_channel) * params.out_height * params.out_width + first_x;
  let first = load_window(plane, in_y0, in_x0);
  // The top and middle rows' sums of the current output row (row_sum), and at stride 1 the top
  // row's sum of the next one (next_sum).
  var row_sum = kernel_row(first, w[0], w[1], w[2]);
#if STRIDE_1
  let second = load_window(plane, in_y0 + 1, in_x0);
  row_sum = add_kernel_row(row_sum, second, w[3], w[4], w[5]);
  var next_sum = kernel_row(second, w[0], w[1], w[2]);
#endif
  for (var y = 0u; y < params.out_height; y++) {
    let in_y = in_y0 + i32(y * STRIDE);
#if STRIDE_2
    row_sum = add_kernel_row(row_sum, load_window(plane, in_y + 1, in_x0), w[3], w[4], w[5]);
#endif
    let bottom = load_window(plane, in_y + 2, in_x0);
    var sums = add_kernel_row(row_sum, bottom, w[6], w[7], w[8]);
#if HAS_BIAS
    for (var j = 0u; j < STRIP; j++) {
      sums[j] += channel_bias;
    }
#endif

    let index = first_index + y * params.out_width;
#if VEC4_IO
    for (var q = 0u; q < STRIP / 4u; q++) {
      let values = vec4<f32>(sums[4u * q], sums[4u * q + 1u], sums[4u * q + 2u], sums[4u * q + 3u]);
      output[index / 4u + q] = epilogue4_after_bias(values, index + 4u * q);
    }
#else
#if OUTPUT_VECTOR_IO
    for (var q = 0u; q < STRIP / 2u; q++) {
      output[index / 2u + q] = vec2<f32>(epilogue_after_bias(sums[2u * q], index + 2u * q),
                                         epilogue_after_bias(sums[2u * q + 1u], index + 2u * q + 1u));
    }
#else
    for (var j = 0u; j < STRIP; j++) {
#if PARTIAL_STRIPS
      if (first_x + j < params.out_width) {
        output[index + j] = epilogue_after_bias(sums[j], index + j);
      }
#else
      output[index + j] = epilogue_after_bias(sums[j], index + j);
#endif
    }
#endif
#endif

#if STRIDE_1
    row_sum = add_kernel_row(next_sum, bottom, w[3], w[4], w[5]);
    next_sum = kernel_row(bottom, w[0], w[1], w[2]);
#else
    row_sum = kernel_row(bottom, w[0], w[1], w[2]);
#endif
  }
}

// One kernel row's taps (w0, w1, w2) over the strip: output j reads window[j * STRIDE .. + 2].
fn kernel_row(window: array<f32, WINDOW>, w0: f32, w1: f32, w2: f32) -> array<f32, STRIP> {
  var sums: array<f32, STRIP>;
  for (var j = 0u; j < STRIP; j++) {
    let t = j * STRIDE;
    sums[j] = fma(window[t], w0, fma(window[t + 1u], w1, window[t + 2u] * w2));
  }
  return sums;
}

// Adds one kernel row's taps over the strip to `sums`.
fn add_kernel_row(sums: array<f32, STRIP>, window: array<f32, WINDOW>, w0: f32, w1: f32, w2: f32) -> array<f32, STRIP> {
  var result = sums;
  for (var j = 0u; j < STRIP; j++) {
    let t = j * STRIDE;
    result[j] = fma(window[t], w0, fma(window[t + 1u], w1, fma(window[t + 2u], w2, result[j])));
  }
  return result;
}