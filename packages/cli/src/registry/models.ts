/**
 * Backbones by name. A name resolves to the first of: the models folder
 * (`OFFSHELF_MODELS`), the user cache, or a download from the model's public URL
 * (or from `OFFSHELF_MIRROR`) into the cache, checked against its SHA-256. A cached
 * file is checked again on every use. A path to an existing file always wins over a name.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { CliError } from '../errors';
import { createLog } from '../ui/log';
import { downloadFile, manualFetchHint } from './download';
import { sha256File } from './hash';
import { cacheFolder, isOffline, mirrorUrl, modelsFolder, type Environment } from './paths';

/** A file of the registry: a path under the models folder and `<cache>/models`, with its digest. */
export interface RegistryFile {
  /** Path relative to the models folder and to `<cache>/models`. */
  file: string;
  /** Public URL, when one exists; without it the file must be placed by hand. */
  url?: string;
  sha256: string;
}

export interface ModelEntry extends RegistryFile {
  name: string;
  description: string;
  /** Class names of the model's classification output, one per line, for `run --top-k`. */
  labels?: RegistryFile;
}

// NOTE: the URLs below were not fetched from this machine, because it has no network access.
// The digests were computed from copies of the same files taken from the Coral test data at that commit.
const CORAL_TEST_DATA = 'https://github.com/google-coral/test_data/raw/104342d2';

// The 1001 ImageNet classes of the Coral classifiers, index 0 being `background`.
const CORAL_IMAGENET_LABELS: RegistryFile = {
  file: 'coral/imagenet_labels.txt',
  url: `${CORAL_TEST_DATA}/imagenet_labels.txt`,
  sha256: 'b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1',
};

export const MODEL_REGISTRY: readonly ModelEntry[] = [
  {
    name: 'mobilenet_v2',
    file: 'coral/mobilenet_v2_1.0_224_quant.tflite',
    url: `${CORAL_TEST_DATA}/mobilenet_v2_1.0_224_quant.tflite`,
    sha256: '7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776',
    description: 'MobileNetV2 1.0, 224×224, uint8 TFLite (Coral), ImageNet; 1280 pooled features',
    labels: CORAL_IMAGENET_LABELS,
  },
  {
    name: 'mobilenet_v2_onnx',
    file: 'onnx/mobilenet_v2_1.0_224_coral.onnx',
    sha256: '72e2775bcd03b04d744888cb1f5e1efef3dfa66b2419653e5041f361741d8473',
    description: 'the Coral MobileNetV2 dequantized to float32 ONNX (opset 13); no public URL',
    labels: CORAL_IMAGENET_LABELS,
  },
  {
    name: 'mobilenet_v1_0.25_128',
    file: 'coral/mobilenet_v1_0.25_128_quant.tflite',
    url: `${CORAL_TEST_DATA}/mobilenet_v1_0.25_128_quant.tflite`,
    sha256: 'cb273c23ee76374b05b9583177e28aa19744858a7679c56a250e83d0333da785',
    description: 'MobileNetV1 0.25, 128×128, uint8 TFLite (Coral): small and fast',
    labels: CORAL_IMAGENET_LABELS,
  },
  {
    name: 'mobilenet_v1_embedding',
    file: 'coral/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite',
    url: `${CORAL_TEST_DATA}/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite`,
    sha256: 'f409ef4f73fcbb9667841965623c5c8524aac33d41b9bf5f3667161fb4a76319',
    description: 'MobileNetV1 1.0, 224×224, uint8 TFLite (Coral) without its classifier: an embedding extractor',
  },
];

export const DEFAULT_BACKBONE = 'mobilenet_v2';

export interface ResolvedModel {
  /** Absolute path of the model file. */
  path: string;
  /** The registry name, when it came from one. */
  registryName?: string;
  sha256: string;
}

export interface ResolveOptions {
  env?: Environment;
  registry?: readonly ModelEntry[];
  quiet?: boolean;
}

/** Returns the registry entry with this name, if any. */
export function findModelEntry(name: string, registry: readonly ModelEntry[] = MODEL_REGISTRY): ModelEntry | undefined {
  return registry.find((entry) => entry.name === name);
}

/** Resolves a backbone argument (a file path or a registry name) to a local file, downloading it if needed. */
export async function resolveModel(spec: string, options: ResolveOptions = {}): Promise<ResolvedModel> {
  const env = options.env ?? process.env;
  const registry = options.registry ?? MODEL_REGISTRY;

  if (existsSync(spec) && statSync(spec).isFile()) {
    const path = resolve(spec);
    return { path, sha256: await sha256File(path) };
  }

  const entry = findModelEntry(spec, registry);
  if (!entry) {
    const names = registry.map((known) => known.name).join(', ');
    throw new CliError(`--backbone ${spec}: no such file and not a registry name; pass a model file (.onnx, .tflite, TF.js model.json, or .safetensors with --arch) or one of: ${names}`);
  }

  const { path, sha256 } = await resolveRegistryFile(entry, `model ${entry.name}`, env, options.quiet);
  return { path, registryName: entry.name, sha256 };
}

/**
 * Returns the labels file of the registry model `name` (from the models folder, the cache or a
 * download, like the model itself), or undefined when the model has none.
 */
export async function resolveModelLabels(name: string, options: ResolveOptions = {}): Promise<string | undefined> {
  const entry = findModelEntry(name, options.registry ?? MODEL_REGISTRY);
  if (!entry?.labels) return undefined;
  return (await resolveRegistryFile(entry.labels, `labels of ${entry.name}`, options.env ?? process.env, options.quiet)).path;
}

/** Returns where a registry file downloads from: `OFFSHELF_MIRROR/models/<file>`, else its public URL. */
export function registryFileUrl(item: RegistryFile, env: Environment = process.env): string | undefined {
  const mirror = mirrorUrl(env);
  return mirror ? `${mirror}/models/${item.file}` : item.url;
}

/**
 * Returns the path and SHA-256 of a registry file from the models folder or the cache, downloading
 * it into the cache when it is in neither. A cached file whose SHA-256 differs from the registry's
 * is corrupt and downloads again. A file in the models folder is the user's, so a different digest
 * only warns.
 */
async function resolveRegistryFile(
  item: RegistryFile, label: string, env: Environment, quiet: boolean | undefined,
): Promise<{ path: string; sha256: string }> {
  const log = createLog(quiet);
  const localFolder = modelsFolder(env);
  const localPath = localFolder ? join(localFolder, item.file) : undefined;
  if (localPath && existsSync(localPath)) {
    const digest = await sha256File(localPath);
    if (digest !== item.sha256) log.warn(`${localPath} has SHA-256 ${digest}, not the registry's ${item.sha256} for ${label}; using it as it is`);
    return { path: localPath, sha256: digest };
  }

  const cachedPath = join(cacheFolder(env), 'models', item.file);
  const url = registryFileUrl(item, env);
  const placesLooked = [localPath, cachedPath].filter(Boolean).join(' or ');
  if (existsSync(cachedPath)) {
    const digest = await sha256File(cachedPath);
    if (digest === item.sha256) return { path: cachedPath, sha256: digest };
    const problem = `the cached ${label} at ${cachedPath} has SHA-256 ${digest}, expected ${item.sha256}, so it is corrupt or was replaced`;
    if (!url || isOffline(env)) {
      throw new CliError(`${problem}; delete it and run again online, or put the registry's file there`);
    }
    log.warn(`${problem}; downloading it again`);
  } else if (!url) {
    throw new CliError(
      `${label} (${item.file}) was not found in ${placesLooked} and has no public download; put the file at ${cachedPath} ` +
        `(SHA-256 ${item.sha256}), or set OFFSHELF_MIRROR to a server that has it`,
    );
  } else if (isOffline(env)) {
    throw new CliError(`${label} was not found in ${placesLooked} and OFFSHELF_OFFLINE=1: ${manualFetchHint({ url, sha256: item.sha256, destination: cachedPath })}`);
  }

  // downloadFile renames the file into place only when its digest is the registry's.
  await downloadFile({ url, sha256: item.sha256, destination: cachedPath, label, quiet });
  return { path: cachedPath, sha256: item.sha256 };
}
