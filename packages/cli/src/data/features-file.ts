/**
 * Feature files written by `offshelf extract`: safetensors with `features`
 * (F32, N × D) and `labels` (I32, N), and metadata naming the classes, the image
 * paths and the backbone, layer, preprocessing and weight precision that produced the features.
 */
import { readFile } from 'node:fs/promises';

import type { Preprocessing, WeightPrecision } from '@offshelf/backbone';

import { parseRecordedPrecision } from '../backbone/weights-option';
import { CliError } from '../errors';
import { writeFileAtomic } from '../io/atomic-write';
import { decodeSafetensors, encodeSafetensors, readSafetensorsHeader } from '../io/safetensors';

/** Origin of a set of features: the backbone, layer and preprocessing that produced them. */
export interface FeatureProvenance {
  backbone: {
    /** Registry name, when the backbone was given by name. */
    name?: string;
    path: string;
    sha256: string;
  };
  layer: string;
  preprocessing: Preprocessing;
  featureSize: number;
  /** Storage type of the backbone weights that computed the features; absent means f32. */
  weightPrecision?: WeightPrecision;
}

export interface LabelledFeatures {
  provenance: FeatureProvenance;
  classNames: string[];
  paths: string[];
  /** Row-major N × featureSize. */
  features: Float32Array;
  labels: Int32Array;
}

const FORMAT = 'offshelf-features';
const VERSION = '1';

/** Writes labelled features as a safetensors file, atomically. */
export async function writeFeaturesFile(path: string, data: LabelledFeatures): Promise<void> {
  const count = data.labels.length;
  const { provenance } = data;
  const metadata: Record<string, string> = {
    format: FORMAT,
    version: VERSION,
    classNames: JSON.stringify(data.classNames),
    paths: JSON.stringify(data.paths),
    backbone: JSON.stringify(provenance.backbone),
    backboneSha256: provenance.backbone.sha256,
    layer: provenance.layer,
    preprocessing: JSON.stringify(provenance.preprocessing),
    weightPrecision: provenance.weightPrecision ?? 'f32',
  };
  const chunks = encodeSafetensors(
    {
      features: { dtype: 'F32', shape: [count, provenance.featureSize], data: data.features },
      labels: { dtype: 'I32', shape: [count], data: data.labels },
    },
    metadata,
  );
  await writeFileAtomic(path, chunks);
}

function parseJsonField<T>(path: string, metadata: Record<string, string>, field: string): T {
  const text = metadata[field];
  if (text === undefined) throw new CliError(`${path}: metadata has no "${field}"; rewrite the file with \`offshelf extract\``);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new CliError(`${path}: metadata field "${field}" is not valid JSON; rewrite the file with \`offshelf extract\``);
  }
}

/** Reads a features file written by {@link writeFeaturesFile}, checking its shapes. */
export async function readFeaturesFile(path: string): Promise<LabelledFeatures> {
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`${path}: cannot read the features file (${error.code ?? error.message}); write it with \`offshelf extract\``);
  });
  const file = decodeSafetensors(new Uint8Array(bytes), path);
  if (file.metadata.format !== FORMAT) {
    throw new CliError(`${path}: not an offshelf features file (metadata format is ${JSON.stringify(file.metadata.format)}); write one with \`offshelf extract\``);
  }

  const features = file.tensors.get('features');
  const labels = file.tensors.get('labels');
  if (!features || features.dtype !== 'F32' || features.shape.length !== 2) throw new CliError(`${path}: missing F32 tensor "features" of shape [N, D]`);
  if (!labels || labels.dtype !== 'I32' || labels.shape.length !== 1) throw new CliError(`${path}: missing I32 tensor "labels" of shape [${features.shape[0]}]`);
  if (labels.shape[0] !== features.shape[0]) {
    throw new CliError(`${path}: tensor "labels" has ${labels.shape[0]} labels for ${features.shape[0]} feature rows; write one label per row`);
  }

  const classNames = parseJsonField<string[]>(path, file.metadata, 'classNames');
  const labelData = labels.data as Int32Array;
  const outOfRange = labelData.find((label) => label < 0 || label >= classNames.length);
  if (outOfRange !== undefined) {
    throw new CliError(`${path}: label ${outOfRange} is outside the ${classNames.length} classes; labels are indices 0 to ${classNames.length - 1} into the classNames metadata`);
  }

  const paths = parseJsonField<string[]>(path, file.metadata, 'paths');
  return {
    provenance: {
      backbone: parseJsonField(path, file.metadata, 'backbone'),
      layer: file.metadata.layer ?? 'default',
      preprocessing: parseJsonField(path, file.metadata, 'preprocessing'),
      featureSize: features.shape[1]!,
      weightPrecision: parseRecordedPrecision(file.metadata.weightPrecision, path),
    },
    classNames,
    paths,
    features: checkFinite(path, features.data as Float32Array, features.shape[1]!, paths),
    labels: labelData,
  };
}

/** Returns `values`, or throws naming the first row with a NaN or infinite feature and its image. */
function checkFinite(path: string, values: Float32Array, columns: number, paths: string[]): Float32Array {
  const index = values.findIndex((value) => !Number.isFinite(value));
  if (index === -1) return values;
  const row = Math.floor(index / columns);
  const image = paths[row] === undefined ? '' : ` (${paths[row]})`;
  throw new CliError(`${path}: feature row ${row}${image} has the value ${values[index]} at column ${index % columns}; extract that image again or remove it`);
}

/** True when `path` looks like a features file rather than a data set. */
export function isFeaturesFile(path: string): boolean {
  return path.toLowerCase().endsWith('.safetensors');
}

/**
 * Checks the header of a safetensors file for the marks of a features file: the `features`
 * and `labels` tensors or this module's metadata format. Reads no tensor data.
 */
export async function hasFeaturesFileHeader(path: string): Promise<boolean> {
  const header = await readSafetensorsHeader(path);
  if (!header) return false;
  const metadata = header.__metadata__ as Record<string, unknown> | undefined;
  return metadata?.format === FORMAT || ('features' in header && 'labels' in header);
}
