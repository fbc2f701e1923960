import { ModelImportError, type Graph } from '../ir/graph';
import { importOnnx } from '../import/onnx/import-onnx';
import { importTfjs } from '../import/tfjs/index';
import { importTflite } from '../import/tflite/index';
import type { ModelSource } from '../source';

/** Model file formats `loadModel` can recognize. */
export type ModelFormat = 'onnx' | 'tflite' | 'tfjs';

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
 * Detects a model's format from its first bytes, falling back to the file extension:
 * TFLite has the FlatBuffers identifier `TFL3` at byte 4, a TF.js model is JSON with
 * `modelTopology` or `weightsManifest`, and ONNX is a protobuf whose first field is
 * `ir_version` (tag 0x08).
 */
export function detectFormat(name: string, bytes: Uint8Array): ModelFormat | null {
  if (bytes.length >= 8 && String.fromCharCode(...bytes.subarray(4, 8)) === 'TFL3') return 'tflite';

  const head = new TextDecoder().decode(bytes.subarray(0, 4096)).trimStart();
  if (head.startsWith('{') && (head.includes('"modelTopology"') || head.includes('"weightsManifest"'))) return 'tfjs';
  if (bytes[0] === 0x08) return 'onnx';

  const extension = name.toLowerCase().split(/[?#]/)[0]!.split('.').pop();
  if (extension === 'onnx') return 'onnx';
  if (extension === 'tflite') return 'tflite';
  if (extension === 'json') return 'tfjs';
  return null;
}

/** Reads a model through `source`, detects its format and imports it with the registered importer. */
export async function loadModel(source: ModelSource): Promise<Graph> {
  const bytes = await source.readMain();
  const format = detectFormat(source.name, bytes);
  if (!format) {
    throw new ModelImportError(source.name, 'unrecognized model format; expected an ONNX (.onnx), TFLite (.tflite) or TF.js (model.json) file.');
  }
  const importer = importers.get(format);
  if (!importer) {
    throw new ModelImportError(source.name, `this is a ${format} model, but no ${format} importer is registered in this build.`);
  }

  // Hand the bytes already read to the importer instead of reading the file twice.
  return importer({ ...source, readMain: async () => bytes });
}
