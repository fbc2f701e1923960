// A 1×1 expansion fused with the stride-2 3×3 depthwise convolution that follows it, as in the
// downsampling blocks of MobileNetV2, for devices with subgroups of 8 or more lanes:
//   expanded = act_e(W_e · input + b_e)                     (1×1 convolution, K → C channels)
//   output = act_d(depthwise_3x3(expanded, stride 2) + b_d)  (C channels)
// The expanded tensor, the block's largest, never reaches memory: on lavapipe every store runs
// lane by lane with a bounds check, and writing it took 45% of the time of MobileNetV2's 16→96
// layer at batch 8.
// Each invocation takes one image's strip of 4 output columns, whose input columns are
// x0 .. x0 + 7 with x0 = 8·strip, for a block of 32 channels, and walks down its rows. For each
// input row it computes the 32 channels' expanded values over the strip's 9 input columns (a
// Window) like the GEMM block of register-block-32x8-subgroup.wgsl: each lane loads one vec4 of
// the step's 32 weights and subgroupBroadcast hands them to every lane. It then adds the row's
// depthwise taps to the partial sums of the output row, as conv2d-depthwise-strip.wgsl does.
// All lanes of a workgroup share the channel block and the row.
// Bindings: input NCHW, expansion weights packed by packExpandWeights, depthwise weights and both
// biases packed by packChannelWeights, output NCHW. Rows of a multiple of 4 values are read
// (VEC4_INPUT) and written (VEC4_OUTPUT) as vec4s, other rows value by value; a strip past the
// right edge of the output writes its last column again in place of the columns outside it.

struct ExpandDepthwiseParams {
  batch: u32,
  in_channels: u32,     // K, the 1×1 convolution's input channels
  height: u32,          // input rows, which are also the expanded rows
  width: u32,           // input columns
  channels: u32,        // C, the expanded and output channels
  out_height: u32,
  out_width: u32,
  pad_top: i32,
  strips_per_row: u32,
  strip_count: u32,     // batch × strips_per_row
  expand_min: f32,      // the expansion's clamp activation (none, ReLU or ReLU6)
  expand_max: f32,
  expand_clamp: u32,
  depthwise_min: f32,   // the depthwise convolution's clamp activation
  depthwise_max: f32,
  depthwise_clamp: u32,
}

@group(0) @binding(0) var<uniform> params: ExpandDepthwiseParams;
#if VEC4_INPUT
@group(0) @binding(1) var<storage, read> input: array<vec4<f32>>;
#else
@group(0) @binding(1) var<storage, read> input: array<f32>;
#endif
// f16 expansion weights widen to f32 on load, so the products and sums stay f32.
#if WEIGHTS_F16
@group(0) @binding(2) var<storage, read> expand_weights: array<vec4<f16>>;
#else
@group(0) @binding(2) var<storage, read> expand_weights: array<vec4<f32>>;
#endif
@group(0) @binding(3) var<storage, read> depthwise_weights: array<vec4<f32>>;
#if VEC4_OUTPUT
@group(0) @binding(4) var<storage, read_write> output: array<vec4<f32>>;
#else
@group(0) @binding(4) var<storage, read_write> output: array<f32>;
#endif

// The strip's input columns of one row, then their expanded values: x0 .. x0 + 3, x0 + 4 .. x0 + 7,
// and the column the padding adds, x0 - 1 with LEFT_HALO (left pad 1), else x0 + 8.
struct Window {
  lo: vec4<f32>,
  hi: vec4<f32>,
  edge: f32,
}

// One channel of the block: its expanded window of the current row and the partial sums of the
// strip's next output row.
struct Channel {
  window: Window,
  row_sum: vec4<f32>,
}

// The weights and biases of 4 channels, one per component: the depthwise taps (kernel row-major)
// and biases, and the expansion biases. Lane l of a subgroup loads channels 4l .. 4l + 3 of the
// block once per row, and subgroupBroadcast hands them to every lane after the reduction loop.
// Across that loop each lane holds 44 values instead of the block's 352: with them all held,
// the pipeline took 16 s to compile on lavapipe instead of 4.
struct ChannelWeights {
  taps: array<vec4<f32>, 9>,
  depthwise_bias: vec4<f32>,
  expand_bias: vec4<f32>,
}

var<private> ch0: Channel;
var<private> ch1: Channel;
var<private> ch2: Channel;
var<private> ch3: Channel;
var<private> ch4: Channel;
var<private> ch5: Channel;
var<private> ch6: Channel;
var<private> ch7: Channel;
var<private> ch8: Channel;
var<private> ch9: Channel;
var<private> ch10: Channel;
var<private> ch11: Channel;
var<private> ch12: Channel;
var<private> ch13: Channel;
var<private> ch14: Channel;
var<private> ch15: Channel;
var<private> ch16: Channel;
var<private> ch17: Channel;
var<private> ch18: Channel;
var<private> ch19: Channel;
var<private> ch20: Channel;
var<private> ch21: Channel;
var<private> ch22: Channel;
var<private> ch23: Channel;
var<private> ch24: Channel;
var<private> ch25: Channel;
var<private> ch26: Channel;
var<private> ch27: Channel;
var<private> ch28: Channel;
var<private> ch29: Channel;
var<private> ch30: Channel;
var<private> ch31: Channel;

fn activate_expanded(x: f32) -> f32 {
  return select(x, clamp(x, params.expand_min, params.expand_max), params.expand_clamp != 0u);
}

fn activate_expanded4(x: vec4<f32>) -> vec4<f32> {
  return select(x, clamp(x, vec4<f32>(params.expand_min), vec4<f32>(params.expand_max)), params.expand_clamp != 0u);
}

fn activate_output4(x: vec4<f32>) -> vec4<f32> {
  return select(x, clamp(x, vec4<f32>(params.depthwise_min), vec4<f32>(params.depthwise_max)), params.depthwise_clamp != 0u);
}

// The input window of one channel's row, whose column x0 is at `index` of the input (counted in
// vec4s with VEC4_INPUT). Columns outside the row read any value in the buffer: finish_channel
// zeroes them after the activation.
fn load_window(index: u32) -> Window {
  let last = arrayLength(&input) - 1u;
#if VEC4_INPUT
#if LEFT_HALO
  let edge = input[min(max(index, 1u) - 1u, last)].w;
#else
  let edge = input[min(index + 2u, last)].x;
#endif
  return Window(input[min(index, last)], input[min(index + 1u, last)], edge);
#else
#if LEFT_HALO
  let edge = input[min(max(index, 1u) - 1u, last)];
#else
  let edge = input[min(index + 8u, last)];
#endif
  let lo = vec4<f32>(input[min(index, last)], input[min(index + 1u, last)], input[min(index + 2u, last)], input[min(index + 3u, last)]);
  let hi = vec4<f32>(input[min(index + 4u, last)], input[min(index + 5u, last)], input[min(index + 6u, last)], input[min(index + 7u, last)]);
  return Window(lo, hi, edge);
#endif
}

// Adds weight · x to one channel's window: one reduction step.
fn add_step(window: ptr<private, Window>, weight: f32, x: Window) {
  (*window).lo = fma(vec4<f32>(weight), x.lo, (*window).lo);
  (*window).hi = fma(vec4<f32>(weight), x.hi, (*window).hi);
  (*window).edge = fma(weight, x.edge, (*window).edge);
}

// Adds two reduction steps, each accumulator's two multiply-adds next to each other, so that a
// spilled accumulator is loaded and stored once for both.
fn add_two_steps(window: ptr<private, Window>, weight_a: f32, a: Window, weight_b: f32, b: Window) {
  (*window).lo = fma(vec4<f32>(weight_b), b.lo, fma(vec4<f32>(weight_a), a.lo, (*window).lo));
  (*window).hi = fma(vec4<f32>(weight_b), b.hi, fma(vec4<f32>(weight_a), a.hi, (*window).hi));
  (*window).edge = fma(weight_b, b.edge, fma(weight_a, a.edge, (*window).edge));
}

// Adds one reduction step for the block's 32 channels: lane l holds the weights of channels
// 4l .. 4l + 3 in `weights`.
@diagnostic(off, subgroup_uniformity)
fn accumulate_step(weights: vec4<f32>, x: Window) {
  let w0 = subgroupBroadcast(weights, 0u);
  add_step(&ch0.window, w0.x, x);
  add_step(&ch1.window, w0.y, x);
  add_step(&ch2.window, w0.z, x);
  add_step(&ch3.window, w0.w, x);
  let w1 = subgroupBroadcast(weights, 1u);
  add_step(&ch4.window, w1.x, x);
  add_step(&ch5.window, w1.y, x);
  add_step(&ch6.window, w1.z, x);
  add_step(&ch7.window, w1.w, x);
  let w2 = subgroupBroadcast(weights, 2u);
  add_step(&ch8.window, w2.x, x);
  add_step(&ch9.window, w2.y, x);
  add_step(&ch10.window, w2.z, x);
  add_step(&ch11.window, w2.w, x);
  let w3 = subgroupBroadcast(weights, 3u);
  add_step(&ch12.window, w3.x, x);
  add_step(&ch13.window, w3.y, x);
  add_step(&ch14.window, w3.z, x);
  add_step(&ch15.window, w3.w, x);
  let w4 = subgroupBroadcast(weights, 4u);
  add_step(&ch16.window, w4.x, x);
  add_step(&ch17.window, w4.y, x);
  add_step(&ch18.window, w4.z, x);
  add_step(&ch19.window, w4.w, x);
  let w5 = subgroupBroadcast(weights, 5u);
  add_step(&ch20.window, w5.x, x);
  add_step(&ch21.window, w5.y, x);
  add_step(&ch22.window, w5.z, x);
  add_step(&ch23.window, w5.w, x);
  let w6 = subgroupBroadcast(weights, 6u);
  add_step(&ch24.window, w6.x, x);
  add_step(&ch25.window, w6.y, x);
  add_step(&ch26.window, w6.z, x);
  add_step(&ch27.window, w6.w, x);
  let w7 = subgroupBroadcast(weights, 7u);
  add_step(&ch28.window, w7.x, x);
  add_step(&ch29.window, w7.y, x);
  add_step(&ch30.window, w7.z, x);
  add_step(&ch31.window, w7.w, x);
}

// Adds two reduction steps (weights_a with a, then weights_b with b) for the block's 32 channels.
@diagnostic(off, subgroup_uniformity)
fn accumulate_two_steps(weights_a: vec4<f32>, a: Window, weights_b: vec4<f32>, b: Window) {
  let a0 = subgroupBroadcast(weights_a, 0u);
  let b0 = subgroupBroadcast(weights_b, 0u);
  add_two_steps(&ch0.window, a0.x, a, b0.x, b);
  add_two_steps(&ch1.window, a0.y, a, b0.y, b);
  add_two_steps(&ch2.window, a0.z, a, b0.z, b);
  add_two_steps(&ch3.window, a0.w, a, b0.w, b);
  let a1 = subgroupBroadcast(weights_a, 1u);
  let b1 = subgroupBroadcast(weights_b, 1u);
  add_two_steps(&ch4.window, a1.x, a, b1.x, b);
  add_two_steps(&ch5.window, a1.y, a, b1.y, b);
  add_two_steps(&ch6.window, a1.z, a, b1.z, b);
  add_two_steps(&ch7.window, a1.w, a, b1.w, b);
  let a2 = subgroupBroadcast(weights_a, 2u);
  let b2 = subgroupBroadcast(weights_b, 2u);
  add_two_steps(&ch8.window, a2.x, a, b2.x, b);
  add_two_steps(&ch9.window, a2.y, a, b2.y, b);
  add_two_steps(&ch10.window, a2.z, a, b2.z, b);
  add_two_steps(&ch11.window, a2.w, a, b2.w, b);
  let a3 = subgroupBroadcast(weights_a, 3u);
  let b3 = subgroupBroadcast(weights_b, 3u);
  add_two_steps(&ch12.window, a3.x, a, b3.x, b);
  add_two_steps(&ch13.window, a3.y, a, b3.y, b);
  add_two_steps(&ch14.window, a3.z, a, b3.z, b);
  add_two_steps(&ch15.window, a3.w, a, b3.w, b);
  let a4 = subgroupBroadcast(weights_a, 4u);
  let b4 = subgroupBroadcast(weights_b, 4u);
  add_two_steps(&ch16.window, a4.x, a, b4.x, b);
  add_two_steps(&ch17.window, a4.y, a, b4.y, b);
  add_two_steps(&ch18.window, a4.z, a, b4.z, b);
  add_two_steps(&ch19.window, a4.w, a, b4.w, b);
  let a5 = subgroupBroadcast(weights_a, 5u);
  let b5 = subgroupBroadcast(weights_b, 5u);
  add_two_steps(&ch20.window, a5.x, a, b5.x, b);
  add_two_steps(&ch21.window, a5.y, a, b5.y, b);
  add_two_steps(&ch22.window, a5.z, a, b5.z, b);
  add_two_steps(&ch23.window, a5.w, a, b5.w, b);
  let a6 = subgroupBroadcast(weights_a, 6u);
  let b6 = subgroupBroadcast(weights_b, 6u);
  add_two_steps(&ch24.window, a6.x, a, b6.x, b);
  add_two_steps(&ch25.window, a6.y, a, b6.y, b);
  add_two_steps(&ch26.window, a6.z, a, b6.z, b);
  add_two_steps(&ch27.window, a6.w, a, b6.w, b);
  let a7 = subgroupBroadcast(weights_a, 7u);
  let b7 = subgroupBroadcast(weights_b, 7u);
  add_two_steps(&ch28.window, a7.x, a, b7.x, b);
  add_two_steps(&ch29.window, a7.y, a, b7.y, b);
  add_two_steps(&ch30.window, a7.z, a, b7.z, b);
  add_two_steps(&ch31.window, a7.w, a, b7.w, b);
}

// Starts each channel's window of a row at its expansion bias, or at zero for a padding row.
@diagnostic(off, subgroup_uniformity)
fn start_row(weights: ChannelWeights, row_inside: bool) {
  let bias0 = select(vec4<f32>(), subgroupBroadcast(weights.expand_bias, 0u), row_inside);
  ch0.window = Window(vec4<f32>(bias0.x), vec4<f32>(bias0.x), bias0.x);
  ch1.window = Window(vec4<f32>(bias0.y), vec4<f32>(bias0.y), bias0.y);
  ch2.window = Window(vec4<f32>(bias0.z), vec4<f32>(bias0.z), bias0.z);
  ch3.window = Window(vec4<f32>(bias0.w), vec4<f32>(bias0.w), bias0.w);
  let bias1 = select(vec4<f32>(), subgroupBroadcast(weights.expand_bias, 1u), row_inside);
  ch4.window = Window(vec4<f32>(bias1.x), vec4<f32>(bias1.x), bias1.x);
  ch5.window = Window(vec4<f32>(bias1.y), vec4<f32>(bias1.y), bias1.y);
  ch6.window = Window(vec4<f32>(bias1.z), vec4<f32>(bias1.z), bias1.z);
  ch7.window = Window(vec4<f32>(bias1.w), vec4<f32>(bias1.w), bias1.w);
  let bias2 = select(vec4<f32>(), subgroupBroadcast(weights.expand_bias, 2u), row_inside);
  ch8.window = Window(vec4<f32>(bias2.x), vec4<f32>(bias2.x), bias2.x);
  ch9.window = Window(vec4<f32>(bias2.y), vec4<f32>(bias2.y), bias2.y);
  ch10.window = Window(vec4<f32>(bias2.z), vec4<f32>(bias2.z), bias2.z);
  ch11.window = Window(vec4<f32>(bias2.w), vec4<f32>(bias2.w), bias2.w);
  let bias3 = select(vec4<f32>(), subgroupBroadcast(weights.expand_bias, 3u), row_inside);
  ch12.window = Window(vec4<f32>(bias3.x), vec4<f32>(bias3.x), bias3.x);
  ch13.window = Window(vec4<f32>(bias3.y), vec4<f32>(bias3.y), bias3.y);
  ch14.window = Window(vec4<f32>(bias3.z), vec4<f32>(bias3.z), bias3.z);
  ch15.window = Window(vec4<f32>(bias3.w), vec4<f32>(bias3.w), bias3.w);
  let bias4 = select(vec4<f32>(), subgroupBroadcast(weights.expand_bias, 4u), row_inside);
  ch16.window = Window(vec4<f32>(bias4.x), vec4<f32>(bias4.x), bias4.x);
  ch17.window = Window(vec4<f32>(bias4.y), vec4<f32>(bias4.y), bias4.y);
  ch18.window = Window(vec4<f32>(bias4.z), vec4<f32>(bias4.z), bias4.z);
  ch19.window = Window(vec4<f32>(bias4.w), vec4<f32>(bias4.w), bias4.w);
  let bias5 = select(vec4<f32>(), subgroupBroadcast(weights.expand_bias, 5u), row_inside);
  ch20.window = Window(vec4<f32>(bias5.x), vec4<f32>(bias5.x), bias5.x);
  ch21.window = Window(vec4<f32>(bias5.y), vec4<f32>(bias5.y), bias5.y);
  ch22.window = Window(vec4<f32>(bias5.z), vec4<f32>(bias5.z), bias5.z);
  ch23.window = Window(vec4<f32>(bias5.w), vec4<f32>(bias5.w), bias5.w);
  let bias6 = select(vec4<f32>(), subgroupBroadcast(weights.expand_bias, 6u), row_inside);
  ch24.window = Window(vec4<f32>(bias6.x), vec4<f32>(bias6.x), bias6.x);
  ch25.window = Window(vec4<f32>(bias6.y), vec4<f32>(bias6.y), bias6.y);
  ch26.window = Window(vec4<f32>(bias6.z), vec4<f32>(bias6.z), bias6.z);
  ch27.window = Window(vec4<f32>(bias6.w), vec4<f32>(bias6.w), bias6.w);
  let bias7 = select(vec4<f32>(), subgroupBroadcast(weights.expand_bias, 7u), row_inside);
  ch28.window = Window(vec4<f32>(bias7.x), vec4<f32>(bias7.x), bias7.x);
  ch29.window = Window(vec4<f32>(bias7.y), vec4<f32>(bias7.y), bias7.y);
  ch30.window = Window(vec4<f32>(bias7.z), vec4<f32>(bias7.z), bias7.z);
  ch31.window = Window(vec4<f32>(bias7.w), vec4<f32>(bias7.w), bias7.w);
}

// Stores one channel's 4 outputs of the strip. Channel `i` of the block past the last channel
// stores the last channel's outputs (see packExpandWeights), and a column past the right edge the
// strip's last column inside, so every store writes a value that belongs there.
fn store_output(step: RowStep, i: u32, completed: vec4<f32>) {
  let index = step.output_index + min(step.first_channel + i, params.channels - 1u) * step.plane_size;
#if VEC4_OUTPUT
  output[index / 4u] = completed;
#else
  let last = step.columns_inside - 1u;
  output[index] = completed.x;
  output[index + min(1u, last)] = completed[min(1u, last)];
  output[index + min(2u, last)] = completed[min(2u, last)];
  output[index + min(3u, last)] = completed[min(3u, last)];
#endif
}

// Finishes one input row for the block's channels (finish_channel) and stores the output row it
// completes. Channels past the last one store the last channel's outputs again (see
// packExpandWeights), so the stores need no check per channel.
@diagnostic(off, subgroup_uniformity)
fn finish_row(weights: ChannelWeights, step: RowStep) {
  let group0 = ChannelWeights(array<vec4<f32>, 9>(subgroupBroadcast(weights.taps[0], 0u), subgroupBroadcast(weights.taps[1], 0u), subgroupBroadcast(weights.taps[2], 0u), subgroupBroadcast(weights.taps[3], 0u), subgroupBroadcast(weights.taps[4], 0u), subgroupBroadcast(weights.taps[5], 0u), subgroupBroadcast(weights.taps[6], 0u), subgroupBroadcast(weights.taps[7], 0u), subgroupBroadcast(weights.taps[8], 0u)),
                               subgroupBroadcast(weights.depthwise_bias, 0u), vec4<f32>());
  let completed0 = finish_channel(&ch0, group0, 0u, step);
  let completed1 = finish_channel(&ch1, group0, 1u, step);
  let completed2 = finish_channel(&ch2, group0, 2u, step);
  let completed3 = finish_channel(&ch3, group0, 3u, step);
  let group1 = ChannelWeights(array<vec4<f32>, 9>(subgroupBroadcast(weights.taps[0], 1u), subgroupBroadcast(weights.taps[1], 1u), subgroupBroadcast(weights.taps[2], 1u), subgroupBroadcast(weights.taps[3], 1u), subgroupBroadcast(weights.taps[4], 1u), subgroupBroadcast(weights.taps[5], 1u), subgroupBroadcast(weights.taps[6], 1u), subgroupBroadcast(weights.taps[7], 1u), subgroupBroadcast(weights.taps[8], 1u)),
                               subgroupBroadcast(weights.depthwise_bias, 1u), vec4<f32>());
  let completed4 = finish_channel(&ch4, group1, 0u, step);
  let completed5 = finish_channel(&ch5, group1, 1u, step);
  let completed6 = finish_channel(&ch6, group1, 2u, step);
  let completed7 = finish_channel(&ch7, group1, 3u, step);
  let group2 = ChannelWeights(array<vec4<f32>, 9>(subgroupBroadcast(weights.taps[0], 2u), subgroupBroadcast(weights.taps[1], 2u), subgroupBroadcast(weights.taps[2], 2u), subgroupBroadcast(weights.taps[3], 2u), subgroupBroadcast(weights.taps[4], 2u), subgroupBroadcast(weights.taps[5], 2u), subgroupBroadcast(weights.taps[6], 2u), subgroupBroadcast(weights.taps[7], 2u), subgroupBroadcast(weights.taps[8], 2u)),
                               subgroupBroadcast(weights.depthwise_bias, 2u), vec4<f32>());
  let completed8 = finish_channel(&ch8, group2, 0u, step);
  let completed9 = finish_channel(&ch9, group2, 1u, step);
  let completed10 = finish_channel(&ch10, group2, 2u, step);
  let completed11 = finish_channel(&ch11, group2, 3u, step);
  let group3 = ChannelWeights(array<vec4<f32>, 9>(subgroupBroadcast(weights.taps[0], 3u), subgroupBroadcast(weights.taps[1], 3u), subgroupBroadcast(weights.taps[2], 3u), subgroupBroadcast(weights.taps[3], 3u), subgroupBroadcast(weights.taps[4], 3u), subgroupBroadcast(weights.taps[5], 3u), subgroupBroadcast(weights.taps[6], 3u), subgroupBroadcast(weights.taps[7], 3u), subgroupBroadcast(weights.taps[8], 3u)),
                               subgroupBroadcast(weights.depthwise_bias, 3u), vec4<f32>());
  let completed12 = finish_channel(&ch12, group3, 0u, step);
  let completed13 = finish_channel(&ch13, group3, 1u, step);
  let completed14 = finish_channel(&ch14, group3, 2u, step);
  let completed15 = finish_channel(&ch15, group3, 3u, step);
  let group4 = ChannelWeights(array<vec4<f32>, 9>(subgroupBroadcast(weights.taps[0], 4u), subgroupBroadcast(weights.taps[1], 4u), subgroupBroadcast(weights.taps[2], 4u), subgroupBroadcast(weights.taps[3], 4u), subgroupBroadcast(weights.taps[4], 4u), subgroupBroadcast(weights.taps[5], 4u), subgroupBroadcast(weights.taps[6], 4u), subgroupBroadcast(weights.taps[7], 4u), subgroupBroadcast(weights.taps[8], 4u)),
                               subgroupBroadcast(weights.depthwise_bias, 4u), vec4<f32>());
  let completed16 = finish_channel(&ch16, group4, 0u, step);
  let completed17 = finish_channel(&ch17, group4, 1u, step);
  let completed18 = finish_channel(&ch18, group4, 2u, step);
  let completed19 = finish_channel(&ch19, group4, 3u, step);
  let group5 = ChannelWeights(array<vec4<f32>, 9>(subgroupBroadcast(weights.taps[0], 5u), subgroupBroadcast(weights.taps[1], 5u), subgroupBroadcast(weights.taps[2], 5u), subgroupBroadcast(weights.taps[3], 5u), subgroupBroadcast(weights.taps[4], 5u), subgroupBroadcast(weights.taps[5], 5u), subgroupBroadcast(weights.taps[6], 5u), subgroupBroadcast(weights.taps[7], 5u), subgroupBroadcast(weights.taps[8], 5u)),
                               subgroupBroadcast(weights.depthwise_bias, 5u), vec4<f32>());
  let completed20 = finish_channel(&ch20, group5, 0u, step);
  let completed21 = finish_channel(&ch21, group5, 1u, step);
  let completed22 = finish_channel(&ch22, group5, 2u, step);
  let completed23 = finish_channel(&ch23, group5, 3u, step);
  let group6 = ChannelWeights(array<vec4<f32>, 9>(subgroupBroadcast(weights.taps[0], 6u), subgroupBroadcast(weights.taps[1], 6u), subgroupBroadcast(weights.taps[2], 6u), subgroupBroadcast(weights.taps[3], 6u), subgroupBroadcast(weights.taps[4], 6u), subgroupBroadcast(weights.taps[5], 6u), subgroupBroadcast(weights.taps[6], 6u), subgroupBroadcast(weights.taps[7], 6u), subgroupBroadcast(weights.taps[8], 6u)),
                               subgroupBroadcast(weights.depthwise_bias, 6u), vec4<f32>());
  let completed24 = finish_channel(&ch24, group6, 0u, step);
  let completed25 = finish_channel(&ch25, group6, 1u, step);
  let completed26 = finish_channel(&ch26, group6, 2u, step);
  let completed27 = finish_channel(&ch27, group6, 3u, step);
  let group7 = ChannelWeights(array<vec4<f32>, 9>(subgroupBroadcast(weights.taps[0], 7u), subgroupBroadcast(weights.taps[1], 7u), subgroupBroadcast(weights.taps[2], 7u), subgroupBroadcast(weights.taps[3], 7u), subgroupBroadcast(weights.taps[4], 7u), subgroupBroadcast(weights.taps[5], 7u), subgroupBroadcast(weights.taps[6], 7u), subgroupBroadcast(weights.taps[7], 7u), subgroupBroadcast(weights.taps[8], 7u)),
                               subgroupBroadcast(weights.depthwise_bias, 7u), vec4<f32>());
  let completed28 = finish_channel(&ch28, group7, 0u, step);
  let completed29 = finish_channel(&ch29, group7, 1u, step);
  let completed30 = finish_channel(&ch30, group7, 2u, step);
  let completed31 = finish_channel(&ch31, group7, 3u, step);
  if (step.store) {
    store_output(step, 0u, completed0);
    store_output(step, 1u, completed1);
    store_output(step, 2u, completed2);
    store_output(step, 3u, completed3);
    store_output(step, 4u, completed4);
    store_output(step, 5u, completed5);
    store_output(step, 6u, completed6);
    store_output(step, 7u, completed7);
    store_output(step, 8u, completed8);
    store_output(step, 9u, completed9);
    store_output(step, 10u, completed10);
    store_output(step, 11u, completed11);
    store_output(step, 12u, completed12);
    store_output(step, 13u, completed13);
    store_output(step, 14u, completed14);
    store_output(step, 15u, completed15);
    store_output(step, 16u, completed16);
    store_output(step, 17u, completed17);
    store_output(step, 18u, completed18);
    store_output(step, 19u, completed19);
    store_output(step, 20u, completed20);
    store_output(step, 21u, completed21);
    store_output(step, 22u, completed22);
    store_output(step, 23u, completed23);
    store_output(step, 24u, completed24);
    store_output(step, 25u, completed25);
    store_output(step, 26u, completed26);
    store_output(step, 27u, completed27);
    store_output(step, 28u, completed28);
    store_output(step, 29u, completed29);
    store_output(step, 30u, completed30);
    store_output(step, 31u, completed31);
  }
}

// Loads the weights and biases of the block's channels 4·lane .. 4·lane + 3 (see ChannelWeights),
// from the buffer packed by packChannelWeights: 9 taps, then the depthwise and expansion biases.
fn load_channel_weights(block: u32, lane: u32) -> ChannelWeights {
  let base = (block * 8u + min(lane, 7u)) * 11u;
  var weights: ChannelWeights;
  for (var t = 0u; t < 9u; t++) {
    weights.taps[t] = depthwise_weights[base + t];
  }
  weights.depthwise_bias = depthwise_weights[base + 9u];
  weights.expand_bias = depthwise_weights[base + 10u];
  return weights;
}

// What one input row means to the strip, the same for every channel of the block.
struct RowStep {
  first_channel: u32,
  lo_inside: vec4<bool>,  // the window's columns inside the image, in a row inside it
  hi_inside: vec4<bool>,
  edge_inside: bool,
  columns_inside: u32,    // the strip's output columns inside the output row, 1 to 4
  bottom_row: bool,       // an even row: the bottom kernel row of one output row and the top one of the next
  store: bool,            // the row completes an output row and this lane's strip is inside the batch
  output_index: u32,      // index of that output row's first strip column in channel 0, in values
  plane_size: u32,        // out_height × out_width
}

// Depthwise taps of one kernel row over the strip's 4 outputs.
fn kernel_row(e: Window, w: vec3<f32>) -> vec4<f32> {
  let even = vec4<f32>(e.lo.xz, e.hi.xz);
  let odd = vec4<f32>(e.lo.yw, e.hi.yw);
#if LEFT_HALO
  // Left pad 1: output j reads columns 2j - 1, 2j and 2j + 1.
  return fma(vec4<f32>(w.x), vec4<f32>(e.edge, odd.xyz), fma(vec4<f32>(w.y), even, vec4<f32>(w.z) * odd));
#else
  // No left pad: output j reads columns 2j, 2j + 1 and 2j + 2.
  return fma(vec4<f32>(w.x), even, fma(vec4<f32>(w.y), odd, vec4<f32>(w.z) * vec4<f32>(even.yzw, e.edge)));
#endif
}

// Activates one channel's expanded window, with zeros in the depthwise convolution's padding, and
// adds its depthwise taps: returns the output row an even row completes (unused after odd rows)
// and carries the partial sums of the next one. Selects instead of a branch keep the 32
// channels' code straight-line.
fn finish_channel(channel: ptr<private, Channel>, group: ChannelWeights, i: u32, step: RowStep) -> vec4<f32> {
  let window = (*channel).window;
  let e = Window(select(vec4<f32>(), activate_expanded4(window.lo), step.lo_inside),
                 select(vec4<f32>(), activate_expanded4(window.hi), step.hi_inside),
                 select(0.0, activate_expanded(window.edge), step.edge_inside));
  let top = vec3<f32>(group.taps[0][i], group.taps[1][i], group.taps[2][i]);
  let middle = vec3<f32>(group.taps[3][i], group.taps[4][i], group.taps[5][i]);
  let bottom = vec3<f32>(group.taps[6][i], group.taps[7][i], group.taps[8][i]);

  // An even row adds its bottom kernel row to the sums and starts the next output row with its
  // top one; an odd row adds its middle kernel row.
  let sums = (*channel).row_sum + kernel_row(e, select(middle, bottom, step.bottom_row));
  (*channel).row_sum = select(sums, kernel_row(e, top), step.bottom_row);
  return activate_output4(sums + vec4<f32>(group.depthwise_bias[i]));
}

@compute @workgroup_size({{WORKGROUP_SIZE}})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
  // All lanes of a workgroup share the channel block wid.y. Lanes past the last strip take the
  // last one and skip its stores: subgroupBroadcast needs every lane.
  let strip_index = wid.x * {{WORKGROUP_SIZE}}u + lid;
  let strip = min(strip_index, params.strip_count - 1u);
  let image = strip / params.strips_per_row;
  let x0 = (strip % params.strips_per_row) * 8u;

  var step: RowStep;
  step.first_channel = wid.y * 32u;
  step.plane_size = params.out_height * params.out_width;

  let weight_base = wid.y * params.in_channels * 8u + min(lane, 7u);
  let plane_size = params.height * params.width;
  let image_base = image * params.in_channels * plane_size;
  // Input indices count vec4s with VEC4_INPUT, whose rows are a multiple of 4 values.
  let plane_step = plane_size / {{INPUT_VECTOR}}u;
  let first_output = image * params.channels * step.plane_size + x0 / 2u;
  step.columns_inside = min(params.out_width - x0 / 2u, 4u);
  let columns = vec4<u32>(x0, x0 + 1u, x0 + 2u, x0 + 3u);
  let pairs_end = params.in_channels & ~1u;

  // Input row i - pad_top is the bottom kernel row of output row i / 2 - 1 for even i, and the
  // middle one of output row (i - 1) / 2 for odd i.
  for (var i = 0u; i < 2u * params.out_height + 1u; i++) {
    let in_y = i32(i) - params.pad_top;
    let row_inside = in_y >= 0 && in_y < i32(params.height);
    let weights = load_channel_weights(wid.y, lane);
    start_row(weights, row_inside);

    // The row is the same for every lane, so the broadcasts stay in uniform control flow.
    if (row_inside) {
      let row = (image_base + u32(in_y) * params.width + x0) / {{INPUT_VECTOR}}u;
      for (var k = 0u; k < pairs_end; k += 2u) {
        accumulate_two_steps(vec4<f32>(expand_weights[weight_base + k * 8u]), load_window(row + k * plane_step),
                             vec4<f32>(expand_weights[weight_base + (k + 1u) * 8u]), load_window(row + (k + 1u) * plane_step));
      }
#if ODD_REDUCTION
      accumulate_step(vec4<f32>(expand_weights[weight_base + pairs_end * 8u]), load_window(row + pairs_end * plane_step));
#endif
    }

    step.lo_inside = vec4<bool>(row_inside) & (columns < vec4<u32>(params.width));
    step.hi_inside = vec4<bool>(row_inside) & (columns + 4u < vec4<u32>(params.width));
#if LEFT_HALO
    step.edge_inside = row_inside && x0 > 0u;
#else
    step.edge_inside = row_inside && x0 + 8u < params.width;
#endif
    step.bottom_row = i % 2u == 0u;
    step.store = step.bottom_row && i >= 2u && strip_index < params.strip_count;
    step.output_index = first_output + (i / 2u - 1u) * params.out_width;
    finish_row(weights, step);
  }
}
