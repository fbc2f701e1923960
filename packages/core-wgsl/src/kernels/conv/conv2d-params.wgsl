// Shape uniforms shared by every conv2d variant, in the order of conv2dUniforms().

struct Conv2dParams {
  batch: u32,
  in_channels: u32,
  in_height: u32,
  in_width: u32,
  out_channels: u32,
  out_height: u32,
  out_width: u32,
  kernel_height: u32,
  kernel_width: u32,
  stride_height: i32,
  stride_width: i32,
  dilation_height: i32,
  dilation_width: i32,
  pad_top: i32,
  pad_left: i32,
  in_channels_per_group: u32,
  out_channels_per_group: u32,
  work_count: u32,   // work items launched by the variant; the rest of the last workgroup returns early
  column_lanes: u32, // lanes along the columns in register-blocked variants; the other lanes take more rows
  block_rows: u32,   // rows of the register block (8 or 32), as a uniform so that the store loop is not unrolled
  // Epilogue fields, in the order of epilogueUniforms().
  clamp_min: f32,
  clamp_max: f32,
  clamp_enabled: u32,
}

@group(0) @binding(0) var<uniform> params: Conv2dParams;
