/** `offshelf classify`: labels and class probabilities for image files and folders. */
import type { WeightPrecision } from '@offshelf/backbone';
import type { Command } from 'commander';

import { collectImagePaths, IMAGE_EXTENSIONS } from '../data/dataset';
import { extractImageFeatures, reportListingSkips } from '../data/load-features';
import { checkFeaturesMatchBundle, readBundle } from '../model/bundle';
import { bundleExtractionSettings } from '../model/bundle-backbone';
import { loadIndexHead, toRows } from '../model/heads';
import { CliError, UsageError } from '../errors';
import { addTuningOption, type TuningMode } from '../tuning/tuning-mode';
import { addWeightsOption } from '../backbone/weights-option';
import { createLog } from '../ui/log';
import { formatCount } from '../ui/plural';
import { addCommonOptions, DEFAULT_BATCH_SIZE, parseInteger, type CommonOptions } from './options';

interface ClassifyOptions extends CommonOptions {
  model: string;
  topK?: number;
  json?: boolean;
  csv?: boolean;
  backbone?: string;
  batchSize: number;
  cache: boolean;
  tuning?: TuningMode;
  weights?: WeightPrecision;
}

interface Classification {
  path: string;
  label: string;
  /** Class name → probability, highest first (the top k with --top-k). */
  scores: Record<string, number>;
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export async function runClassify(paths: string[], options: ClassifyOptions): Promise<void> {
  if (options.json && options.csv) throw new UsageError('pass at most one of --json and --csv');
  const log = createLog(options.quiet || options.json || options.csv);
  const bundle = await readBundle(options.model);
  const head = loadIndexHead(bundle.head, bundle.classNames.length, options.model);

  const listing = await collectImagePaths(paths);
  reportListingSkips(listing.skipped, options.strict, log);
  if (listing.images.length === 0) {
    throw new CliError(`no image files found in ${paths.join(', ')}; pass images or folders of images with the extensions ${[...IMAGE_EXTENSIONS].join(' ')}`);
  }

  const { provenance, result } = await extractImageFeatures(listing.images, bundleExtractionSettings(bundle, options.model, options), log, listing.skipped.length);
  checkFeaturesMatchBundle(provenance, bundle, 'the backbone output', options.model);

  const rows = toRows(result.features, result.featureSize);
  const predicted = head.predictIndices(rows);
  const probabilities = head.probabilities(rows);
  const k = Math.min(options.topK ?? bundle.classNames.length, bundle.classNames.length);

  const classifications: Classification[] = result.kept.map((pathIndex, row) => {
    const scores: Record<string, number> = {};
    const probability = probabilities?.[row];
    if (probability) {
      const order = [...probability.keys()].sort((a, b) => probability[b]! - probability[a]!).slice(0, k);
      for (const index of order) scores[bundle.classNames[index]!] = probability[index]!;
    }
    return { path: listing.images[pathIndex]!, label: bundle.classNames[predicted[row]!]!, scores };
  });

  if (options.json) {
    process.stdout.write(`${JSON.stringify(classifications, null, 1)}\n`);
  } else if (options.csv) {
    const classColumns = bundle.classNames.map((name) => csvField(`p_${name}`));
    process.stdout.write(`path,label,${classColumns.join(',')}\n`);
    for (const item of classifications) {
      const values = bundle.classNames.map((name) => (item.scores[name] === undefined ? '' : item.scores[name]!.toFixed(6)));
      process.stdout.write(`${csvField(item.path)},${csvField(item.label)},${values.join(',')}\n`);
    }
  } else {
    for (const item of classifications) {
      const scores = Object.entries(item.scores)
        .map(([name, value]) => `${name} ${value.toFixed(4)}`)
        .join(', ');
      process.stdout.write(`${item.path}\t${item.label}${scores ? `\t(${scores})` : ''}\n`);
    }
  }
  if (result.skipped.length + listing.skipped.length > 0) log.info(`${formatCount(result.skipped.length + listing.skipped.length, 'file')} skipped`);
}

export function registerClassify(program: Command): void {
  const command = program
    .command('classify')
    .description('label images with a trained model; folders are searched recursively')
    .argument('<paths...>', 'image files or folders')
    .requiredOption('--model <file>', 'model bundle written by `offshelf train`')
    .option('--top-k <k>', 'show the k most probable classes per image (default: all)', parseInteger(1))
    .option('--json', 'print a JSON array of {path, label, scores}')
    .option('--csv', 'print CSV: path, label, one probability column per class (empty for classes outside --top-k)')
    .option('--backbone <model>', "backbone file to use instead of the model's recorded one (must have the same SHA-256)")
    .option('--batch-size <n>', 'images per GPU batch', parseInteger(1), DEFAULT_BATCH_SIZE)
    .option('--no-cache', 'do not read or write the feature cache');
  addTuningOption(command);
  addWeightsOption(command, "the model's recorded precision, else f32");
  addCommonOptions(command);
  command.action(runClassify);
}
