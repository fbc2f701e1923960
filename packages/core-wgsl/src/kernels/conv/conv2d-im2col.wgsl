// im2col: writes the columns of a convolution as an NCHW-like tensor per image, one "channel"
// per reduction index k = (c · kernel_height + ky) · kernel_width + kx and one "pixel" per output
// position, so that a 1×1 convolution (a GEMM) with the OIHW weights as O × K finishes the
// convolution. Each invocation writes 4 consecutive output positions of one reduction index.
// The padding reads as 0. Bindings: input NCHW → columns [batch][K][out_height · out_width].

@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> columns: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let pixels = params.out_height * params.out_width;
  let first = (wid.x * 64u + lid) * 4u;
  if (first >= pixels) {
    return;
  }
  let k = wid.y;
  let image = wid.z;
  let taps = params.kernel_height * params.kernel_width;
  let channel = k / taps;
  let ky = (k % taps) / params.kernel_width;
  let kx = k % params.kernel_width;
  let plane = (image * params.in_channels + channel) * params.in_height * params.in_width;
  let row = (image * params.in_channels * taps + k) * pixels;

  for (var j = 0u; j < 4u; j++) {
    let p = first + j;
    if (p < pixels) {
      let y = i32(p / params.out_width) * params.stride_height - params.pad_top + i32(ky) * params.dilation_height;
      let x = i32(p % params.out_width) * params.stride_width - params.pad_left + i32(kx) * params.dilation_width;
      let inside = y >= 0 && y < i32(params.in_height) && x >= 0 && x < i32(params.in_width);
      let index = plane + u32(clamp(y, 0, i32(params.in_height) - 1)) * params.in_width + u32(clamp(x, 0, i32(params.in_width) - 1));
      columns[row + p] = select(0.0, input[index], inside);
    }
  }
}
