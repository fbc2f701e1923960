import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { runCaseInChild, RESULT_MARKER } from '../measure/child-process';
import { emptyResult, type CaseResult } from '../measure/result';
import { bestOfRounds } from '../measure/rounds';
import { flopsOrNull, runCase, type CaseOptions } from '../measure/run-case';
import { benchCacheDir, modelLabel, modelPath, modelSpec, parseModelRef, readModel, type ModelName, type ModelRef } from '../models';
import { readBenchGraph } from '../onnx/read-graph';
import { collectEnvironment } from '../report/environment';
import { renderMarkdown } from '../report/markdown';
import { formatTextTable } from '../report/table';
import { parseEngineName } from '../engines/registry';
import { parseBenchOptions, USAGE, type BenchOptions } from './options';
import { runKernelBench } from './kernels';
import { writeEngineReport } from '../report/write-report';

function repoRoot(): string {
  return process.env.OFFSHELF_BENCH_REPO ?? process.cwd();
}

/** Batch sizes of the preset: 1 and 8, and 32 only on a hardware adapter, where it finishes in reasonable time. */
function presetBatches(isSoftwareAdapter: boolean): number[] {
  return isSoftwareAdapter ? [1, 8] : [1, 8, 32];
}

async function runBench(options: BenchOptions, args: string[]): Promise<void> {
  const command = ['pnpm bench', ...args].join(' ');
  const environment = await collectEnvironment(command);
  const batches = options.batches ?? presetBatches(environment.adapter.isFallbackAdapter);

  const rounds: CaseResult[][] = Array.from({ length: options.rounds }, () => []);
  for (const model of options.models) {
    for (const batch of batches) {
      for (let round = 0; round < options.rounds; round++) {
        const roundLabel = options.rounds > 1 ? `, round ${round + 1} of ${options.rounds}` : '';
        for (const engine of options.engines) {
          process.stderr.write(`bench: ${engine}, ${modelLabel(model)}, batch ${batch}${roundLabel}\n`);
          const caseStart = performance.now();
          const result = await runCaseInChild({
            engine,
            model,
            ...(options.output === null ? {} : { output: options.output }),
            batch,
            warmup: options.warmup,
            repeats: options.repeats,
            profileKernels: options.profileKernels,
            ...(options.chromiumThreads === null ? {} : { chromiumThreads: options.chromiumThreads }),
            timeoutSeconds: options.caseTimeoutSeconds,
          });
          rounds[round]!.push(result);
          const figure = result.status === 'ok' ? `${result.imagesPerSecond!.toFixed(2)} images/s` : `${result.status}: ${result.error}`;
          const seconds = ((performance.now() - caseStart) / 1000).toFixed(0);
          process.stderr.write(`bench: ${engine}, ${modelLabel(model)}, batch ${batch}${roundLabel}: ${figure} (case took ${seconds} s)\n`);
        }
      }
    }
  }
  const results = bestOfRounds(rounds);

  if (options.json) {
    process.stdout.write(`${JSON.stringify({ environment, warmup: options.warmup, repeats: options.repeats, rounds: options.rounds, results }, null, 2)}\n`);
  } else {
    process.stdout.write(`${environment.adapter.adapter.description} (${environment.adapter.backend}), ${environment.date}\n`);
    const features = environment.cpuFeatures === null ? '' : ` (${environment.cpuFeatures})`;
    process.stdout.write(`CPU: ${environment.cpu}${features}, ${environment.cpuCount} logical cores\n`);
    process.stdout.write(`${formatTextTable(results)}\n`);
  }

  if (options.writeDocs) {
    const path = resolve(repoRoot(), options.writeDocs);
    await mkdir(dirname(path), { recursive: true });
    const flopsPerImage: Record<ModelRef, number> = {};
    for (const model of options.models) {
      const { path: file, bytes } = await readModel(model);
      const flops = flopsOrNull(readBenchGraph(bytes, options.output ?? modelSpec(model).outputName, file), file);
      if (flops !== null) flopsPerImage[model] = flops;
    }
    await writeEngineReport(path, renderMarkdown(environment, { warmup: options.warmup, repeats: options.repeats, rounds: options.rounds, flopsPerImage }, results));
    process.stderr.write(`bench: wrote ${path}\n`);
  }
}

/** `case`: the child side of runCaseInChild, which prints its result on one marked line. */
async function runCaseCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      engine: { type: 'string' },
      model: { type: 'string' },
      output: { type: 'string' },
      batch: { type: 'string' },
      warmup: { type: 'string', default: '1' },
      repeats: { type: 'string', default: '3' },
      'profile-kernels': { type: 'boolean', default: false },
      'chromium-threads': { type: 'string' },
    },
  });
  const chromiumThreads = values['chromium-threads'];
  const options: CaseOptions = {
    engine: parseEngineName(values.engine ?? ''),
    model: parseModelRef(values.model ?? ''),
    ...(values.output === undefined ? {} : { output: values.output }),
    batch: Number(values.batch),
    warmup: Number(values.warmup),
    repeats: Number(values.repeats),
    profileKernels: values['profile-kernels']!,
    ...(chromiumThreads === undefined ? {} : { chromiumThreads: Number(chromiumThreads) }),
  };

  let result: CaseResult;
  try {
    result = await runCase(options);
  } catch (error) {
    // The stack goes to the log; the message goes into the report's "Not measured" list.
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    result = emptyResult(options.engine, options.model, options.batch, 'failed', error instanceof Error ? error.message : String(error));
  }
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

/** `generate`: writes the random-weight models into the cache (or --out) and prints their paths. */
async function runGenerate(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' } } });
  if (values.out) process.env.OFFSHELF_BENCH_CACHE = resolve(values.out);
  const names: ModelName[] = ['resnet18', 'resnet50', 'tiny'];
  for (const name of names) process.stdout.write(`${await modelPath(name)}\n`);
  process.stderr.write(`bench: models are in ${join(benchCacheDir(), 'models')}\n`);
}

async function main(): Promise<void> {
  const [first, ...rest] = process.argv.slice(2);
  switch (first) {
    case 'case':
      return runCaseCommand(rest);
    case 'generate':
      return runGenerate(rest);
    case 'kernels':
      return runKernelBench(repoRoot(), rest);
    case 'run':
      return runWithOptions(rest);
    default:
      return runWithOptions(process.argv.slice(2));
  }
}

async function runWithOptions(args: string[]): Promise<void> {
  const options = parseBenchOptions(args, join('docs', 'benchmarks.md'));
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  await runBench(options, args);
}

main().then(
  // Dawn keeps the event loop alive after a device is destroyed; exit explicitly.
  () => process.exit(0),
  (error: unknown) => {
    // A case's stack goes into the log of the run that spawned it; usage errors need only the message.
    let detail = String(error);
    if (error instanceof Error) detail = process.argv[2] === 'case' ? (error.stack ?? error.message) : error.message;
    process.stderr.write(`bench: ${detail}\n`);
    process.exit(1);
  },
);
