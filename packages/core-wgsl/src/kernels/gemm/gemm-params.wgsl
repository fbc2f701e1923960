// Shape uniforms shared by every GEMM variant, in the order of gemmUniforms().

struct GemmParams {
  batch: u32,
  m: u32,
  n: u32,
  k: u32,
  alpha: f32,
  b_batch_stride: u32,  // K*N, or 0 when B is shared by the whole batch
  work_count: u32,      // work items launched by the variant; the rest of the last workgroup returns early
  column_lanes: u32,    // lanes along the columns in register-blocked variants; the other lanes take more rows
  block_rows: u32,      // rows of the register block (8 or 32), as a uniform so that the store loop is not unrolled
  // Epilogue fields, in the order of epilogueUniforms().
  clamp_min: f32,
  clamp_max: f32,
  clamp_enabled: u32,
}

@group(0) @binding(0) var<uniform> params: GemmParams;
