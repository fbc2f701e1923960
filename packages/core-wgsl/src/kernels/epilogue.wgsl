// Fused epilogue shared by the convolution and GEMM kernels: + bias, then the
// residual add before or after the activation. Bindings are numbered by the host
// code, because which of them exist depends on the epilogue.

#if HAS_BIAS
@group(0) @binding({{BIAS_BINDING}}) var<storage, read> bias: array<f32>;
#endif
#if HAS_RESIDUAL
#if RESIDUAL_VEC4
// Read as vec4: the kernel guarantees every index passed to load_residual4 is a multiple of 4.
@group(0) @binding({{RESIDUAL_BINDING}}) var<storage, read> residual: array<vec4<f32>>;
#else
@group(0) @binding({{RESIDUAL_BINDING}}) var<storage, read> residual: array<f32>;
#endif
#endif

{{ACTIVATION}}

// One output value: `channel` indexes the bias, `index` the residual (same layout as the output).
fn epilogue(accumulator: f32, channel: u32, index: u32) -> f32 {
#if HAS_BIAS
  return epilogue_after_bias(accumulator + bias[channel], index);
#else
  return epilogue_after_bias(accumulator, index);
#endif
}

// One output value with its bias already added: the residual add and the activation.
fn epilogue_after_bias(biased: f32, index: u32) -> f32 {
  var value = biased;
#if RESIDUAL_BEFORE_ACTIVATION
  value += load_residual(index);
#endif
  value = activate(value);
#if RESIDUAL_AFTER_ACTIVATION
  value += load_residual(index);
#endif
  return value;
}

// Four outputs of one channel at consecutive indices (a row segment of an NCHW output).
fn epilogue4_one_channel(accumulator: vec4<f32>, channel: u32, index: u32) -> vec4<f32> {
#if HAS_BIAS
  return epilogue4_after_bias(accumulator + vec4<f32>(bias[channel]), index);
#else
  return epilogue4_after_bias(accumulator, index);
#endif
}

// Four outputs of one channel at consecutive indices with their bias already added.
fn epilogue4_after_bias(biased: vec4<f32>, index: u32) -> vec4<f32> {
  var value = biased;
#if RESIDUAL_BEFORE_ACTIVATION
  value += load_residual4(index);
#endif
  value = activate4(value);
#if RESIDUAL_AFTER_ACTIVATION
  value += load_residual4(index);
#endif
  return value;
}

// Four outputs of consecutive channels at consecutive indices (a row segment of a GEMM output).
fn epilogue4_columns(accumulator: vec4<f32>, channel: u32, index: u32) -> vec4<f32> {
  var value = accumulator;
#if HAS_BIAS
  value += vec4<f32>(bias[channel], bias[channel + 1u], bias[channel + 2u], bias[channel + 3u]);
#endif
#if RESIDUAL_BEFORE_ACTIVATION
  value += load_residual4(index);
#endif
  value = activate4(value);
#if RESIDUAL_AFTER_ACTIVATION
  value += load_residual4(index);
#endif
  return value;
}

#if HAS_RESIDUAL
#if RESIDUAL_VEC4
fn load_residual(index: u32) -> f32 {
  return residual[index / 4u][index % 4u];
}

fn load_residual4(index: u32) -> vec4<f32> {
  return residual[index / 4u];
}
#else
fn load_residual(index: u32) -> f32 {
  return residual[index];
}

fn load_residual4(index: u32) -> vec4<f32> {
  return vec4<f32>(residual[index], residual[index + 1u], residual[index + 2u], residual[index + 3u]);
}
#endif
#endif
