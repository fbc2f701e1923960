/** `offshelf tune`: times the conv and GEMM kernel variants of a backbone on this adapter and caches the fastest. */
import { createFeatureExtractor } from '@offshelf/backbone';
import { describeTuningKey, type TuningResult } from '@offshelf/core-wgsl';
import { requestDevice } from '@offshelf/device';
import type { Command } from 'commander';

import { importModel } from '../backbone/open-backbone';
import { CliError, errorMessage } from '../errors';
import { DEFAULT_BACKBONE, resolveModel } from '../registry/models';
import { FileTuningCache, tuningCachePath } from '../tuning/file-tuning-cache';
import { tuningAdapterOf } from '../tuning/tuning-options';
import { createLog } from '../ui/log';
import { DEFAULT_BATCH_SIZE, parseInteger } from './options';

interface TuneOptions {
  backbone: string;
  arch?: string;
  batchSize: number;
  budgetMs: number;
  clear?: boolean;
  quiet?: boolean;
}

export async function runTune(options: TuneOptions, stdout: NodeJS.WritableStream = process.stdout): Promise<void> {
  const log = createLog(options.quiet);
  const cache = new FileTuningCache(tuningCachePath());
  if (options.clear) {
    const existed = await cache.exists();
    await cache.clear();
    log.info(existed ? `removed the tuning cache ${cache.path}` : `no tuning cache at ${cache.path}: nothing to remove`);
    return;
  }

  const model = await resolveModel(options.backbone, { quiet: options.quiet });
  const graph = await importModel(model, options.arch, options.quiet);
  const gpu = await requestDevice();
  const results: TuningResult[] = [];
  const start = performance.now();
  try {
    const extractor = await createFeatureExtractor(gpu.device, graph, {
      batchSize: options.batchSize,
      tuning: {
        cache,
        mode: 'tune',
        adapter: tuningAdapterOf(gpu),
        budgetMs: options.budgetMs,
        onResult: (result) => {
          results.push(result);
          const notes = [
            ...(result.skipped.length > 0 ? [`over budget, not timed: ${result.skipped.join(', ')}`] : []),
            ...(result.rejected.length > 0 ? [`output differs from the default, rejected: ${result.rejected.join(', ')}`] : []),
          ];
          const suffix = notes.length > 0 ? ` (${notes.join('; ')})` : '';
          log.info(`${result.fromCache ? 'cached' : 'tuned '} ${result.key.kind} ${describeTuningKey(result.key)}: ${result.choice.variant}${suffix}`);
        },
      },
    });
    extractor.dispose();
  } catch (error) {
    throw new CliError(`tuning ${model.path} failed: ${errorMessage(error)}`);
  } finally {
    gpu.destroy();
  }

  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  const clock = gpu.device.features.has('timestamp-query') ? 'GPU timestamps' : 'CPU time to queue completion';
  stdout.write(formatTuningTable(results));
  log.info(`${results.length} kernel shapes in ${seconds} s (${clock}), cached in ${cache.path}`);
}

/** Formats one row per kernel shape: default and best variant with their best times in milliseconds. */
export function formatTuningTable(results: readonly TuningResult[]): string {
  const milliseconds = (value: number | undefined): string => (value === undefined ? '-' : value.toFixed(3));
  const rows = results.map((result) => {
    const { variant, defaultVariant, timesMs } = result.choice;
    const defaultMs = timesMs[defaultVariant];
    const bestMs = timesMs[variant];
    const speedup = defaultMs !== undefined && bestMs !== undefined && bestMs > 0 ? `${(defaultMs / bestMs).toFixed(2)}x` : '-';
    return [result.key.kind, describeTuningKey(result.key), defaultVariant, milliseconds(defaultMs), variant, milliseconds(bestMs), speedup];
  });

  const header = ['kernel', 'shape', 'default variant', 'default ms', 'best variant', 'best ms', 'speedup'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string => `${cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()}\n`;

  const defaultTotal = results.reduce((sum, r) => sum + (r.choice.timesMs[r.choice.defaultVariant] ?? 0), 0);
  const bestTotal = results.reduce((sum, r) => sum + (r.choice.timesMs[r.choice.variant] ?? 0), 0);
  const total = ['total', '', '', milliseconds(defaultTotal), '', milliseconds(bestTotal), bestTotal > 0 ? `${(defaultTotal / bestTotal).toFixed(2)}x` : '-'];
  return [header, ...rows, total].map(line).join('');
}

export function registerTune(program: Command): void {
  program
    .command('tune')
    .description(
      'time the convolution and GEMM kernel variants of a backbone on this GPU and cache the fastest for later runs. ' +
        'Commands that run a backbone use the cache; --tuning off (or OFFSHELF_TUNING=off) ignores it, --tuning tune also tunes missing shapes first.',
    )
    .option('--backbone <model>', 'model file or registry name to tune for', DEFAULT_BACKBONE)
    .option('--arch <name>', 'network architecture for a weights-only .safetensors backbone')
    .option('--batch-size <n>', 'images per GPU batch to tune for (kernel shapes depend on it)', parseInteger(1), DEFAULT_BATCH_SIZE)
    .option('--budget-ms <ms>', 'wall-clock milliseconds of timing per kernel shape; past it, the variant being timed stops and the rest are not timed', parseInteger(1), 400)
    .option('--clear', `delete the tuning cache file (${tuningCachePath()}) with the results of every adapter, and exit`)
    .option('-q, --quiet', 'no status lines on stderr')
    .action((options: TuneOptions) => runTune(options));
}
