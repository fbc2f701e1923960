/**
 * `offshelf train`: fits a classifier head on features of a labelled image set
 * (or a features file), prints cross-validation scores and a confusion matrix,
 * and writes a model bundle.
 */
import type { HeadSpec, TransformSpec } from '@offshelf/heads';
import { InvalidArgumentError, Option, type Command } from 'commander';

import { isFeaturesFile } from '../data/features-file';
import { loadLabelledFeatures } from '../data/load-features';
import { InterruptedError, UsageError } from '../errors';
import { interruptRequested } from '../interrupt';
import { checkOutputFile } from '../io/atomic-write';
import { BUNDLE_FORMAT, BUNDLE_VERSION, writeBundle } from '../model/bundle';
import { checkFoldCount, crossValidate, gridSearch, smallestTrainingFold, type CrossValidationResult, type GridPoint } from '../model/cross-validate';
import { HEAD_KINDS, toRows, trainHeadOnRows, unconvergedIterations, type CliHeadKind } from '../model/heads';
import { formatConfusionMatrix, namedClassificationReport, withScoreMetrics } from '../report/metrics';
import { createLog } from '../ui/log';
import { formatNameList } from '../ui/names';
import { formatCount } from '../ui/plural';
import { createProgress } from '../ui/progress';
import { addBackboneOptions, addCommonOptions, extractionSettings, givenImageOptions, parseInteger, parsePositiveIntegerList, parsePositiveList, type BackboneOptions, type CommonOptions } from './options';

interface TrainOptions extends CommonOptions, BackboneOptions {
  head: CliHeadKind;
  C?: number[];
  gamma?: Array<number | 'scale'>;
  neighbors?: number[];
  cv: number;
  grid?: boolean;
  /** Transforms fitted in order on the training features, from --transform. */
  transform: TransformSpec[];
  classWeight?: 'balanced';
  maxIter?: number;
  output: string;
  /** Backbone options given on the command line, which a features file makes moot. */
  givenImageOptions?: string[];
}

const DEFAULT_NEIGHBORS = 5;
/** Neighbour counts that `--grid` tries for --head knn when `--neighbors` is not given. */
const DEFAULT_NEIGHBORS_GRID = [1, 3, 5, 7, 9, 15];

/** Grid used by `--grid` when `--C` is not given (log-spaced, as in scikit-learn examples). */
const DEFAULT_C_GRID = [0.01, 0.1, 1, 10, 100];
const DEFAULT_GAMMA_GRID: Array<number | 'scale'> = ['scale', 1e-4, 1e-3, 1e-2];

function parseGammaList(value: string): Array<number | 'scale'> {
  return value.split(',').map((part) => {
    const trimmed = part.trim();
    if (trimmed === 'scale') return 'scale';
    const parsed = Number(trimmed);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError(`expected "scale" or positive numbers separated by commas, got "${value}".`);
    return parsed;
  });
}

/**
 * Parses `--transform`: transforms separated by commas, fitted in that order. Each is standardize,
 * l2-normalize, pca:N (N components) or pca:N:whiten, and `none` alone means no transform.
 */
export function parseTransforms(value: string): TransformSpec[] {
  const names = value.split(',').map((name) => name.trim());
  if (names.length === 1 && names[0] === 'none') return [];
  return names.map((name) => {
    if (name === 'standardize' || name === 'l2-normalize') return name;
    const pca = /^pca:(\d+)(:whiten)?$/.exec(name);
    if (pca && Number(pca[1]) >= 1) return { kind: 'pca', nComponents: Number(pca[1]), whiten: pca[2] !== undefined };
    throw new InvalidArgumentError(
      `"${name}" is not a transform; use none, or standardize, l2-normalize, pca:N or pca:N:whiten (N components), separated by commas, such as l2-normalize,pca:128.`,
    );
  });
}

/** Builds the head specifications to try: one without `--grid`, the grid's product with it. */
function headSpecs(options: TrainOptions): HeadSpec[] {
  const base: HeadSpec = {
    kind: options.head,
    seed: 0,
    ...(options.transform.length > 0 ? { transforms: options.transform } : {}),
    ...(options.classWeight ? { classWeight: options.classWeight } : {}),
    ...(options.maxIter !== undefined ? { maxIter: options.maxIter } : {}),
  };
  if (options.head === 'knn') {
    if (options.C || options.gamma) throw new UsageError('--C and --gamma do not apply to --head knn; use --neighbors');
    if (options.classWeight) throw new UsageError('--class-weight does not apply to --head knn, whose votes weigh no sample; balance the classes in the data instead');
    if (options.maxIter !== undefined) throw new UsageError('--max-iter applies to logreg, linear-svm and rbf-svm, not knn');
    const neighbors = options.neighbors ?? (options.grid ? DEFAULT_NEIGHBORS_GRID : [DEFAULT_NEIGHBORS]);
    if (!options.grid && neighbors.length > 1) throw new UsageError('several --neighbors values need --grid (grid search by cross-validation)');
    return neighbors.map((nNeighbors) => ({ ...base, nNeighbors }));
  }
  if (options.neighbors) throw new UsageError(`--neighbors applies only to --head knn, not ${options.head}`);
  if (options.gamma && options.head !== 'rbf-svm') throw new UsageError(`--gamma applies only to --head rbf-svm, not ${options.head}`);

  const cValues = options.C ?? (options.grid ? DEFAULT_C_GRID : [1]);
  let gammaValues: Array<number | 'scale' | undefined> = [undefined];
  if (options.head === 'rbf-svm') gammaValues = options.gamma ?? (options.grid ? DEFAULT_GAMMA_GRID : ['scale']);
  if (!options.grid && (cValues.length > 1 || gammaValues.length > 1)) {
    throw new UsageError('several --C or --gamma values need --grid (grid search by cross-validation)');
  }
  return cValues.flatMap((C) => gammaValues.map((gamma) => ({ ...base, C, ...(gamma !== undefined ? { gamma } : {}) })));
}

/**
 * Checks that every k of --neighbors fits the images each fit trains on: all of them for the final
 * fit, the smallest cross-validation training fold (`trainingFold`) for the others. Default grid
 * values that do not fit are dropped, values the user passed are rejected.
 */
function fitNeighborsToData(specs: HeadSpec[], options: TrainOptions, images: number, trainingFold: number | undefined): HeadSpec[] {
  const limit = trainingFold ?? images;
  let where = `the ${formatCount(images, 'training image')}`;
  if (trainingFold !== undefined) where = `the ${trainingFold} images each cross-validation fit trains on (${formatCount(images, 'image')}, ${options.cv} folds)`;

  if (options.neighbors === undefined) {
    const fitting = specs.filter((spec) => spec.nNeighbors! <= limit);
    if (fitting.length > 0) return fitting;
  }
  const largest = Math.max(...specs.map((spec) => spec.nNeighbors!));
  if (largest > limit) throw new UsageError(`--neighbors ${largest} is more than ${where}; pass --neighbors ${limit} or less`);
  return specs;
}

/**
 * Rejects a PCA with more components than it can fit before any training: at most the number of
 * features and of samples it is fitted on, which is the smallest training fold under --cv.
 */
function checkPcaComponents(transforms: TransformSpec[], images: number, featureSize: number, trainingFold: number | undefined): void {
  const samples = trainingFold ?? images;
  for (const spec of transforms) {
    if (typeof spec === 'string' || spec.kind !== 'pca' || spec.nComponents <= Math.min(samples, featureSize)) continue;
    const sampleSource = trainingFold === undefined ? `${formatCount(images, 'image')}` : `${trainingFold} images in the smallest --cv training fold`;
    throw new UsageError(
      `--transform ${transformName(spec)}: PCA can fit at most min(samples, features) = min(${samples}, ${featureSize}) = ${Math.min(samples, featureSize)} components here ` +
        `(${sampleSource}, ${featureSize} features); lower N`,
    );
  }
}

function describeSpec(spec: HeadSpec): string {
  const parts: string[] = [spec.kind];
  if (spec.C !== undefined) parts.push(`C=${spec.C}`);
  if (spec.gamma !== undefined) parts.push(`gamma=${spec.gamma}`);
  if (spec.nNeighbors !== undefined) parts.push(`neighbors=${spec.nNeighbors}`);
  if (spec.transforms?.length) parts.push(`after ${spec.transforms.map(transformName).join(',')}`);
  return parts.join(' ');
}

/** Spells a transform as --transform takes it. */
function transformName(spec: TransformSpec): string {
  if (typeof spec === 'string') return spec;
  if (spec.kind === 'pca') return `pca:${spec.nComponents}${spec.whiten ? ':whiten' : ''}`;
  return spec.kind;
}

export async function runTrain(input: string, options: TrainOptions): Promise<void> {
  if (!options.output.toLowerCase().endsWith('.json')) throw new UsageError(`-o ${options.output}: the model file name must end in .json`);
  if (options.cv === 1) throw new UsageError('--cv 1 is invalid: pass 0 to skip cross-validation, or 2 or more folds');
  if (options.grid && options.cv < 2) throw new UsageError('--grid needs cross-validation: pass --cv 2 or more');
  await checkOutputFile(options.output);
  let specs = headSpecs(options);
  const log = createLog(options.quiet);
  if (isFeaturesFile(input)) {
    for (const option of options.givenImageOptions ?? []) log.warn(`${option} is ignored: ${input} already contains features`);
  }

  const data = await loadLabelledFeatures(
    input,
    extractionSettings(options),
    log,
  );
  const presentClasses = new Set(data.labels);
  for (const [label, name] of data.classNames.entries()) {
    if (!presentClasses.has(label)) throw new UsageError(`${input}: class "${name}" has no usable images after skipping; add images or remove the class`);
  }

  const rows = toRows(data.features, data.provenance.featureSize);
  const folds = options.cv >= 2 ? options.cv : 0;
  // Checked before the plan line, so a fold count that cannot work is the only output.
  if (folds > 0) checkFoldCount(data.labels, folds, data.classNames);
  if (options.head === 'knn') specs = fitNeighborsToData(specs, options, rows.length, folds > 0 ? smallestTrainingFold(data.labels, folds) : undefined);
  checkPcaComponents(options.transform, rows.length, data.provenance.featureSize, folds > 0 ? smallestTrainingFold(data.labels, folds) : undefined);
  const fits = folds * specs.length + 1;
  const crossValidationFits = folds > 0 ? `${formatCount(specs.length, 'setting')} × ${folds} folds, then ` : '';
  log.info(`training: ${formatCount(fits, 'fit')} (${crossValidationFits}the final fit on all ${formatCount(rows.length, 'image')})`);
  const progress = createProgress({ label: 'training', total: fits, rateUnit: 'fits/s', quiet: options.quiet });
  const onFold = () => {
    progress.increment();
    if (interruptRequested()) throw new InterruptedError();
  };

  let chosen = specs[0]!;
  let gridResults: GridPoint[] | undefined;
  let crossValidation: CrossValidationResult | undefined;
  try {
    if (specs.length > 1) {
      gridResults = await gridSearch(rows, data.labels, data.classNames, specs, folds, onFold);
      chosen = gridResults[0]!.spec;
      crossValidation = gridResults[0]!.result;
    } else if (folds > 0) {
      crossValidation = await crossValidate(rows, data.labels, data.classNames, chosen, folds, onFold);
    }
  } catch (error) {
    progress.stop();
    throw error;
  }

  // SVM heads get Platt scaling on the final fit only, so `classify` can print probabilities.
  const finalSpec: HeadSpec = chosen.kind === 'linear-svm' || chosen.kind === 'rbf-svm' ? { ...chosen, probability: true } : chosen;
  const head = trainHeadOnRows(rows, data.labels, finalSpec);
  progress.increment();
  progress.stop();
  const iterations = unconvergedIterations(head.head);
  if (iterations !== undefined) {
    log.warn(
      `the ${chosen.kind} solver stopped after ${formatCount(iterations, 'iteration')} before converging, so the head may differ from a converged fit; ` +
        'raise --max-iter, lower --C or pass --transform standardize',
    );
  }

  if (gridResults) {
    process.stdout.write(`grid search (${folds}-fold cross-validation accuracy):\n`);
    for (const point of gridResults) process.stdout.write(`  ${describeSpec(point.spec).padEnd(36)} ${point.result.mean.toFixed(4)} ± ${point.result.std.toFixed(4)}\n`);
    process.stdout.write(`best: ${describeSpec(chosen)}\n\n`);
  }
  const crossValidationReport =
    crossValidation && withScoreMetrics(namedClassificationReport(data.labels, crossValidation.predictions, data.classNames), data.labels, crossValidation.probabilities);
  if (crossValidation && crossValidationReport) {
    const report = crossValidationReport;
    // ROC AUC and log loss of the out-of-fold probabilities, where the fold heads give them, else
    // the mean ROC AUC of the folds' decision values (two-class SVMs).
    const foldRocAuc = meanFoldRocAuc(crossValidation);
    const positive = data.classNames.length === 2 ? `${data.classNames[1]} positive` : 'one-vs-rest, macro';
    const scores = [
      ...(report.rocAuc === undefined ? [] : [`ROC AUC ${report.rocAuc.toFixed(4)} (${positive})`]),
      ...(foldRocAuc === undefined ? [] : [`ROC AUC ${foldRocAuc.toFixed(4)} (${positive}, mean of the ${folds} folds' areas, from decision values)`]),
      ...(report.logLoss === undefined ? [] : [`log loss ${report.logLoss.toFixed(4)}`]),
    ];
    process.stdout.write(
      `${folds}-fold cross-validation (${describeSpec(chosen)}, ${formatCount(data.labels.length, 'image')}): accuracy ${crossValidation.mean.toFixed(4)} ± ${crossValidation.std.toFixed(4)}, ` +
        `balanced accuracy ${report.balancedAccuracy.toFixed(4)}${scores.map((score) => `, ${score}`).join('')}\n  folds: ${crossValidation.foldAccuracies.map((value) => value.toFixed(4)).join(' ')}\n`,
    );
    process.stdout.write(`${formatConfusionMatrix(data.classNames, report.confusionMatrix, 'confusion matrix of the out-of-fold predictions')}\n`);
  }

  await writeBundle(options.output, {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    classNames: data.classNames,
    backbone: data.provenance.backbone,
    layer: data.provenance.layer,
    preprocessing: data.provenance.preprocessing,
    featureSize: data.provenance.featureSize,
    weightPrecision: data.provenance.weightPrecision ?? 'f32',
    head: head.head.toJSON(),
    training: {
      input,
      images: data.labels.length,
      head: describeSpec(chosen),
      ...(crossValidation
        ? {
            crossValidation: {
              folds,
              accuracy: crossValidation.mean,
              std: crossValidation.std,
              foldAccuracies: crossValidation.foldAccuracies,
              ...(crossValidationReport?.rocAuc === undefined ? {} : { rocAuc: crossValidationReport.rocAuc }),
              ...(crossValidation.foldRocAuc === undefined ? {} : { meanFoldRocAuc: meanFoldRocAuc(crossValidation), foldRocAuc: crossValidation.foldRocAuc }),
              ...(crossValidationReport?.logLoss === undefined ? {} : { logLoss: crossValidationReport.logLoss }),
            },
          }
        : {}),
      ...(gridResults ? { grid: gridResults.map((point) => ({ head: describeSpec(point.spec), accuracy: point.result.mean, std: point.result.std })) } : {}),
      createdAt: new Date().toISOString(),
    },
  });
  log.info(`wrote ${options.output}: ${describeSpec(chosen)} on ${formatCount(data.labels.length, 'image')}, classes ${formatNameList(data.classNames)}`);
}

/** Returns the mean of the folds' ROC AUC from decision values, or undefined without them. */
function meanFoldRocAuc(result: CrossValidationResult): number | undefined {
  const areas = result.foldRocAuc;
  if (areas === undefined || areas.length === 0) return undefined;
  return areas.reduce((sum, area) => sum + area, 0) / areas.length;
}

export function registerTrain(program: Command): void {
  const command = program
    .command('train')
    .description('train a classifier head on backbone features and write a model bundle (JSON)')
    .argument('<input>', 'data set (folder of class subfolders, CSV of path,label, or registry name) or a features .safetensors file from `extract`')
    .addOption(new Option('--head <kind>', 'classifier: logistic regression, linear SVM, RBF-kernel SVM or k-nearest neighbours').choices(HEAD_KINDS).default('logreg'))
    .option('--C <values>', 'inverse regularization strength (scikit-learn C); a comma list with --grid (default 1, grid 0.01,0.1,1,10,100)', parsePositiveList)
    .option('--gamma <values>', "RBF kernel width 1/length² in feature units, or 'scale' = 1/(D·Var(X)); comma list with --grid (default scale, grid scale,0.0001,0.001,0.01)", parseGammaList)
    .option('--neighbors <k>', 'neighbours for --head knn; a comma list with --grid (default 5, grid 1,3,5,7,9,15)', parsePositiveIntegerList)
    .option('--cv <k>', "stratified k-fold cross-validation folds, in data order without shuffling (scikit-learn's StratifiedKFold); 0 skips it", parseInteger(0), 5)
    .option('--grid', 'grid search over --C (and --gamma for rbf-svm), or over --neighbors for knn, by cross-validation, then refit the best on all data')
    .addOption(
      new Option(
        '--transform <list>',
        'feature transforms fitted on the training data, in order: standardize, l2-normalize, pca:N (N components) or pca:N:whiten, separated by commas, such as l2-normalize,pca:128',
      )
        .argParser(parseTransforms)
        .default([], 'none'),
    )
    .addOption(new Option('--class-weight <mode>', "weight classes inversely to their frequency ('balanced'); not for knn").choices(['balanced']))
    .option('--max-iter <n>', "iteration limit of the solver (defaults as scikit-learn's: logreg 100, linear-svm 1000, rbf-svm libsvm's max(10,000,000, 100 × images))", parseInteger(1))
    .requiredOption('-o, --output <file>', 'model bundle to write (.json)');
  addBackboneOptions(command);
  addCommonOptions(command);
  command.action((input: string, options: TrainOptions, self: Command) => runTrain(input, { ...options, givenImageOptions: givenImageOptions(self) }));
}
