/**
 * `offshelf run`: runs a network on one input (a .npy tensor or an image) and
 * writes the requested outputs as .npy files.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Option, type Command } from 'commander';

import { createFeatureExtractor, type Graph, type RgbaImage, type WeightPrecision } from '@offshelf/backbone';
import { requestDevice } from '@offshelf/device';

import { importModel, type FeatureExtractor, type FloatTensor } from '../backbone/open-backbone';
import { addPreprocessingOptions, applyPreprocessingOverrides, preprocessingOverrides, type PreprocessingOverrides } from '../backbone/preprocessing-options';
import { CliError, errorMessage, UsageError } from '../errors';
import { decodeImageFile, ImageDecodeError } from '../images/decode';
import { checkOutputFile, writeFileAtomic } from '../io/atomic-write';
import { decodeNpy, encodeNpy } from '../io/npy';
import { findModelEntry, MODEL_REGISTRY, resolveModel, resolveModelLabels } from '../registry/models';
import { addTuningOption, resolveTuningMode, type TuningMode } from '../tuning/tuning-mode';
import { addWeightsOption, checkWeightsSupported } from '../backbone/weights-option';
import { cliTuningOptions } from '../tuning/tuning-options';
import { createLog } from '../ui/log';
import { parseInteger } from './options';

interface RunOptions extends PreprocessingOverrides {
  backbone: string;
  arch?: string;
  input?: string;
  image?: string;
  output: string[];
  out?: string;
  topK?: number;
  labels?: string;
  debug?: boolean;
  quiet?: boolean;
  tuning?: TuningMode;
  weights?: WeightPrecision;
}

/** Reads `--input` as a tensor, or decodes `--image` for the GPU preprocessing that `extract` also uses. */
async function readInput(options: RunOptions): Promise<{ tensor: FloatTensor } | { image: RgbaImage }> {
  if (options.input) {
    const bytes = await readFile(options.input).catch(() => {
      throw new CliError(`--input ${options.input}: file not found`);
    });
    return { tensor: decodeNpy(new Uint8Array(bytes), options.input) };
  }
  try {
    return { image: await decodeImageFile(options.image!) };
  } catch (error) {
    // The decoder's message names the file and the fix, so it is a plain input error.
    if (error instanceof ImageDecodeError) throw new CliError(`--image ${error.message}`);
    throw error;
  }
}

/** File name for an output tensor: its name with characters unsafe in file names replaced. */
export function outputFileName(tensorName: string): string {
  return `${tensorName.replace(/[^A-Za-z0-9._-]+/g, '_')}.npy`;
}

function softmax(values: Float32Array): Float64Array {
  const max = Math.max(...values);
  const exps = Float64Array.from(values, (value) => Math.exp(value - max));
  const sum = exps.reduce((total, value) => total + value, 0);
  return exps.map((value) => value / sum);
}

/** Reads a label file: one class name per line, a final empty line ignored. */
async function readLabels(labelsPath: string): Promise<string[]> {
  const text = await readFile(labelsPath, 'utf8').catch(() => {
    throw new CliError(`--labels ${labelsPath}: file not found`);
  });
  return text.split(/\r?\n/).filter((line, index, lines) => line !== '' || index < lines.length - 1);
}

/** Number of classes in a scores tensor: the product of its non-batch dimensions, so [1, 1000, 1, 1] has 1000. */
export function classCount(shape: readonly number[]): number {
  return shape.slice(1).reduce((product, size) => product * size, 1);
}

/** Rejects a label file whose line count differs from the class count of `scores`. */
function checkLabels(tensorName: string, scores: FloatTensor, labels: string[], labelsPath: string): void {
  const count = classCount(scores.shape);
  if (labels.length !== count) {
    throw new CliError(`--labels ${labelsPath} has ${labels.length} lines but output ${tensorName} [${scores.shape.join(', ')}] has ${count} classes; pass the label file that belongs to this model`);
  }
}

/** Prints the top-k classes of the first row of `scores`, with one label per class. */
function printTopK(tensorName: string, scores: FloatTensor, labels: string[], k: number): void {
  const row = scores.data.subarray(0, classCount(scores.shape));
  // An output that is already a distribution (a Softmax output) is printed as is.
  const total = row.reduce((sum, value) => sum + value, 0);
  const isDistribution = Math.abs(total - 1) < 1e-3 && row.every((value) => value >= 0);
  const probabilities = isDistribution ? Float64Array.from(row) : softmax(row);
  const order = [...row.keys()].sort((a, b) => row[b]! - row[a]!).slice(0, k);
  process.stdout.write(`top ${order.length} of ${tensorName} (score, ${isDistribution ? 'probability' : 'softmax probability'}):\n`);
  for (const [rank, index] of order.entries()) {
    process.stdout.write(`${String(rank + 1).padStart(3)}  ${labels[index]}  ${row[index]!.toFixed(4)}  ${probabilities[index]!.toFixed(4)}\n`);
  }
}

/**
 * Chooses the tensor `--top-k` ranks: the model's classifier output when it has one, else the
 * output requested with `--output`. A model without either (a feature extractor) is rejected.
 */
function chooseScoresOutput(graph: Graph, requested: string[], modelPath: string): string {
  if (graph.metadata.classifierOutput) return graph.metadata.classifierOutput;
  if (requested.length > 0) return requested[0]!;
  const outputs = graph.outputs.map((output) => output.name).join(', ');
  throw new CliError(`--top-k: ${modelPath} has no classification output (its outputs ${outputs} are feature vectors); pass --output NAME to rank the values of one tensor, or use a classifier model`);
}

/**
 * Chooses where each output goes: `<-o>/<tensor>.npy` for several outputs or when `-o` is a folder
 * (an existing one, or a path ending in a slash), else `-o` itself. An `-o` ending in .npy with
 * several outputs is rejected, because it would become a folder.
 */
function chooseOutputPaths(out: string | undefined, outputNames: string[]): Map<string, string> {
  const paths = new Map<string, string>();
  if (out === undefined) return paths;
  if (outputNames.length > 1 && out.toLowerCase().endsWith('.npy')) {
    throw new UsageError(`-o ${out} names one .npy file but ${outputNames.length} outputs would be written (${outputNames.join(', ')}); pass --output NAME for one of them, or a folder path to -o`);
  }
  const intoFolder = outputNames.length > 1 || /[/\\]$/.test(out) || statSync(out, { throwIfNoEntry: false })?.isDirectory() === true;
  for (const name of outputNames) paths.set(name, intoFolder ? join(out, outputFileName(name)) : out);
  return paths;
}

export async function runRun(options: RunOptions): Promise<void> {
  if (Boolean(options.input) === Boolean(options.image)) throw new UsageError('pass exactly one of --input X.npy or --image IMAGE');
  if (options.out === undefined && options.topK === undefined && !options.debug) {
    const pathLike = options.output.find((name) => /\.npy$|[/\\]/.test(name));
    const hint = pathLike ? ` (--output ${pathLike} names a tensor to write; the file or folder is -o ${pathLike})` : '';
    // Registry classifiers bring their own class names, so they need no --labels.
    const printClasses = findModelEntry(options.backbone)?.labels ? '--top-k K' : '--top-k K --labels FILE';
    throw new UsageError(`pass -o PATH to write outputs, ${printClasses} to print classes, or --debug to print every node's output (any of them together)${hint}`);
  }
  const tuningMode = resolveTuningMode(options.tuning);
  const log = createLog(options.quiet);

  const model = await resolveModel(options.backbone, { quiet: options.quiet });
  // Registry classifiers know their class names, so --top-k works on them without --labels, also
  // when given as a path to a file with a registry model's SHA-256.
  const registryName = model.registryName ?? MODEL_REGISTRY.find((entry) => entry.sha256 === model.sha256)?.name;
  const labelsPath = options.labels ?? (options.topK !== undefined && registryName ? await resolveModelLabels(registryName, { quiet: options.quiet }) : undefined);
  if (options.topK !== undefined && !labelsPath) {
    const withLabels = MODEL_REGISTRY.filter((entry) => entry.labels).map((entry) => entry.name).join(', ');
    throw new UsageError(`--top-k needs --labels FILE (one class name per line). Only the registry models ${withLabels} include their own labels`);
  }
  const graph = await importModel(model, options.arch, options.quiet);
  const overrides = preprocessingOverrides(options);
  if (overrides) applyPreprocessingOverrides(graph, overrides);
  // Without -o nothing is written, so only the ranked output is computed.
  let outputNames: string[] = [];
  if (options.out !== undefined) outputNames = options.output.length > 0 ? options.output : graph.outputs.map((output) => output.name);
  const knownNames = new Set([...graph.outputs.map((output) => output.name), ...graph.nodes.flatMap((node) => node.outputs)]);
  for (const name of options.output) {
    if (!knownNames.has(name)) throw new UsageError(`--output ${name}: no tensor of that name in ${model.path}; graph outputs are ${graph.outputs.map((output) => output.name).join(', ')}, and any node's output works too (--debug lists them)`);
  }
  const outputPaths = chooseOutputPaths(options.out, outputNames);
  for (const path of outputPaths.values()) await checkOutputFile(path);
  const scoresName = options.topK === undefined ? undefined : chooseScoresOutput(graph, options.output, model.path);
  const labels = labelsPath === undefined ? undefined : await readLabels(labelsPath);
  const computedNames = [...new Set([...outputNames, ...(scoresName ? [scoresName] : [])])];

  const input = await readInput(options);
  const gpu = await requestDevice();
  let runner: FeatureExtractor;
  try {
    checkWeightsSupported(options.weights ?? 'f32', gpu.summary);
    // The extractor's layer is irrelevant here; `keep` makes the requested values survive fusion.
    runner = await createFeatureExtractor(gpu.device, graph, {
      debug: options.debug,
      batchSize: 1,
      keep: computedNames,
      layer: graph.metadata.featureOutput ?? computedNames[0],
      tuning: cliTuningOptions(gpu, tuningMode),
      weightPrecision: options.weights,
    });
  } catch (error) {
    gpu.destroy();
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot prepare ${model.path} to run: ${errorMessage(error)}`);
  }
  try {
    const inputName = graph.inputs[0]!.name;
    const tensor = 'tensor' in input ? input.tensor : await runner.preprocess([input.image]);
    const outputs = await runner.runTensors({ [inputName]: tensor }, computedNames);
    for (const name of computedNames) {
      if (!outputs[name]) throw new CliError(`the runner returned no tensor ${name}`);
    }

    // The label check comes before any write, so a wrong label file leaves no files behind.
    if (scoresName && labels) checkLabels(scoresName, outputs[scoresName]!, labels, labelsPath!);

    for (const [name, path] of outputPaths) {
      const tensor = outputs[name]!;
      await writeFileAtomic(path, encodeNpy(tensor));
      log.info(`wrote ${path}: ${name} [${tensor.shape.join(', ')}]`);
    }

    if (scoresName && labels) printTopK(scoresName, outputs[scoresName]!, labels, options.topK!);
  } finally {
    runner.dispose();
    gpu.destroy();
  }
}

export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('run a network on one input and write the requested output tensors as .npy files')
    .requiredOption('--backbone <model>', 'model file (.onnx, .tflite, TF.js model.json, or .safetensors with --arch) or registry name')
    .option('--arch <name>', 'network architecture for a weights-only .safetensors file')
    .option('--input <file>', 'input tensor as a NumPy .npy file (float32, C order, the model input shape, NCHW)')
    .option('--image <file>', "input image, resized and normalized as the model expects")
    .addOption(
      new Option('--output <name>', 'output tensor to write; repeat for several')
        .default([] as string[], 'every graph output')
        .argParser((value: string, previous: string[]) => [...previous, value]),
    )
    .option('-o, --out <path>', '.npy file for one output, or a folder for several (one <tensor>.npy each); optional with --top-k')
    .option('--top-k <k>', 'print the k highest-scoring classes (needs --labels, except for registry classifiers)', parseInteger(1))
    .option('--labels <file>', 'class names, one per line, in output order (default for registry classifiers: their own)')
    .option('--debug', "print each node's output statistics (the runner's debug mode)")
    .option('-q, --quiet', 'no status lines on stderr');
  addTuningOption(command);
  addWeightsOption(command);
  addPreprocessingOptions(command);
  command.action(runRun);
}
