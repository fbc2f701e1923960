/** `offshelf evaluate`: accuracy, per-class metrics and confusion matrix of a model on labelled images. */
import type { WeightPrecision } from '@offshelf/backbone';
import type { Command } from 'commander';

import { extractDatasetFeatures } from '../data/load-features';
import { isFeaturesFile, readFeaturesFile, type LabelledFeatures } from '../data/features-file';
import { CliError } from '../errors';
import { checkFeaturesMatchBundle, readBundle } from '../model/bundle';
import { bundleExtractionSettings } from '../model/bundle-backbone';
import { loadIndexHead, toRows } from '../model/heads';
import { formatClassificationReport, namedClassificationReport, withScoreMetrics } from '../report/metrics';
import { addTuningOption, type TuningMode } from '../tuning/tuning-mode';
import { addWeightsOption } from '../backbone/weights-option';
import { createLog } from '../ui/log';
import { formatCount } from '../ui/plural';
import { addCommonOptions, DEFAULT_BATCH_SIZE, givenImageOptions, parseInteger, type CommonOptions } from './options';

interface EvaluateOptions extends CommonOptions {
  model: string;
  json?: boolean;
  backbone?: string;
  batchSize: number;
  cache: boolean;
  tuning?: TuningMode;
  weights?: WeightPrecision;
  /** Image options given on the command line, which a features file makes moot. */
  givenImageOptions?: string[];
}

/** Returns the model's index of each of the data's class names, or fails on a class the model does not know. */
function modelClassIndices(classNames: string[], modelClasses: string[], inputName: string): number[] {
  return classNames.map((name) => {
    const index = modelClasses.indexOf(name);
    if (index < 0) throw new CliError(`${inputName}: class "${name}" is not one of the model's classes (${modelClasses.join(', ')}); evaluate on data with the same class names`);
    return index;
  });
}

/** Maps the data's class indices onto the model's, by class name. */
function mapLabels(data: LabelledFeatures, modelClasses: string[], inputName: string): Int32Array {
  const mapping = modelClassIndices(data.classNames, modelClasses, inputName);
  return Int32Array.from(data.labels, (label) => mapping[label]!);
}

export async function runEvaluate(input: string, options: EvaluateOptions): Promise<void> {
  const log = createLog(options.quiet || options.json);
  const bundle = await readBundle(options.model);
  const head = loadIndexHead(bundle.head, bundle.classNames.length, options.model);

  let data: LabelledFeatures;
  if (isFeaturesFile(input)) {
    // The features are already extracted, so the extraction options have nothing to do.
    for (const option of options.givenImageOptions ?? []) log.warn(`${option} is ignored: ${input} already contains features`);
    data = await readFeaturesFile(input);
    checkFeaturesMatchBundle(data.provenance, bundle, input, options.model);
  } else {
    const checkClasses = (classNames: string[]): void => {
      modelClassIndices(classNames, bundle.classNames, input);
    };
    data = await extractDatasetFeatures(input, bundleExtractionSettings(bundle, options.model, options), log, checkClasses);
  }

  const yTrue = mapLabels(data, bundle.classNames, input);
  const rows = toRows(data.features, data.provenance.featureSize);
  const yPred = head.predictIndices(rows);
  const report = withScoreMetrics(namedClassificationReport(yTrue, yPred, bundle.classNames), yTrue, head.probabilities(rows));

  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...report, images: yTrue.length, model: options.model, input }, null, 1)}\n`);
  } else {
    process.stdout.write(`${input}: ${formatCount(yTrue.length, 'image')}, model ${options.model}\n${formatClassificationReport(report)}`);
  }
}

export function registerEvaluate(program: Command): void {
  const command = program
    .command('evaluate')
    .description('evaluate a trained model on labelled images: accuracy, balanced accuracy, ROC AUC and log loss, per-class precision/recall/F1, confusion matrix')
    .argument('<input>', 'data set (folder of class subfolders, CSV of path,label, or registry name) or a features .safetensors file')
    .requiredOption('--model <file>', 'model bundle written by `offshelf train`')
    .option('--json', 'print one JSON object (accuracy, balancedAccuracy, rocAuc, logLoss, labels, confusionMatrix, perClass)')
    .option('--backbone <model>', "backbone file to use instead of the model's recorded one (must have the same SHA-256)")
    .option('--batch-size <n>', 'images per GPU batch', parseInteger(1), DEFAULT_BATCH_SIZE)
    .option('--no-cache', 'do not read or write the feature cache');
  addTuningOption(command);
  addWeightsOption(command, "the model's recorded precision, else f32");
  addCommonOptions(command);
  command.action((input: string, options: EvaluateOptions, self: Command) => runEvaluate(input, { ...options, givenImageOptions: givenImageOptions(self) }));
}
