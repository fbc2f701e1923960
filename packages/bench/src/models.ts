import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

import { buildResNet, buildTinyConvNet } from './onnx/resnet';

export type ModelName = 'mobilenetv2' | 'resnet18' | 'resnet50' | 'tiny';

export const MODEL_NAMES: readonly ModelName[] = ['mobilenetv2', 'resnet18', 'resnet50', 'tiny'];

/** A built-in model's name, or the absolute path of an ONNX file of the user's. */
export type ModelRef = string;

export interface ModelSpec {
  name: ModelRef;
  description: string;
  /** Output read as the feature vector; engines fetch only this output. Null: the graph's first output. */
  outputName: string | null;
  /** Source of the weights, for the report. */
  weights: string;
}

export const MODELS: Record<ModelName, ModelSpec> = {
  mobilenetv2: {
    name: 'mobilenetv2',
    description: 'MobileNetV2 1.0, 224×224 (Coral, dequantized to float32)',
    outputName: 'features',
    weights: 'pretrained (ImageNet)',
  },
  resnet18: {
    name: 'resnet18',
    description: 'ResNet-18, 224×224, batch norm folded, no classifier',
    outputName: 'features',
    weights: 'random (seeded)',
  },
  resnet50: {
    name: 'resnet50',
    description: 'ResNet-50, 224×224, batch norm folded, no classifier',
    outputName: 'features',
    weights: 'random (seeded)',
  },
  tiny: {
    name: 'tiny',
    description: 'tiny depthwise-separable ConvNet, 16×16 (smoke tests)',
    outputName: 'features',
    weights: 'random (seeded)',
  },
};

/** Folder for generated models, `OFFSHELF_BENCH_CACHE` or a folder under the system temp directory. */
export function benchCacheDir(): string {
  return process.env.OFFSHELF_BENCH_CACHE ?? join(tmpdir(), 'offshelf-bench');
}

/** Folder with the real models and images, `OFFSHELF_SHARED` or `../shared` from the working directory. */
export function sharedDir(): string {
  return process.env.OFFSHELF_SHARED ?? join(process.cwd(), '..', 'shared');
}

/** Returns true for a model given as the path of an ONNX file rather than by name. */
export function isModelFile(ref: ModelRef): boolean {
  return !(MODEL_NAMES as readonly string[]).includes(ref);
}

/** Returns the name a report shows for a model: the file name of an ONNX file, else the model's name. */
export function modelLabel(ref: ModelRef): string {
  return isModelFile(ref) ? basename(ref) : ref;
}

/** Parses a built-in model name, rejecting unknown ones with the list of valid names. */
export function parseModelName(value: string): ModelName {
  if (!(MODEL_NAMES as readonly string[]).includes(value)) {
    throw new Error(`Invalid model name '${value}': expected one of ${MODEL_NAMES.join(', ')}.`);
  }
  return value as ModelName;
}

/**
 * Parses a model given on the command line: a built-in name, or the path of an existing .onnx
 * file (relative to `cwd`), which is returned as an absolute path.
 */
export function parseModelRef(value: string, cwd = process.cwd()): ModelRef {
  if ((MODEL_NAMES as readonly string[]).includes(value)) return value;
  if (!/\.onnx$/i.test(value)) {
    throw new Error(`Invalid model '${value}': expected one of ${MODEL_NAMES.join(', ')}, or the path of an .onnx file.`);
  }
  const path = resolve(cwd, value);
  if (!existsSync(path)) throw new Error(`Model file ${path} not found. Check the path, which is relative to ${cwd}.`);
  if (!statSync(path).isFile()) throw new Error(`Model file ${path} is not a file.`);
  return path;
}

/** Returns the description of a built-in model, or of an ONNX file by its path. */
export function modelSpec(ref: ModelRef): ModelSpec {
  if (!isModelFile(ref)) return MODELS[ref as ModelName];
  return { name: ref, description: `ONNX file ${ref}`, outputName: null, weights: 'from the file' };
}

/** Returns the path of the model's ONNX file, generating random-weight models into the cache on first use. */
export async function modelPath(name: ModelRef): Promise<string> {
  if (isModelFile(name)) return name;
  if (name === 'mobilenetv2') {
    const path = join(sharedDir(), 'models', 'onnx', 'mobilenet_v2_1.0_224_coral.onnx');
    if (!existsSync(path)) {
      throw new Error(`MobileNetV2 not found at ${path}. Set OFFSHELF_SHARED to the folder that contains models/onnx/.`);
    }
    return path;
  }

  const directory = join(benchCacheDir(), 'models');
  const path = join(directory, `${name}.onnx`);
  if (existsSync(path)) return path;

  await mkdir(directory, { recursive: true });
  const bytes = name === 'tiny' ? buildTinyConvNet() : buildResNet(name === 'resnet18' ? 18 : 50);

  // Write then rename, so a concurrent reader never sees a half-written file.
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, bytes);
  await rename(partial, path);
  return path;
}

/** Reads the model's ONNX bytes, generating the file first when needed. */
export async function readModel(name: ModelRef): Promise<{ path: string; bytes: Uint8Array }> {
  const path = await modelPath(name);
  return { path, bytes: new Uint8Array(await readFile(path)) };
}
