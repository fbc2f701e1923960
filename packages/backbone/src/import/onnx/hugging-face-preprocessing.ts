import { errorReason, ModelImportError, SiblingNotFoundError, type Preprocessing } from '../../ir/graph';
import type { ModelSource } from '../../source';

/** The file that Hugging Face image processors save, and Optimum's ONNX exports keep beside model.onnx. */
export const HUGGING_FACE_PREPROCESSOR_FILE = 'preprocessor_config.json';

// From this shortest_edge up, ConvNeXt's processor warps the image to shortest_edge² without a crop.
const CONVNEXT_WARP_SIZE = 384;

// Processors whose numeric `size` means the short side (transformers' get_size_dict with
// default_to_square=False). Others read a number as a square. Those in CENTER_CROP_BY_DEFAULT crop
// the center when a file leaves do_center_crop out.
// NOTE: these lists name the processors as far as checked, not every one transformers has. An
// older file of another processor that left these fields out may be read as a square, uncropped.
const SHORT_SIDE_SIZE_PROCESSORS = ['CLIP', 'ChineseCLIP', 'MobileNetV1', 'MobileNetV2', 'ConvNext', 'Bit', 'Levit'];
const CENTER_CROP_BY_DEFAULT = ['CLIP', 'ChineseCLIP', 'MobileNetV1', 'MobileNetV2', 'Bit', 'Levit', 'DeiT', 'Beit'];

/** True when the processor type (such as DeiTImageProcessor or DeiTFeatureExtractor) is one of `names`. */
function processorIn(processor: string, names: readonly string[]): boolean {
  return names.some((name) => processor === `${name}ImageProcessor` || processor === `${name}FeatureExtractor` || processor === `${name}ImageProcessorFast`);
}

// Processor flags that this conversion applies, or that change nothing for it (offshelf always
// decodes to RGB). Another flag set to true, such as a misspelt do_normalise, gets a warning.
const KNOWN_FLAGS = new Set(['do_resize', 'do_rescale', 'do_normalize', 'do_center_crop', 'do_convert_rgb']);

/** The result of reading `preprocessor_config.json` beside a model: its preprocessing, and warnings to show. */
export interface HuggingFacePreprocessingResult {
  /** Undefined where the file is missing or unreadable. */
  preprocessing?: Preprocessing;
  warnings: string[];
}

/**
 * Reads `preprocessor_config.json` beside an ONNX model and returns the preprocessing it describes
 * for the model's height × width input. Without the file (the source throws SiblingNotFoundError)
 * there is none. An unreadable file gives a warning and no preprocessing. A file that is not a
 * JSON object or has fields of the wrong type throws a ModelImportError that names it.
 */
export async function readHuggingFacePreprocessing(
  source: Pick<ModelSource, 'name' | 'readSibling'>, height: number, width: number,
): Promise<HuggingFacePreprocessingResult> {
  const file = siblingName(source.name, HUGGING_FACE_PREPROCESSOR_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await source.readSibling(HUGGING_FACE_PREPROCESSOR_FILE);
  } catch (error) {
    // A source over Node's file system may pass readFile's ENOENT error through unchanged.
    if (error instanceof SiblingNotFoundError || (error as { code?: unknown }).code === 'ENOENT') return { warnings: [] };
    return { warnings: [`${file} could not be read (${oneLine(errorReason(error))}), so the model's default preprocessing applies`] };
  }

  let config: unknown;
  try {
    config = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ModelImportError(file, `invalid JSON (${oneLine((error as Error).message)}); fix or remove the file.`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ModelImportError(file, 'not a JSON object; fix or remove the file.');
  }
  const fields = config as Record<string, unknown>;
  const ignored = Object.keys(fields).filter((key) => key.startsWith('do_') && !KNOWN_FLAGS.has(key) && fields[key] === true);
  const warnings = ignored.length === 0 ? [] : [`${file}: offshelf ignores ${ignored.join(', ')}; check the spelling, or set the preprocessing yourself`];
  return { preprocessing: huggingFacePreprocessing(fields, height, width, file), warnings };
}

/**
 * Converts a Hugging Face image processor configuration (the fields of transformers'
 * BaseImageProcessor, and those of the ConvNeXt and EfficientNet processors) into offshelf's
 * preprocessing for a height × width input. Pixels become
 * (pixel · rescale_factor − image_mean) / image_std, which is (pixel / 255 − mean) / std with mean
 * and std divided by 255 · rescale_factor. Missing normalization fields keep ImageNet's mean and
 * standard deviation. `file` names the configuration in errors.
 */
export function huggingFacePreprocessing(config: Record<string, unknown>, height: number, width: number, file: string): Preprocessing {
  const invalid = (name: string, expected: string): ModelImportError => {
    const value = config[name] === undefined ? 'missing' : `${JSON.stringify(config[name])}`;
    return new ModelImportError(file, `field "${name}" is ${value}; expected ${expected}. Fix or remove the file.`);
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const value = config[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw invalid(name, 'true or false');
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
  const processor = String(config.image_processor_type ?? config.feature_extractor_type ?? '');

  // Normalization: the processor's scale and shift, as offshelf's mean and std on pixel / 255.
  const doRescale = flag('do_rescale', true);
  let rescale = 1;
  if (doRescale && config.rescale_factor !== undefined && config.rescale_factor !== null) {
    if (typeof config.rescale_factor !== 'number' || !(config.rescale_factor > 0) || !Number.isFinite(config.rescale_factor)) {
      throw invalid('rescale_factor', 'a positive number');
    }
    rescale = config.rescale_factor;
  } else if (doRescale) {
    rescale = 1 / 255;
  }
  const normalize = flag('do_normalize', true);
  const mean = normalize ? triple('image_mean', [0.485, 0.456, 0.406]) : [0, 0, 0];
  const imageStd = triple('image_std', [0.229, 0.224, 0.225]);
  if (imageStd.some((value) => value <= 0)) throw invalid('image_std', 'positive numbers');
  let std = normalize ? imageStd : [1, 1, 1];

  // EfficientNet's processor subtracts 1 after the rescale with rescale_offset, which maps pixels
  // to [-1, 1] at a factor of 1/127.5. With include_top (its default) it divides by image_std once
  // more, whether or not do_normalize divided by it before.
  let offset = 0;
  if (processorIn(processor, ['EfficientNet'])) {
    if (doRescale && flag('rescale_offset', false)) offset = 1;
    if (flag('include_top', true)) std = std.map((value, channel) => value * imageStd[channel]!);
  }

  const unit = 255 * rescale;
  const scaled = (values: number[], shift: number): [number, number, number] =>
    [(values[0]! + shift) / unit, (values[1]! + shift) / unit, (values[2]! + shift) / unit];
  return {
    height,
    width,
    sourceLayout: 'NCHW',
    channelOrder: 'RGB',
    mean: scaled(mean, offset),
    std: scaled(std, 0),
    resize: huggingFaceResize(config, processor, height, width, invalid, flag),
  };
}

/** Returns the path or URL of `file` in the folder of the model `name`. */
function siblingName(name: string, file: string): string {
  const slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  return `${name.slice(0, slash + 1)}${file}`;
}

/** Joins a message's lines, for errors and warnings that are one line each. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, '; ');
}

/** Reads the resize and center crop of a processor configuration, scaled to a height × width input. */
function huggingFaceResize(
  config: Record<string, unknown>, processor: string, height: number, width: number,
  invalid: (name: string, expected: string) => ModelImportError, flag: (name: string, fallback: boolean) => boolean,
): Preprocessing['resize'] {
  if (!flag('do_resize', true)) return { mode: 'stretch' };

  // `size` is a number (older files), {"shortest_edge": N} or {"height": H, "width": W}. A number
  // is the short side for some processors and a square for the others.
  const size = objectOrUndefined(config.size);
  let shortestEdge: unknown;
  let stretch: { height: unknown; width: unknown } | undefined;
  if (typeof config.size === 'number' && processorIn(processor, SHORT_SIDE_SIZE_PROCESSORS)) shortestEdge = config.size;
  else if (typeof config.size === 'number') stretch = { height: config.size, width: config.size };
  else if (size?.shortest_edge !== undefined) shortestEdge = size.shortest_edge;
  else if (size?.height !== undefined && size.width !== undefined) stretch = { height: size.height, width: size.width };
  else if (config.size === undefined || config.size === null) return { mode: 'stretch' };
  else throw invalid('size', 'a number, {"shortest_edge": N} or {"height": H, "width": W}');
  const positiveSize = (value: unknown): number => {
    if (typeof value !== 'number' || !(value > 0)) throw invalid('size', 'positive sizes');
    return value;
  };

  // ConvNeXt's processor resizes the short side to shortest_edge / crop_pct and crops shortest_edge.
  if (processorIn(processor, ['ConvNext']) && shortestEdge !== undefined) {
    const side = positiveSize(shortestEdge);
    if (side >= CONVNEXT_WARP_SIZE) return { mode: 'stretch' };
    const cropPct = config.crop_pct ?? 224 / 256;
    if (typeof cropPct !== 'number' || !(cropPct > 0 && cropPct <= 1)) throw invalid('crop_pct', 'a number in (0, 1]');
    return { mode: 'shorterSideThenCenterCrop', shorterSide: Math.round((Math.floor(side / cropPct) * Math.max(height, width)) / side) };
  }

  // Other processors resize, then with do_center_crop crop crop_size. The model's input takes the
  // crop's place, so the resized sizes scale with it.
  if (!flag('do_center_crop', processorIn(processor, CENTER_CROP_BY_DEFAULT))) return { mode: 'stretch' };
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
