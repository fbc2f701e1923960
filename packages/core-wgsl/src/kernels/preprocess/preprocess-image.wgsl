// Image preprocessing: RGBA8 pixels -> one 3 x H x W image slot of an NCHW float32 batch.
//
// Each invocation makes one output pixel. Resampling is a normalized triangle filter over the
// crop rectangle, with half-pixel centres: output pixel x has its centre at
// crop_x + (x + 0.5) * scale_x in source coordinates, where source pixel i covers [i, i + 1).
// Source pixel i gets weight max(0, 1 - |i + 0.5 - centre| / support). With support 1 this is
// bilinear interpolation with edge clamping. When shrinking with antialiasing, the host sets
// support = scale, so every source pixel contributes (the scaled tent filter that the
// TensorFlow 2 docs of tf.image.resize describe for antialiased bilinear).
// The result v in [0, 255] becomes v * channel_scale + channel_offset, which is
// (v / 255 - mean) / std with the constants folded on the host.

struct Params {
  source_width: u32,
  source_height: u32,
  // Source pixels that may contribute: the crop rectangle widened to whole pixels.
  x_begin: u32,
  x_end: u32,
  y_begin: u32,
  y_end: u32,
  crop_x: f32,
  crop_y: f32,
  scale_x: f32,      // crop width / output width, in source pixels per output pixel
  scale_y: f32,
  support_x: f32,    // filter radius in source pixels
  support_y: f32,
  output_width: u32,
  output_height: u32,
  batch_index: u32,
  bgr: u32,          // 1: output channel 0 is blue, 2 is red
  channel_scale_0: f32,
  channel_scale_1: f32,
  channel_scale_2: f32,
  channel_offset_0: f32,
  channel_offset_1: f32,
  channel_offset_2: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

fn unpack_rgb(pixel: u32) -> vec3<f32> {
  return vec3<f32>(f32(pixel & 0xffu), f32((pixel >> 8u) & 0xffu), f32((pixel >> 16u) & 0xffu));
}

fn triangle(distance: f32, support: f32) -> f32 {
  return max(0.0, 1.0 - abs(distance) / support);
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let x = gid.x;
  let y = gid.y;
  if (x >= params.output_width || y >= params.output_height) {
    return;
  }

  let centre_x = params.crop_x + (f32(x) + 0.5) * params.scale_x;
  let centre_y = params.crop_y + (f32(y) + 0.5) * params.scale_y;
  let x_first = u32(max(i32(params.x_begin), i32(floor(centre_x - params.support_x))));
  let x_last = u32(min(i32(params.x_end) - 1, i32(ceil(centre_x + params.support_x))));
  let y_first = u32(max(i32(params.y_begin), i32(floor(centre_y - params.support_y))));
  let y_last = u32(min(i32(params.y_end) - 1, i32(ceil(centre_y + params.support_y))));

  var sum = vec3<f32>(0.0);
  var weight_sum = 0.0;
  for (var sy = y_first; sy <= y_last; sy++) {
    let weight_y = triangle(f32(sy) + 0.5 - centre_y, params.support_y);
    if (weight_y == 0.0) {
      continue;
    }
    let row = sy * params.source_width;
    for (var sx = x_first; sx <= x_last; sx++) {
      let weight = weight_y * triangle(f32(sx) + 0.5 - centre_x, params.support_x);
      sum += weight * unpack_rgb(pixels[row + sx]);
      weight_sum += weight;
    }
  }

  var rgb = sum / weight_sum;
  if (params.bgr == 1u) {
    rgb = rgb.zyx;
  }
  let scale = vec3<f32>(params.channel_scale_0, params.channel_scale_1, params.channel_scale_2);
  let offset = vec3<f32>(params.channel_offset_0, params.channel_offset_1, params.channel_offset_2);
  let value = rgb * scale + offset;

  let plane = params.output_width * params.output_height;
  let base = params.batch_index * 3u * plane + y * params.output_width + x;
  output[base] = value.x;
  output[base + plane] = value.y;
  output[base + 2u * plane] = value.z;
}
