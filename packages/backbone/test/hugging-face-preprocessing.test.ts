import { requestDevice } from '@offshelf/device';
import { describe, expect, it } from 'vitest';

import { resnet18Like } from '../../../scripts/onnx/make_test_models.mjs';
import { createFeatureExtractor, importOnnx, ModelImportError, SiblingNotFoundError } from '../src/index';
import { huggingFacePreprocessing } from '../src/import/onnx/hugging-face-preprocessing';

// Oracle: the image processors of Hugging Face transformers, as their documentation and source
// define them. x = (pixel · rescale_factor − image_mean) / image_std after the resize and crop.
// ConvNeXt resizes the short side to int(shortest_edge / crop_pct) and crops shortest_edge below
// 384, and warps to shortest_edge² from 384 up. Others resize the short side to shortest_edge
// (or warp to height × width) and crop crop_size when do_center_crop is set. The configurations
// below follow the files those processors save.

const FILE = 'model.onnx';

describe('Hugging Face preprocessor_config.json', () => {
  it('reads a MobileNetV2 processor', () => {
    const config = {
      crop_size: { height: 224, width: 224 }, do_center_crop: true, do_normalize: true, do_rescale: true, do_resize: true,
      image_mean: [0.5, 0.5, 0.5], image_processor_type: 'MobileNetV2ImageProcessor', image_std: [0.5, 0.5, 0.5],
      resample: 2, rescale_factor: 1 / 255, size: { shortest_edge: 256 },
    };
    const preprocessing = huggingFacePreprocessing(config, 224, 224, FILE);

    expect(preprocessing.mean).toEqual([0.5, 0.5, 0.5]);
    expect(preprocessing.std).toEqual([0.5, 0.5, 0.5]);
    expect(preprocessing.resize).toEqual({ mode: 'shorterSideThenCenterCrop', shorterSide: 256 });
    expect(preprocessing.channelOrder).toBe('RGB');
  });

  it('reads a ConvNeXt processor', () => {
    const config = {
      crop_pct: 0.875, do_normalize: true, do_rescale: true, do_resize: true, image_mean: [0.485, 0.456, 0.406],
      image_processor_type: 'ConvNextImageProcessor', image_std: [0.229, 0.224, 0.225], resample: 3,
      rescale_factor: 0.00392156862745098, size: { shortest_edge: 224 },
    };

    // int(224 / 0.875) = 256, then a 224 crop.
    expect(huggingFacePreprocessing(config, 224, 224, FILE).resize).toEqual({ mode: 'shorterSideThenCenterCrop', shorterSide: 256 });
    expect(huggingFacePreprocessing({ ...config, size: { shortest_edge: 384 } }, 384, 384, FILE).resize).toEqual({ mode: 'stretch' });
    // Without crop_pct the processor uses 224 / 256, and int(288 / 0.875) = 329.
    const { crop_pct: _, ...noCropPct } = config;
    expect(huggingFacePreprocessing({ ...noCropPct, size: { shortest_edge: 288 } }, 288, 288, FILE).resize)
      .toEqual({ mode: 'shorterSideThenCenterCrop', shorterSide: 329 });
  });

  it('reads a DeiT processor as a warp, then a crop', () => {
    const config = {
      crop_size: { height: 224, width: 224 }, do_center_crop: true, do_normalize: true, do_rescale: true, do_resize: true,
      image_mean: [0.485, 0.456, 0.406], image_processor_type: 'DeiTImageProcessor', image_std: [0.229, 0.224, 0.225],
      resample: 3, rescale_factor: 1 / 255, size: { height: 256, width: 256 },
    };
    expect(huggingFacePreprocessing(config, 224, 224, FILE).resize).toEqual({ mode: 'stretchThenCenterCrop', stretchHeight: 256, stretchWidth: 256 });
    // A 160 px model takes the crop's place: 256 · 160 / 224.
    expect(huggingFacePreprocessing(config, 160, 160, FILE).resize).toEqual({ mode: 'stretchThenCenterCrop', stretchHeight: 256 * 160 / 224, stretchWidth: 256 * 160 / 224 });
  });

  it('reads a ViT processor as a plain resize', () => {
    const config = {
      do_normalize: true, do_rescale: true, do_resize: true, image_mean: [0.5, 0.5, 0.5], image_processor_type: 'ViTImageProcessor',
      image_std: [0.5, 0.5, 0.5], resample: 2, rescale_factor: 1 / 255, size: { height: 224, width: 224 },
    };
    expect(huggingFacePreprocessing(config, 224, 224, FILE).resize).toEqual({ mode: 'stretch' });
  });

  it('converts the scale and shift to pixel / 255', () => {
    // Without do_rescale the mean and std are in pixel units: 123.675 / 255 = 0.485.
    const pixels = huggingFacePreprocessing({ do_rescale: false, image_mean: [123.675, 116.28, 103.53], image_std: [58.395, 57.12, 57.375] }, 224, 224, FILE);
    expect(pixels.mean[0]).toBeCloseTo(0.485, 12);
    expect(pixels.mean[2]).toBeCloseTo(0.406, 12);
    expect(pixels.std[1]).toBeCloseTo(0.224, 12);

    // Without do_normalize, x = pixel · rescale_factor: a scale of 1/127.5 gives x in [0, 2].
    const scaled = huggingFacePreprocessing({ do_normalize: false, rescale_factor: 1 / 127.5 }, 224, 224, FILE);
    expect(scaled.mean).toEqual([0, 0, 0]);
    expect(scaled.std[0]).toBeCloseTo(0.5, 12);

    // A single number applies to all three channels.
    expect(huggingFacePreprocessing({ image_mean: 0.5, image_std: 0.25 }, 224, 224, FILE).std).toEqual([0.25, 0.25, 0.25]);
  });

  it('reads an EfficientNet processor', () => {
    // include_top (the default) divides by image_std twice, and rescale_offset subtracts 1 after
    // the rescale: x = ((pixel / 127.5 − 1) − 0.5) / 0.25², with mean and std on pixel / 255 of
    // (1.5 / 127.5) · 127.5 / 255 = 0.75 and 0.0625 · 127.5 / 255 = 0.03125.
    const config = {
      image_processor_type: 'EfficientNetImageProcessor', rescale_factor: 1 / 127.5, rescale_offset: true,
      image_mean: [0.5, 0.5, 0.5], image_std: [0.25, 0.25, 0.25], size: { height: 224, width: 224 },
    };
    const preprocessing = huggingFacePreprocessing(config, 224, 224, FILE);
    expect(preprocessing.mean[0]).toBeCloseTo(0.75, 12);
    expect(preprocessing.std[0]).toBeCloseTo(0.03125, 12);
    expect(huggingFacePreprocessing({ ...config, include_top: false, rescale_offset: false }, 224, 224, FILE).std[0]).toBeCloseTo(0.125, 12);
    // include_top divides by image_std also without do_normalize: 0.25 · 127.5 / 255 = 0.125.
    expect(huggingFacePreprocessing({ ...config, do_normalize: false }, 224, 224, FILE).std[0]).toBeCloseTo(0.125, 12);
  });

  it('scales the crop to the model input', () => {
    // Older files give sizes as numbers. MobileNetV2's processor reads one as the short side. A
    // model with 160 × 160 input takes the crop's place: the short side goes to 256 · 160 / 224 = 182.9.
    const config = { feature_extractor_type: 'MobileNetV2FeatureExtractor', do_center_crop: true, crop_size: 224, size: 256 };
    const preprocessing = huggingFacePreprocessing(config, 160, 160, FILE);
    expect(preprocessing.resize).toEqual({ mode: 'shorterSideThenCenterCrop', shorterSide: 183 });
    expect(preprocessing.height).toBe(160);
  });

  it('reads a number as a square for other processors', () => {
    // DeiT's processor warps to size × size and crops the center by default.
    const config = { feature_extractor_type: 'DeiTFeatureExtractor', crop_size: 224, size: 256 };
    expect(huggingFacePreprocessing(config, 224, 224, FILE).resize).toEqual({ mode: 'stretchThenCenterCrop', stretchHeight: 256, stretchWidth: 256 });
    // Without a known processor type, do_center_crop defaults to false.
    expect(huggingFacePreprocessing({ crop_size: 224, size: 256 }, 224, 224, FILE).resize).toEqual({ mode: 'stretch' });
  });

  it('names a field of the wrong type', () => {
    expect(() => huggingFacePreprocessing({ image_std: [0.5, 0.5] }, 224, 224, FILE)).toThrow(ModelImportError);
    expect(() => huggingFacePreprocessing({ image_std: [0.5, 0.5] }, 224, 224, FILE)).toThrow(/field "image_std" is \[0\.5,0\.5\]; expected a number or a list of 3/);
    expect(() => huggingFacePreprocessing({ do_resize: 'yes' }, 224, 224, FILE)).toThrow(/field "do_resize" is "yes"; expected true or false/);
    expect(() => huggingFacePreprocessing({ do_center_crop: true, size: 256 }, 224, 224, FILE)).toThrow(/field "crop_size" is missing; expected/);
    // A null rescale factor means the default 1/255, as a null flag means its default.
    expect(huggingFacePreprocessing({ rescale_factor: null, image_mean: 0.5, image_std: 0.5 }, 224, 224, FILE).mean).toEqual([0.5, 0.5, 0.5]);
    expect(() => huggingFacePreprocessing({ image_std: [0.5, 0, 0.5] }, 224, 224, FILE)).toThrow(/positive numbers/);
    expect(() => huggingFacePreprocessing({ do_center_crop: true, size: 200, crop_size: 224 }, 224, 224, FILE)).toThrow(/at most the resized 200 × 200 pixels/);
    expect(() => huggingFacePreprocessing({ do_center_crop: true, size: { shortest_edge: 200 }, crop_size: 224 }, 224, 224, FILE)).toThrow(/at most the resized short side, 200 pixels/);
  });
});

describe('ONNX import with preprocessor_config.json', () => {
  const model = resnet18Like();
  const source = (siblings: Record<string, string>, unreadable?: Error) => ({
    name: 'folder/model.onnx',
    readMain: async () => model,
    readSibling: async (path: string) => {
      if (unreadable) throw unreadable;
      if (!(path in siblings)) throw new SiblingNotFoundError('folder/model.onnx', path, `${path} not found`);
      return new TextEncoder().encode(siblings[path]);
    },
  });

  it('uses the file beside the model', async () => {
    const config = { do_center_crop: true, crop_size: { height: 224, width: 224 }, size: { shortest_edge: 256 }, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] };
    const graph = await importOnnx(source({ 'preprocessor_config.json': JSON.stringify(config) }));

    // The test model takes 64 × 64 images: the short side goes to 256 · 64 / 224 = 73.1.
    expect(graph.metadata.preprocessing.mean).toEqual([0.5, 0.5, 0.5]);
    expect(graph.metadata.preprocessing.resize).toEqual({ mode: 'shorterSideThenCenterCrop', shorterSide: 73 });
  });

  it('keeps ImageNet preprocessing without the file', async () => {
    const graph = await importOnnx(source({}));
    expect(graph.metadata.preprocessing.mean).toEqual([0.485, 0.456, 0.406]);
    expect(graph.metadata.preprocessingSource).toBeUndefined();
    expect(graph.metadata.warnings).toBeUndefined();
  });

  it("treats readFile's ENOENT error as no file", async () => {
    const graph = await importOnnx(source({}, Object.assign(new Error("ENOENT: no such file or directory, open 'folder/preprocessor_config.json'"), { code: 'ENOENT' })));
    expect(graph.metadata.warnings).toBeUndefined();
  });

  it('warns about a file it cannot read', async () => {
    const graph = await importOnnx(source({}, new Error('permission denied')));
    expect(graph.metadata.preprocessing.mean).toEqual([0.485, 0.456, 0.406]);
    expect(graph.metadata.warnings).toEqual([
      "folder/preprocessor_config.json could not be read (permission denied), so the model's default preprocessing applies",
    ]);
  });

  it('warns about flags it does not apply', async () => {
    const graph = await importOnnx(source({ 'preprocessor_config.json': JSON.stringify({ do_normalise: true, do_pad: false, do_convert_rgb: true }) }));
    expect(graph.metadata.preprocessingSource).toBe('preprocessor_config.json');
    expect(graph.metadata.warnings).toEqual(['folder/preprocessor_config.json: offshelf ignores do_normalise; check the spelling, or set the preprocessing yourself']);
  });

  it('crops the warped image at the center', async () => {
    // A 300 × 200 image whose red is 0 left of x = 40 and whose green is 0 above y = 30, both 255
    // elsewhere. Warped to 256 × 256 and cropped to 224 × 224, it keeps source columns
    // 18.75 .. 281.25 and rows 12.5 .. 187.5. At the model's 64 × 64 input a column spans
    // 262.5 / 64 = 4.1 source columns and a row 175 / 64 = 2.7 source rows, and the antialiased
    // filter reaches one span further. So red is 0 in columns 0-3 and 1 from column 7, and green
    // 0 in rows 0-4 and 1 from row 9. A short-side crop would keep no column with red 0.
    const config = { do_center_crop: true, crop_size: 224, size: { height: 256, width: 256 }, do_normalize: false };
    const graph = await importOnnx(source({ 'preprocessor_config.json': JSON.stringify(config) }));
    const width = 300;
    const height = 200;
    const data = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        data.set([x < 40 ? 0 : 255, y < 30 ? 0 : 255, 255, 255], (y * width + x) * 4);
      }
    }

    const gpu = await requestDevice();
    const extractor = await createFeatureExtractor(gpu.device, graph, { batchSize: 1 });
    try {
      const tensor = await extractor.preprocess([{ width, height, data }]);
      const plane = 64 * 64;
      const red = (row: number, column: number) => tensor.data[row * 64 + column]!;
      const green = (row: number, column: number) => tensor.data[plane + row * 64 + column]!;
      for (const row of [0, 31, 63]) {
        for (const column of [0, 3]) expect(red(row, column), `red at row ${row}, column ${column}`).toBeCloseTo(0, 5);
        for (const column of [7, 40, 63]) expect(red(row, column), `red at row ${row}, column ${column}`).toBeCloseTo(1, 5);
      }
      for (const column of [0, 31, 63]) {
        for (const row of [0, 4]) expect(green(row, column), `green at row ${row}, column ${column}`).toBeCloseTo(0, 5);
        for (const row of [9, 40, 63]) expect(green(row, column), `green at row ${row}, column ${column}`).toBeCloseTo(1, 5);
      }
    } finally {
      extractor.dispose();
      gpu.destroy();
    }
  });

  it('names a file that is not JSON', async () => {
    await expect(importOnnx(source({ 'preprocessor_config.json': '{ "size": ' }))).rejects.toThrow(
      /^folder\/preprocessor_config\.json: invalid JSON \(.*\); fix or remove the file\.$/,
    );
  });
});
