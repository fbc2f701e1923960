// Uniforms of the 2-D pooling kernels (pool2d.wgsl, pool2d-max-row.wgsl), bound at 0.

struct Params {
  work_count: u32,      // outputs (pool2d.wgsl) or 4-output row blocks (pool2d-max-row.wgsl)
  input_height: u32,
  input_width: u32,
  output_height: u32,
  output_width: u32,
  kernel_height: u32,
  kernel_width: u32,
  stride_y: u32,
  stride_x: u32,
  dilation_y: u32,
  dilation_x: u32,
  pad_top: u32,
  pad_left: u32,
  pad_bottom: u32,
  pad_right: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
