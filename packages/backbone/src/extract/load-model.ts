import { ModelImportError, type Graph } from '../ir/graph';
import { importOnnx } from '../import/onnx/import-onnx';
import { importSafetensors, type SafetensorsImportOptions } from '../import/safetensors/import-safetensors';
import { importTfjs } from '../import/tfjs/index';
import { importTflite } from '../import/tflite/index';
import type { ModelSource } from '../source';

/** Model file formats `loadModel` can recognize. */
export type ModelFormat = 'onnx' | 'tflite' | 'tfjs' | 'safetensors';

/** Options for formats that do not describe their own network: a safetensors state dict needs `arch`. */
export type LoadModelOptions = Partial<SafetensorsImportOptions>;

/** An importer: reads a model through `source` and returns the IR graph. */
export type Importer = (source: ModelSource) => Promise<Graph>;

const importers = new Map<ModelFormat, Importer>([
  ['onnx', importOnnx],
  ['tflite', importTflite],
  ['tfjs', importTfjs],
]);

/** Registers (or replaces) the importer for a format, for example a build-specific one. */
export function registerImporter(format: ModelFormat, importer: Importer): void {
  importers.set(format, importer);
}

/**
 * Detects a model's format from its first bytes, falling back to the file extension.
 * TFLite has the FlatBuffers identifier `TFL3` at byte 4, a TF.js model is JSON with
 * `modelTopology` or `weightsManifest`, and ONNX is a protobuf whose first field is
 * `ir_version` (tag 0x08). Safetensors is an 8-byte little-endian header length then a JSON
 * header, checked before ONNX because the length's low byte may be 0x08.
 */
export function detectFormat(name: string, bytes: Uint8Array): ModelFormat | null {
  if (bytes.length >= 8 && String.fromCharCode(...bytes.subarray(4, 8)) === 'TFL3') return 'tflite';
  if (bytes.length > 8 && bytes[8] === 0x7b && bytes[6] === 0 && bytes[7] === 0) return 'safetensors';

  const head = new TextDecoder().decode(bytes.subarray(0, 4096)).trimStart();
  if (head.startsWith('{') && (head.includes('"modelTopology"') || head.includes('"weightsManifest"'))) return 'tfjs';
  if (bytes[0] === 0x08) return 'onnx';

  const extension = name.toLowerCase().split(/[?#]/)[0]!.split('.').pop();
  if (extension === 'onnx') return 'onnx';
  if (extension === 'tflite') return 'tflite';
  if (extension === 'json') return 'tfjs';
  if (extension === 'safetensors') return 'safetensors';
  return null;
}

/**
 * Reads a model through `source`, detects its format and imports it with the registered importer.
 * A safetensors state dict is built into the built-in architecture named by `options.arch`.
 */
export async function loadModel(source: ModelSource, options: LoadModelOptions = {}): Promise<Graph> {
  const bytes = await source.readMain();
  const format = detectFormat(source.name, bytes);
  if (!format) {
    throw new ModelImportError(source.name, 'unrecognized model format; expected an ONNX (.onnx), TFLite (.tflite), TF.js (model.json) or safetensors (.safetensors, with the arch option) file.');
  }
  if (format === 'safetensors') {
    if (!options.arch) throw new ModelImportError(source.name, 'a safetensors file contains only weights, so loadModel needs the arch option (for example resnet18) to name its network.');
    return importSafetensors({ ...source, readMain: async () => bytes }, { ...options, arch: options.arch });
  }
  const importer = importers.get(format);
  if (!importer) {
    throw new ModelImportError(source.name, `this is a ${format} model, but no ${format} importer is registered in this build.`);
  }

  // Hand the bytes already read to the importer instead of reading the file twice.
  return importer({ ...source, readMain: async () => bytes });
}
