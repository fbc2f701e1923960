import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildResNet, buildTinyConvNet } from './onnx/resnet';

export type ModelName = 'mobilenetv2' | 'resnet18' | 'resnet50' | 'tiny';

export const MODEL_NAMES: readonly ModelName[] = ['mobilenetv2', 'resnet18', 'resnet50', 'tiny'];

export interface ModelSpec {
  name: ModelName;
  description: string;
  /** Output read as the feature vector; engines fetch only this output. */
  outputName: string;
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

/** Parses a model name, rejecting unknown ones with the list of valid names. */
export function parseModelName(value: string): ModelName {
  if (!(MODEL_NAMES as readonly string[]).includes(value)) {
    throw new Error(`Invalid model name '${value}': expected one of ${MODEL_NAMES.join(', ')}.`);
  }
  return value as ModelName;
}

/** Returns the path of the model's ONNX file, generating random-weight models into the cache on first use. */
export async function modelPath(name: ModelName): Promise<string> {
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
export async function readModel(name: ModelName): Promise<{ path: string; bytes: Uint8Array }> {
  const path = await modelPath(name);
  return { path, bytes: new Uint8Array(await readFile(path)) };
}
