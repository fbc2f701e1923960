import { ModelImportError, type Preprocessing } from '../../ir/graph';
import type { ModelSource } from '../../source';

/** The file that Hugging Face image processors save, and Optimum's ONNX exports keep beside model.onnx. */
export const HUGGING_FACE_PREPROCESSOR_FILE = 'preprocessor_config.json';

// From this shortest_edge up, ConvNeXt's processor warps the image to shortest_edge² without a crop.
const CONVNEXT_WARP_SIZE = 384;

/**
 * Reads `preprocessor_config.json` beside an ONNX model, when there is one, and returns the
 * preprocessing it describes for the model's height × width input, or undefined without the file.
 * A file that is not valid JSON or has fields of the wrong type throws a ModelImportError naming it.
 */
export async function readHuggingFacePreprocessing(
  source: Pick<ModelSource, 'name' | 'readSibling'>, height: number, width: number,
): Promise<Preprocessing | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await source.readSibling(HUGGING_FACE_PREPROCESSOR_FILE);
  } catch {
    // Sources report a missing sibling in their own ways (a file-system error, an HTTP 404), so any
    // failure to read means no configuration.
    return undefined;
  }

  let config: unknown;
  try {
    config = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ModelImportError(source.name, `${HUGGING_FACE_PREPROCESSOR_FILE} beside it is not valid JSON (${(error as Error).message}); fix or remove it.`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ModelImportError(source.name, `${HUGGING_FACE_PREPROCESSOR_FILE} beside it is not a JSON object; fix or remove it.`);
  }
  return huggingFacePreprocessing(config as Record<string, unknown>, height, width, source.name);
}

/**
 * Converts a Hugging Face image processor configuration (the fields of transformers'
 * BaseImageProcessor and ConvNextImageProcessor) into offshelf's preprocessing for a height × width
 * input. Pixels become (pixel · rescale_factor − image_mean) / image_std, which is
 * (pixel / 255 − mean) / std with mean and std divided by 255 · rescale_factor. Missing
 * normalization fields keep ImageNet's mean and standard deviation.
 */
export function huggingFacePreprocessing(config: Record<string, unknown>, height: number, width: number, file: string): Preprocessing {
  const field = (name: string): string => `${HUGGING_FACE_PREPROCESSOR_FILE} field "${name}"`;
  const invalid = (name: string, expected: string): ModelImportError =>
    new ModelImportError(file, `${field(name)} is ${JSON.stringify(config[name])}; expected ${expected}. Fix or remove the file.`);
  const flag = (name: string, fallback: boolean): boolean => {
    const value = config[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw invalid(name, 'true or false');
    return value;
  };
  const positive = (name: string, value: unknown): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(name, 'a positive number');
    return value;
  };
  const triple = (name: string, fallback: [number, number, number]): [number, number, number] => {
    const value = config[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'number' && Number.isFinite(value)) return [value, value, value];
    if (!Array.isArray(value) || value.length !== 3 || value.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
      throw invalid(name, 'a number or a list of 3 numbers, one per RGB channel');
    }
    return value as [number, number, number];
  };

  // Normalization: the processor's scale and shift, as offshelf's mean and std on pixel / 255.
  let rescale = 1;
  if (flag('do_rescale', true)) {
    rescale = config.rescale_factor === undefined ? 1 / 255 : positive('rescale_factor', config.rescale_factor);
  }
  const normalize = flag('do_normalize', true);
  const mean = normalize ? triple('image_mean', [0.485, 0.456, 0.406]) : [0, 0, 0];
  const std = normalize ? triple('image_std', [0.229, 0.224, 0.225]) : [1, 1, 1];
  if (std.some((value) => value <= 0)) throw invalid('image_std', 'positive numbers');
  const unit = 255 * rescale;
  const scaled = (values: number[]): [number, number, number] => [values[0]! / unit, values[1]! / unit, values[2]! / unit];

  return {
    height,
    width,
    sourceLayout: 'NCHW',
    channelOrder: 'RGB',
    mean: scaled(mean),
    std: scaled(std),
    resize: huggingFaceResize(config, height, width, invalid, flag),
  };
}

/** Reads the resize and center crop of a processor configuration, scaled to a height × width input. */
function huggingFaceResize(
  config: Record<string, unknown>, height: number, width: number,
  invalid: (name: string, expected: string) => ModelImportError, flag: (name: string, fallback: boolean) => boolean,
): Preprocessing['resize'] {
  if (!flag('do_resize', true)) return { mode: 'stretch' };

  // `size` is a number (older files), {"shortest_edge": N} or {"height": H, "width": W}.
  const size = objectOrUndefined(config.size);
  let shortestEdge: unknown;
  let stretch: { height: unknown; width: unknown } | undefined;
  if (typeof config.size === 'number') shortestEdge = config.size;
  else if (size?.shortest_edge !== undefined) shortestEdge = size.shortest_edge;
  else if (size?.height !== undefined && size.width !== undefined) stretch = { height: size.height, width: size.width };
  else if (config.size === undefined || config.size === null) return { mode: 'stretch' };
  else throw invalid('size', 'a number, {"shortest_edge": N} or {"height": H, "width": W}');
  const positiveSize = (value: unknown): number => {
    if (typeof value !== 'number' || !(value > 0)) throw invalid('size', 'positive sizes');
    return value;
  };

  // ConvNeXt's processor resizes the short side to shortest_edge / crop_pct and crops shortest_edge.
  const processor = String(config.image_processor_type ?? config.feature_extractor_type ?? '');
  if (processor.startsWith('ConvNext') && shortestEdge !== undefined) {
    const side = positiveSize(shortestEdge);
    if (side >= CONVNEXT_WARP_SIZE) return { mode: 'stretch' };
    const cropPct = config.crop_pct ?? 224 / 256;
    if (typeof cropPct !== 'number' || !(cropPct > 0 && cropPct <= 1)) throw invalid('crop_pct', 'a number in (0, 1]');
    return { mode: 'shorterSideThenCenterCrop', shorterSide: Math.round((Math.floor(side / cropPct) * Math.max(height, width)) / side) };
  }

  // Other processors resize, then with do_center_crop crop crop_size. The model's input takes the
  // crop's place, so the resized sizes scale with it.
  if (!flag('do_center_crop', false)) return { mode: 'stretch' };
  const crop = objectOrUndefined(config.crop_size);
  let cropHeight: unknown;
  let cropWidth: unknown;
  if (typeof config.crop_size === 'number') [cropHeight, cropWidth] = [config.crop_size, config.crop_size];
  else [cropHeight, cropWidth] = [crop?.height, crop?.width];
  if (typeof cropHeight !== 'number' || !(cropHeight > 0) || typeof cropWidth !== 'number' || !(cropWidth > 0)) {
    throw invalid('crop_size', 'a positive number or {"height": H, "width": W} when do_center_crop is true');
  }

  // A {"height", "width"} size warps the image whatever its aspect ratio, as DeiT's processor does.
  if (stretch !== undefined) {
    const stretchHeight = positiveSize(stretch.height);
    const stretchWidth = positiveSize(stretch.width);
    if (cropHeight > stretchHeight || cropWidth > stretchWidth) throw invalid('crop_size', `at most the resized ${stretchHeight} × ${stretchWidth} pixels`);
    return { mode: 'stretchThenCenterCrop', stretchHeight: (stretchHeight * height) / cropHeight, stretchWidth: (stretchWidth * width) / cropWidth };
  }
  const side = positiveSize(shortestEdge);
  const cropSide = Math.max(cropHeight, cropWidth);
  if (cropSide > side) throw invalid('crop_size', `at most the resized short side, ${side} pixels`);
  return { mode: 'shorterSideThenCenterCrop', shorterSide: Math.round((side * Math.max(height, width)) / cropSide) };
}

function objectOrUndefined(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
