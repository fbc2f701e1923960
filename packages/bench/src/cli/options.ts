import { parseArgs, type ParseArgsConfig } from 'node:util';

import { chromiumPath } from '../browser/chromium';
import type { EngineName } from '../engines/engine';
import { ENGINE_NAMES, parseEngineName } from '../engines/registry';
import { MODEL_NAMES, parseModelRef, type ModelRef } from '../models';

export interface BenchOptions {
  /** Built-in model names and absolute paths of ONNX files. */
  models: ModelRef[];
  /** Output read as the features of every model, or null for each model's own (a file's first output). */
  output: string | null;
  engines: EngineName[];
  /** Batch sizes; null means the preset (1 and 8, plus 32 on a hardware adapter). */
  batches: number[] | null;
  warmup: number;
  repeats: number;
  /** Rounds in which every engine runs each model and batch once in turn; each engine's fastest round is kept. */
  rounds: number;
  json: boolean;
  /** Path of the Markdown report to write, or null. */
  writeDocs: string | null;
  profileKernels: boolean;
  /** WebAssembly threads of ort-wasm-chromium. Null means navigator.hardwareConcurrency capped at 2. */
  chromiumThreads: number | null;
  caseTimeoutSeconds: number;
  help: boolean;
}

export const USAGE = `Usage: pnpm bench [run] [options]
       pnpm bench kernels [CASE [VARIANT]] [--write-docs[=FILE]]
                                 run the WGSL kernel micro-benchmark of @offshelf/core-wgsl
                                 (pnpm bench kernels --help for its options)
       pnpm bench generate [--out=DIR]   write the random-weight ONNX models

\`offshelf bench\` (\`pnpm cli bench\`) takes the same options.

Measures feature extraction per engine, model and batch size, each case in its own Node process.
With no options it runs a quick set: MobileNetV2 at batch 1 on every engine, five in Node and
ort-wasm-chromium in Chromium. The five Node engines alone took about 7 minutes on lavapipe with
2 cores under a load average of 16.

Options:
  --models=LIST       comma-separated: ${MODEL_NAMES.join(', ')} (default mobilenetv2),
                      or paths of .onnx files of your own: float32, NCHW input of a fixed image size
  --output=NAME       the graph output read as the features (default: the built-in models'
                      feature layer, and a file's first output)
  --engines=LIST      comma-separated: ${ENGINE_NAMES.join(', ')} (default all);
                      ort-wasm-chromium runs onnxruntime-web's WASM backend with threads in
                      headless Chromium (${chromiumPath()}), the others in Node
  --batches=LIST      comma-separated batch sizes (default 1; "full" = 1 and 8 on a software
                      adapter such as lavapipe, 1, 8 and 32 on a hardware one)
  --full              all three 224×224 models with the full batch list
  --warmup=N          untimed runs after the first run (default 1)
  --repeats=N         timed runs; the median is reported (default 3)
  --rounds=N          run the engines of each model and batch N times in turn and keep each
                      engine's fastest round (default 1), so that on a shared machine the
                      engines meet the same slow and fast phases
  --profile-kernels   also time each GPU kernel of the offshelf runner
  --chromium-threads=N
                      WebAssembly threads of ort-wasm-chromium (default navigator.hardwareConcurrency
                      of the browser, capped at 2)
  --case-timeout=S    seconds before a case is stopped and reported as failed (default 900)
  --json              print one JSON object with a results array instead of a table
  --write-docs[=FILE] write the Markdown report (default docs/benchmarks.md)
  --help              print this text
`;

function positiveInteger(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`Invalid --${name}=${value}: expected a positive integer.`);
  return parsed;
}

function nonNegativeInteger(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`Invalid --${name}=${value}: expected an integer of 0 or more.`);
  return parsed;
}

function list(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
}

/** Splits a comma-separated option value, rejecting an empty one such as `--engines=`. */
function nonEmptyList(name: string, value: string, valid: readonly string[]): string[] {
  const items = list(value);
  if (items.length === 0) throw new Error(`Invalid --${name}=${value}: expected one or more of ${valid.join(', ')}, separated by commas.`);
  return items;
}

/** Runs node's parseArgs and adds where to find the valid options to its errors (an unknown option, a missing value). */
function parseArgsWithHint<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new Error(`${(error as Error).message.replace(/\.$/, '')}; see pnpm bench --help.`);
  }
}

/** Parses `pnpm bench run` options; throws with the offending option and the valid values. */
export function parseBenchOptions(args: string[], defaultDocsPath: string): BenchOptions {
  // A bare --write-docs means the default path; parseArgs needs a value for string options.
  const normalized = args.map((arg) => (arg === '--write-docs' ? '--write-docs=' : arg));
  const { values } = parseArgsWithHint({
    args: normalized,
    allowPositionals: false,
    options: {
      models: { type: 'string' },
      output: { type: 'string' },
      engines: { type: 'string' },
      batches: { type: 'string' },
      full: { type: 'boolean', default: false },
      warmup: { type: 'string', default: '1' },
      repeats: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '1' },
      'profile-kernels': { type: 'boolean', default: false },
      'chromium-threads': { type: 'string' },
      'case-timeout': { type: 'string', default: '900' },
      json: { type: 'boolean', default: false },
      'write-docs': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });

  let models: ModelRef[] = ['mobilenetv2'];
  if (values.models !== undefined) models = nonEmptyList('models', values.models, [...MODEL_NAMES, 'paths of .onnx files']).map((model) => parseModelRef(model));
  else if (values.full) models = ['mobilenetv2', 'resnet18', 'resnet50'];
  if (values.output === '') throw new Error('--output needs the name of a graph output: pass --output=NAME; see pnpm bench --help.');
  const engines = values.engines !== undefined ? nonEmptyList('engines', values.engines, ENGINE_NAMES).map(parseEngineName) : [...ENGINE_NAMES];

  let batches: number[] | null = [1];
  if (values.batches === 'full' || (values.full && values.batches === undefined)) batches = null;
  else if (values.batches !== undefined) batches = nonEmptyList('batches', values.batches, ['full', 'positive integers']).map((b) => positiveInteger('batches', b));

  return {
    models,
    output: values.output ?? null,
    engines,
    batches,
    warmup: nonNegativeInteger('warmup', values.warmup!),
    repeats: positiveInteger('repeats', values.repeats!),
    rounds: positiveInteger('rounds', values.rounds!),
    json: values.json!,
    writeDocs: values['write-docs'] === undefined ? null : values['write-docs'] || defaultDocsPath,
    profileKernels: values['profile-kernels']!,
    chromiumThreads: values['chromium-threads'] === undefined ? null : positiveInteger('chromium-threads', values['chromium-threads']),
    caseTimeoutSeconds: positiveInteger('case-timeout', values['case-timeout']!),
    help: values.help!,
  };
}
