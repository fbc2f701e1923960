// Spawns the built CLI (dist/offshelf.js) for what needs no GPU: help, usage errors,
// bad inputs, and train/evaluate on features files written here.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { resnet18Like } from '../../../scripts/onnx/make_test_models.mjs';
import { writeFeaturesFile, type LabelledFeatures } from '../src/data/features-file';
import { encodeNpy } from '../src/io/npy';
// @ts-expect-error: the build script is plain JavaScript without type declarations.
import { bundleCli, cliDir } from '../scripts/bundle.mjs';

const folder = mkdtempSync(join(tmpdir(), 'offshelf-cli-'));
const shared = process.env.OFFSHELF_SHARED!;
const tfjsModel = join(shared, 'models/tfjs-mobilenet-v1-0.25-224/model.json');
const catImage = join(shared, 'images/open-images/cat.bmp');
const env = { ...process.env, OFFSHELF_CACHE: join(folder, 'cache'), OFFSHELF_OFFLINE: '1' };

// A bundle of its own, so this test never replaces dist/offshelf.js while others run it.
const bundlePath: string = join(cliDir as string, 'dist', `test-${process.pid}`, 'offshelf.js');

beforeAll(async () => {
  await bundleCli(bundlePath);
});
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
  rmSync(join(bundlePath, '..'), { recursive: true, force: true });
});

function offshelf(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bundlePath, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Two well-separated Gaussian-free clusters: class 0 near −1, class 1 near +1 in every feature. */
function syntheticFeatures(count: number, featureSize: number, sha256 = 'a'.repeat(64)): LabelledFeatures {
  const features = new Float32Array(count * featureSize);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 2;
    for (let j = 0; j < featureSize; j++) features[i * featureSize + j] = (labels[i] === 0 ? -1 : 1) + 0.1 * Math.sin(i * 13 + j * 7);
  }
  return {
    provenance: {
      backbone: { path: join(folder, 'backbone.onnx'), sha256 },
      layer: 'features',
      preprocessing: { height: 8, width: 8, sourceLayout: 'NCHW', channelOrder: 'RGB', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], resize: { mode: 'stretch' } },
      featureSize,
    },
    classNames: ['ants', 'bees'],
    paths: Array.from({ length: count }, (_, i) => `image${i}.jpg`),
    features,
    labels,
  };
}

describe('offshelf CLI without a GPU', () => {
  it('prints help with units and defaults', () => {
    const result = offshelf('extract', '--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/--batch-size <n>\s+images per GPU batch \(default: 8\)/);
    expect(result.stdout).toMatch(/--backbone <model>.*\n.*\n.*\n.*default: "mobilenet_v2"/);
  });

  it('prints the package version', () => {
    const version = JSON.parse(readFileSync(join(cliDir as string, 'package.json'), 'utf8')).version;
    const result = offshelf('--version');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('lists OFFSHELF_TUNING in the top-level help', () => {
    const result = offshelf('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/OFFSHELF_TUNING\s+\(off,\s+use\s+or\s+tune/);
  });

  it('documents --tuning on backbone commands', () => {
    for (const command of ['extract', 'train', 'evaluate', 'classify', 'run']) {
      const result = offshelf(command, '--help');
      expect(result.status, `offshelf ${command} --help`).toBe(0);
      expect(result.stdout, `offshelf ${command} --help`).toMatch(/--tuning <mode>\s+kernel tuning cache/);
      expect(result.stdout, `offshelf ${command} --help`).toMatch(/\(choices:\s+"off",\s+"use",\s+"tune"\)/);
    }

    const tune = offshelf('tune', '--help');
    expect(tune.stdout).toMatch(/--clear\s+delete the tuning cache file\s+\(\S+tuning\.json\)\s+with\s+the\s+results\s+of\s+every\s+adapter,\s+and\s+exit/);
  });

  it('rejects an invalid --tuning value', () => {
    const result = offshelf('classify', 'a.jpg', '--model', 'm.json', '--tuning', 'fast');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error: option '--tuning <mode>' argument 'fast' is invalid\. Allowed choices are off, use, tune\.\n/);
  });

  it('documents --weights on backbone commands', () => {
    for (const command of ['extract', 'train', 'evaluate', 'classify', 'run']) {
      const result = offshelf(command, '--help');
      expect(result.status, `offshelf ${command} --help`).toBe(0);
      expect(result.stdout, `offshelf ${command} --help`).toMatch(/--weights <precision>\s+storage type of the backbone weights on the GPU/);
      expect(result.stdout, `offshelf ${command} --help`).toMatch(/\(choices:\s+"f32",\s+"f16"\)/);
    }
  });

  it('rejects an invalid --weights value', () => {
    const result = offshelf('extract', 'data', '-o', 'f.safetensors', '--weights', 'f8');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error: option '--weights <precision>' argument 'f8' is invalid\. Allowed choices are f32, f16\.\n/);
  });

  it('exits with 2 on usage errors', () => {
    const unknown = offshelf('train', 'x', '-o', 'm.json', '--bogus');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown option '--bogus'/);

    const missingOutput = offshelf('extract', folder);
    expect(missingOutput.status).toBe(2);
    expect(missingOutput.stderr).toMatch(/^error: required option '-o, --output <file>' not specified/);

    const badNumber = offshelf('extract', folder, '-o', 'x.safetensors', '--batch-size', '0');
    expect(badNumber.status).toBe(2);
    expect(badNumber.stderr).toMatch(/expected a whole number ≥ 1, got "0"/);

    const bothInputs = offshelf('run', '--backbone', 'x.onnx', '--input', 'a.npy', '--image', 'b.jpg', '-o', 'out.npy');
    expect(bothInputs.status).toBe(2);
    expect(bothInputs.stderr).toBe('error: pass exactly one of --input X.npy or --image IMAGE\n');
  });

  it('reports a missing data set in one line', () => {
    const result = offshelf('extract', join(folder, 'nowhere'), '-o', join(folder, 'f.safetensors'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: \S*nowhere: no such file or folder and not a registry data set; pass a folder, a \.csv file or one of: hymenoptera/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reports a missing model file', () => {
    const result = offshelf('classify', folder, '--model', join(folder, 'missing.json'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: --model \S*missing\.json: file not found; pass a model bundle written by `offshelf train`/);
  });

  it('rejects a registry root of splits', () => {
    for (const [command, output] of [['extract', 'splits.safetensors'], ['train', 'splits.json']] as const) {
      const result = offshelf(command, 'hymenoptera', '-o', join(folder, output));
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^error: hymenoptera: its subfolders \(train, val\) are data set splits, not classes; pass one split, for example hymenoptera\/train\n/);
    }
  });

  it('checks the output path before any work', async () => {
    const folderPath = join(folder, 'a-folder.safetensors');
    mkdirSync(folderPath, { recursive: true });
    const extract = offshelf('extract', 'hymenoptera/train', '-o', folderPath);
    expect(extract.status).toBe(1);
    expect(extract.stderr).toBe(`error: -o ${folderPath}: is a folder; pass a file path, for example inside it\n`);

    const features = join(folder, 'output-check.safetensors');
    await writeFeaturesFile(features, syntheticFeatures(8, 4));
    writeFileSync(join(folder, 'plain-file'), 'x');
    const model = join(folder, 'plain-file', 'model.json');
    const train = offshelf('train', features, '-o', model);
    expect(train.status).toBe(1);
    expect(train.stderr).toBe(`error: -o ${model}: ${join(folder, 'plain-file')} is a file, not a folder; choose another output path\n`);
  });

  it('names --arch for an unknown model format', () => {
    const model = join(folder, 'weights.bin');
    writeFileSync(model, 'not a model');
    const result = offshelf('extract', 'hymenoptera/train', '--backbone', model, '-o', join(folder, 'unknown-format.safetensors'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('safetensors (.safetensors, with --arch) file');
    expect(result.stderr).not.toContain('arch option');
  });

  it('rejects a data set with one class', () => {
    mkdirSync(join(folder, 'one-class', 'ants'), { recursive: true });
    writeFileSync(join(folder, 'one-class', 'ants', 'a.jpg'), 'x');
    const result = offshelf('extract', join(folder, 'one-class'), '-o', join(folder, 'f.safetensors'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/found only one class \(ants\); a classifier needs at least two classes/);
  });

  it('trains and evaluates on a features file', async () => {
    const train = join(folder, 'train.safetensors');
    const model = join(folder, 'model.json');
    await writeFeaturesFile(train, syntheticFeatures(20, 6));

    const trained = offshelf('train', train, '--head', 'logreg', '--cv', '4', '-o', model, '--quiet');
    expect(trained.stderr).toBe('');
    expect(trained.status).toBe(0);
    expect(trained.stdout).toMatch(/4-fold cross-validation \(logreg C=1, 20 images\): accuracy 1\.0000 ± 0\.0000, balanced accuracy 1\.0000, ROC AUC 1\.0000 \(bees positive\), log loss 0\.\d{4}\n/);
    expect(trained.stdout).toMatch(/confusion matrix/);

    const bundle = JSON.parse(readFileSync(model, 'utf8'));
    expect(bundle.training.crossValidation.rocAuc).toBe(1);
    expect(bundle.training.crossValidation.logLoss).toBeGreaterThan(0);
    expect(bundle.format).toBe('offshelf-model');
    expect(bundle.classNames).toEqual(['ants', 'bees']);
    expect(bundle.backbone.sha256).toBe('a'.repeat(64));
    expect(bundle.layer).toBe('features');
    // A features file without a recorded precision was computed with f32 weights.
    expect(bundle.weightPrecision).toBe('f32');
    expect(bundle.head.format).toBe('offshelf-head');

    const evaluated = offshelf('evaluate', train, '--model', model, '--json');
    expect(evaluated.status).toBe(0);
    expect(evaluated.stderr).toBe('');
    const report = JSON.parse(evaluated.stdout);
    expect(report.accuracy).toBe(1);
    // Separable classes: every bee scores above every ant, and the probabilities favour the truth.
    expect(report.rocAuc).toBe(1);
    expect(report.logLoss).toBeGreaterThan(0);
    expect(report.logLoss).toBeLessThan(Math.log(2));
    expect(report.labels).toEqual(['ants', 'bees']);
    expect(report.confusionMatrix).toEqual([
      [10, 0],
      [0, 10],
    ]);
  });

  it('warns that a features file ignores --backbone', async () => {
    const features = join(folder, 'ignored-backbone.safetensors');
    const model = join(folder, 'ignored-backbone.json');
    await writeFeaturesFile(features, syntheticFeatures(8, 4));
    const trained = offshelf('train', features, '--cv', '0', '-o', model, '--quiet', '--backbone', 'other.onnx', '--layer', 'foo', '--weights', 'f16');
    expect(trained.status).toBe(0);
    expect(trained.stderr).toBe(
      ['--backbone other.onnx', '--layer foo', '--weights f16'].map((given) => `warning: ${given} is ignored: ${features} already contains features\n`).join(''),
    );
    const evaluated = offshelf('evaluate', features, '--model', model, '--backbone', 'other.onnx', '--strict', '--quiet');
    expect(evaluated.status).toBe(0);
    expect(evaluated.stderr).toBe(
      ['--backbone other.onnx', '--strict'].map((given) => `warning: ${given} is ignored: ${features} already contains features\n`).join(''),
    );
  });

  it('warns when the solver stops before converging', async () => {
    const train = join(folder, 'unconverged.safetensors');
    await writeFeaturesFile(train, syntheticFeatures(20, 6));
    const result = offshelf('train', train, '--cv', '0', '--max-iter', '1', '--C', '100', '-o', join(folder, 'unconverged.json'), '--quiet');
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/^warning: the logreg solver stopped after 1 iteration before converging, .*raise --max-iter, lower --C or pass --transform standardize\n$/);

    const svm = offshelf('train', train, '--head', 'rbf-svm', '--cv', '0', '--max-iter', '1', '-o', join(folder, 'unconverged-svm.json'), '--quiet');
    expect(svm.status).toBe(0);
    expect(svm.stderr).toMatch(/^warning: the rbf-svm solver stopped after 1 iteration before converging/);

    const knn = offshelf('train', train, '--head', 'knn', '--class-weight', 'balanced', '-o', join(folder, 'knn-weights.json'));
    expect(knn.status).toBe(2);
    expect(knn.stderr).toMatch(/--class-weight does not apply to --head knn/);
  });

  it('names the image of a NaN feature', async () => {
    const train = join(folder, 'nan.safetensors');
    const data = syntheticFeatures(8, 4);
    data.features[3 * 4 + 2] = Number.NaN;
    await writeFeaturesFile(train, data);
    const result = offshelf('train', train, '--cv', '0', '-o', join(folder, 'nan.json'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/nan\.safetensors: feature row 3 \(image3\.jpg\) has the value NaN at column 2; extract that image again or remove it/);
  });

  it('rejects features of other preprocessing', async () => {
    const train = join(folder, 'preprocessing-train.safetensors');
    const other = join(folder, 'preprocessing-other.safetensors');
    const model = join(folder, 'preprocessing.json');
    await writeFeaturesFile(train, syntheticFeatures(8, 4));
    const shifted = syntheticFeatures(8, 4);
    shifted.provenance.preprocessing = { ...shifted.provenance.preprocessing, mean: [0.4, 0.5, 0.5] };
    await writeFeaturesFile(other, shifted);
    expect(offshelf('train', train, '--cv', '0', '-o', model, '--quiet').status).toBe(0);

    const result = offshelf('evaluate', other, '--model', model);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/preprocessing-other\.safetensors was extracted with other preprocessing than \S+preprocessing\.json was trained on/);
  });

  it('counts one fit in the singular', async () => {
    const train = join(folder, 'one-fit.safetensors');
    await writeFeaturesFile(train, syntheticFeatures(20, 6));
    const result = offshelf('train', train, '--cv', '0', '-o', join(folder, 'one-fit.json'));
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/^training: 1 fit \(the final fit on all 20 images\)/m);
  });

  it('checks --cv before planning fits', async () => {
    const train = join(folder, 'few.safetensors');
    await writeFeaturesFile(train, syntheticFeatures(20, 6));
    const result = offshelf('train', train, '--cv', '20', '-o', join(folder, 'few.json'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: class "ants" has 10 samples, fewer than --cv 20 folds; lower --cv or add images\n/);
    expect(result.stderr).not.toMatch(/training:/);

    const empty = offshelf('train', train, '--cv', '', '-o', join(folder, 'few.json'));
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/--cv <k>' argument '' is invalid\. expected a whole number ≥ 0, got ""/);
  });

  it('fits a list of transforms in order', async () => {
    const train = join(folder, 'transforms.safetensors');
    const model = join(folder, 'transforms.json');
    await writeFeaturesFile(train, syntheticFeatures(20, 6));

    const trained = offshelf('train', train, '--transform', 'l2-normalize,pca:3:whiten', '--cv', '4', '-o', model, '--quiet');
    expect(trained.status, trained.stderr).toBe(0);
    const transforms = JSON.parse(readFileSync(model, 'utf8')).head.transforms as Array<{ kind: string; nComponents?: number; whiten?: boolean }>;
    expect(transforms.map((transform) => transform.kind)).toEqual(['l2-normalize', 'pca']);
    expect(transforms[1]).toMatchObject({ nComponents: 3, whiten: true });

    const evaluated = offshelf('evaluate', train, '--model', model, '--json');
    expect(evaluated.status, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout).accuracy).toBe(1);

    const tooMany = offshelf('train', train, '--transform', 'pca:16', '--cv', '4', '-o', model);
    expect(tooMany.status).toBe(2);
    expect(tooMany.stderr).toContain('--transform pca:16: PCA can fit at most min(samples, features) = min(15, 6) = 6 components here (15 images in the smallest --cv training fold, 6 features); lower N');
    expect(tooMany.stdout).toBe('');

    const invalid = offshelf('train', train, '--transform', 'standardize,pca:0', '-o', model);
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toContain('"pca:0" is not a transform; use none, or standardize, l2-normalize, pca:N or pca:N:whiten');
  });

  it('runs a grid search for an RBF SVM', async () => {
    const train = join(folder, 'grid.safetensors');
    await writeFeaturesFile(train, syntheticFeatures(12, 4));
    const result = offshelf('train', train, '--head', 'rbf-svm', '--grid', '--C', '0.1,10', '--gamma', 'scale,0.5', '--cv', '3', '-o', join(folder, 'svm.json'), '--quiet');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/grid search \(3-fold cross-validation accuracy\)/);
    expect(result.stdout.match(/^ {2}rbf-svm C=/gm)).toHaveLength(4);
    // The fold fits of an SVM have no probabilities: ROC AUC comes from each fold's decision values.
    expect(result.stdout).toMatch(
      /3-fold cross-validation \(rbf-svm [^)]*\): accuracy [\d.]+ ± [\d.]+, balanced accuracy [\d.]+, ROC AUC 1\.0000 \(bees positive, mean of the 3 folds' areas, from decision values\)\n/,
    );
    const bundle = JSON.parse(readFileSync(join(folder, 'svm.json'), 'utf8'));
    expect(bundle.training.crossValidation.foldRocAuc).toEqual([1, 1, 1]);
    expect(bundle.training.crossValidation.meanFoldRocAuc).toBe(1);
    expect(bundle.training.crossValidation.rocAuc).toBeUndefined();
  });

  it('runs a grid search for k-NN', async () => {
    const train = join(folder, 'knn-grid.safetensors');
    await writeFeaturesFile(train, syntheticFeatures(12, 4));
    const passed = offshelf('train', train, '--head', 'knn', '--grid', '--neighbors', '1,3', '--cv', '3', '-o', join(folder, 'knn.json'), '--quiet');
    expect(passed.status).toBe(0);
    expect(passed.stdout.match(/^ {2}knn neighbors=/gm)).toHaveLength(2);

    // 8 images per training fold: the default grid's 9 and 15 do not fit and are dropped.
    const defaults = offshelf('train', train, '--head', 'knn', '--grid', '--cv', '3', '-o', join(folder, 'knn.json'), '--quiet');
    expect(defaults.status).toBe(0);
    expect(defaults.stdout.match(/^ {2}knn neighbors=(\d+)/gm)?.map((line) => line.trim()).sort()).toEqual(
      ['knn neighbors=1', 'knn neighbors=3', 'knn neighbors=5', 'knn neighbors=7'],
    );
  });

  it('checks --neighbors against the training folds', async () => {
    const train = join(folder, 'knn-large.safetensors');
    await writeFeaturesFile(train, syntheticFeatures(12, 4));
    const folds = offshelf('train', train, '--head', 'knn', '--neighbors', '10', '--cv', '3', '-o', join(folder, 'knn.json'));
    expect(folds.status).toBe(2);
    expect(folds.stderr).toMatch(/^error: --neighbors 10 is more than the 8 images each cross-validation fit trains on \(12 images, 3 folds\); pass --neighbors 8 or less\n/);
    expect(folds.stderr).not.toMatch(/training:/);

    const all = offshelf('train', train, '--head', 'knn', '--neighbors', '13', '--cv', '0', '-o', join(folder, 'knn.json'));
    expect(all.status).toBe(2);
    expect(all.stderr).toMatch(/--neighbors 13 is more than the 12 training images; pass --neighbors 12 or less/);

    const several = offshelf('train', train, '--head', 'knn', '--neighbors', '1,3', '-o', join(folder, 'knn.json'));
    expect(several.status).toBe(2);
    expect(several.stderr).toMatch(/several --neighbors values need --grid/);

    const otherHead = offshelf('train', train, '--head', 'logreg', '--neighbors', '3', '-o', join(folder, 'knn.json'));
    expect(otherHead.status).toBe(2);
    expect(otherHead.stderr).toMatch(/--neighbors applies only to --head knn, not logreg/);
  });

  it('rejects one cross-validation fold', async () => {
    const train = join(folder, 'one-fold.safetensors');
    await writeFeaturesFile(train, syntheticFeatures(8, 4));
    const result = offshelf('train', train, '--cv', '1', '-o', join(folder, 'one-fold.json'));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--cv 1 is invalid: pass 0 to skip cross-validation, or 2 or more folds/);
  });

  it('rejects features of the wrong width or backbone', async () => {
    const model = join(folder, 'model.json');
    const wide = join(folder, 'wide.safetensors');
    const otherBackbone = join(folder, 'other.safetensors');
    await writeFeaturesFile(wide, syntheticFeatures(4, 9));
    await writeFeaturesFile(otherBackbone, syntheticFeatures(4, 6, 'b'.repeat(64)));

    const width = offshelf('evaluate', wide, '--model', model);
    expect(width.status).toBe(1);
    expect(width.stderr).toMatch(/wide\.safetensors has 9 features per image but .*model\.json expects 6/);

    const backbone = offshelf('evaluate', otherBackbone, '--model', model);
    expect(backbone.status).toBe(1);
    expect(backbone.stderr).toMatch(/other\.safetensors was extracted with .* \(SHA-256 bbbbbbbbbbbb…, layer features\) but .* trained on .*SHA-256 aaaaaaaaaaaa…/);
  });

  it('rejects a bundle whose backbone is missing or changed', () => {
    const model = join(folder, 'model.json');
    mkdirSync(join(folder, 'images'), { recursive: true });
    writeFileSync(join(folder, 'images', 'x.jpg'), 'x');

    const missing = offshelf('classify', join(folder, 'images'), '--model', model);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/its backbone .*backbone\.onnx is missing; pass --backbone FILE with the original model file \(SHA-256 a{64}\)/);

    writeFileSync(join(folder, 'backbone.onnx'), 'different weights');
    const changed = offshelf('classify', join(folder, 'images'), '--model', model);
    expect(changed.status).toBe(1);
    expect(changed.stderr).toMatch(/backbone .*backbone\.onnx has SHA-256 [0-9a-f]{64}, but the model was trained on .* a{64}; the backbone changed/);
  });

  it('rejects a file that is not a model bundle', () => {
    writeFileSync(join(folder, 'not-a-model.json'), '{"hello": 1}');
    const result = offshelf('evaluate', join(folder, 'train.safetensors'), '--model', join(folder, 'not-a-model.json'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/not-a-model\.json: not an offshelf model \(the JSON object has no "format" field, expected "offshelf-model"\)/);

    writeFileSync(join(folder, 'array.json'), '[1, 2]');
    const array = offshelf('evaluate', join(folder, 'train.safetensors'), '--model', join(folder, 'array.json'));
    expect(array.status).toBe(1);
    expect(array.stderr).toMatch(/array\.json: not an offshelf model \(the JSON is an array, not an object/);
  });

  it('names the fix for a newer model bundle', () => {
    writeFileSync(join(folder, 'newer.json'), JSON.stringify({ format: 'offshelf-model', version: 99 }));
    const result = offshelf('evaluate', join(folder, 'train.safetensors'), '--model', join(folder, 'newer.json'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/newer\.json: model format version 99 is not supported by this build \(version 1\); a newer offshelf wrote it, so update offshelf/);
  });

  it('rejects a .npy input that is not float32', () => {
    const npy = join(folder, 'int.npy');
    const header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }";
    const padded = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    const bytes = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.from(new Uint16Array([padded.length]).buffer), Buffer.from(padded), Buffer.alloc(8)]);
    writeFileSync(npy, bytes);
    const onnx = join(process.env.OFFSHELF_SHARED!, 'models/onnx/mobilenet_v2_1.0_224_coral.onnx');
    const result = offshelf('run', '--backbone', onnx, '--input', npy, '-o', join(folder, 'int-out'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/int\.npy: dtype <i4 is not supported; save the array as little-endian float32/);
  });

  it('reads preprocessor_config.json beside an ONNX model', () => {
    const modelFolder = join(folder, 'hugging-face');
    mkdirSync(modelFolder, { recursive: true });
    const model = join(modelFolder, 'model.onnx');
    writeFileSync(model, resnet18Like());
    const npy = join(folder, 'input-64.npy');
    writeFileSync(npy, encodeNpy({ shape: [1, 3, 64, 64], data: new Float32Array(3 * 64 * 64) }));
    const config = join(modelFolder, 'preprocessor_config.json');
    const run = () => offshelf('run', '--backbone', model, '--input', npy, '--output', 'features', '-o', join(folder, 'hf-out.npy'));

    // A MobileNetV2-style processor on the test model's 64 × 64 input: short side 256 · 64 / 224.
    writeFileSync(config, JSON.stringify({ do_center_crop: true, crop_size: 224, size: { shortest_edge: 256 }, image_mean: 0.5, image_std: 0.5 }));
    const configured = run();
    expect(configured.status, configured.stderr).toBe(0);
    expect(configured.stderr).toContain(`preprocessing from ${config}: short side to 73, center crop 64×64, mean 0.5,0.5,0.5, std 0.5,0.5,0.5 (of pixel / 255)`);

    // A folder in the file's place cannot be read: the run warns and keeps the model's defaults.
    rmSync(config);
    mkdirSync(config);
    const unreadable = run();
    expect(unreadable.status, unreadable.stderr).toBe(0);
    expect(unreadable.stderr).toMatch(/warning: \S*preprocessor_config\.json could not be read \(.*EISDIR.*\), so the model's default preprocessing applies/);
    expect(unreadable.stderr).not.toContain('preprocessing from');
    rmSync(config, { recursive: true });
  });

  it('shows one default for run --output', () => {
    const result = offshelf('run', '--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/\(default:\s+every\s+graph\s+output\)/);
    expect(result.stdout).not.toMatch(/default: \[\]/);
  });

  it('rejects run -o FILE.npy for several outputs', () => {
    const out = join(folder, 'several', 'out.npy');
    const result = offshelf('run', '--backbone', tfjsModel, '--image', catImage, '-o', out);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/-o \S*out\.npy names one \.npy file but 3 outputs would be written \(reshape_2, global_average_pooling2d_1\/pool, conv_preds\); pass --output NAME/);
    expect(existsSync(join(folder, 'several'))).toBe(false);
  });

  it('rejects run with neither -o nor --top-k', () => {
    const result = offshelf('run', '--backbone', tfjsModel, '--image', catImage);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/pass -o PATH to write outputs, --top-k K --labels FILE to print classes, or --debug to print every node's output \(any of them together\)/);

    // Registry classifiers bring their own class names.
    const registry = offshelf('run', '--backbone', 'mobilenet_v2', '--image', catImage);
    expect(registry.status).toBe(2);
    expect(registry.stderr).toMatch(/pass -o PATH to write outputs, --top-k K to print classes, or --debug to print every node's output \(any of them together\)/);
  });

  it('writes one output into a folder', () => {
    const out = join(folder, 'single-output');
    const result = offshelf('run', '--backbone', tfjsModel, '--image', catImage, '--output', 'conv_preds', '-o', `${out}/`);
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(join(out, 'conv_preds.npy'))).toBe(true);
  });

  it('applies --mean, --std and --resize', () => {
    const run = (name: string, ...options: string[]) => {
      const out = join(folder, `${name}.npy`);
      const result = offshelf('run', '--backbone', tfjsModel, '--image', catImage, '--output', 'conv_preds', '-o', out, '--quiet', ...options);
      expect(result.status, result.stderr).toBe(0);
      return readFileSync(out);
    };
    // Oracle: keras.applications' MobileNet recipe, [-1, 1], which the importer picks for this model by name.
    const byDefault = run('recipe-default');
    expect(run('recipe-explicit', '--mean', '0.5,0.5,0.5', '--std', '0.5,0.5,0.5', '--resize', 'stretch').equals(byDefault)).toBe(true);
    expect(run('recipe-unit', '--mean', '0,0,0', '--std', '1,1,1').equals(byDefault)).toBe(false);

    const short = offshelf('run', '--backbone', tfjsModel, '--image', catImage, '--top-k', '1', '--labels', catImage, '--resize', 'crop:100');
    expect(short.status).toBe(2);
    expect(short.stderr).toMatch(/--resize crop:100: the short side must be at least the model's longer input side, 224 pixels/);
    const bad = offshelf('extract', 'x', '-o', 'f.safetensors', '--std', '1,0,1');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/expected three positive numbers R,G,B for --std, got "1,0,1"/);
  });

  it('runs --debug alone', () => {
    const result = offshelf('run', '--backbone', tfjsModel, '--image', catImage, '--debug');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Conv \S+: /m);
  });

  it('names a corrupt --image without a stack trace hint', () => {
    const corrupt = join(folder, 'corrupt-run.jpg');
    writeFileSync(corrupt, readFileSync(join(shared, 'images/open-images/parrot.jpg')).subarray(0, 3000));
    const result = offshelf('run', '--backbone', tfjsModel, '--image', corrupt, '--top-k', '1', '--labels', catImage);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: --image \S*corrupt-run\.jpg: unsupported or corrupt image .*replace this one with an intact file in one of them, or remove it\n$/);
  });

  it('names the extensions when classify finds no images', async () => {
    const features = join(folder, 'classify-empty.safetensors');
    const model = join(folder, 'classify-empty.json');
    await writeFeaturesFile(features, syntheticFeatures(8, 4));
    expect(offshelf('train', features, '--cv', '0', '-o', model, '--quiet').status).toBe(0);
    const empty = join(folder, 'empty-images');
    mkdirSync(empty, { recursive: true });
    const result = offshelf('classify', empty, '--model', model);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/no image files found in \S*empty-images; pass images or folders of images with the extensions \.jpg /);
  });

  it('ranks a registry classifier without --labels', () => {
    // Oracle: the Coral model's own ImageNet labels; this photo is an Egyptian cat (shared README).
    const result = offshelf('run', '--backbone', 'mobilenet_v2', '--image', catImage, '--top-k', '1', '--quiet');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}1 {2}Egyptian cat /m);
  });

  it('asks for --labels on a model file without them', () => {
    const result = offshelf('run', '--backbone', tfjsModel, '--image', catImage, '--top-k', '3');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--top-k needs --labels FILE \(one class name per line\)\. Only the registry models mobilenet_v2, mobilenet_v2_onnx, mobilenet_v1_0\.25_128 include their own labels/);
  });

  it('points a file path given to --output at -o', () => {
    const result = offshelf('run', '--backbone', tfjsModel, '--image', catImage, '--output', join(folder, 'owl.npy'));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--output \S*owl\.npy names a tensor to write; the file or folder is -o \S*owl\.npy/);
  });

  it('ranks the classifier output of run --top-k', () => {
    const labels = join(folder, 'labels-1000.txt');
    writeFileSync(labels, Array.from({ length: 1000 }, (_, i) => `class${i}`).join('\n') + '\n');
    const result = offshelf('run', '--backbone', tfjsModel, '--image', catImage, '--top-k', '3', '--labels', labels, '--quiet');
    expect(result.stderr.replace(/^Warning: .*\n/gm, '')).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^top 3 of conv_preds \(score, softmax probability\):\n/);
    expect(result.stdout.match(/^ {2}[123] {2}class\d+ /gm)).toHaveLength(3);
  });

  it('ranks the same top class with --weights f16', () => {
    // Oracle: the same command with f32 weights. f16 weights move the scores by a small fraction
    // of their range, too little to reorder the top class of this photo.
    const labels = join(folder, 'labels-1000.txt');
    writeFileSync(labels, Array.from({ length: 1000 }, (_, i) => `class${i}`).join('\n') + '\n');
    const topClass = (weights: string) => {
      const result = offshelf('run', '--backbone', tfjsModel, '--image', catImage, '--top-k', '1', '--labels', labels, '--weights', weights, '--quiet');
      expect(result.stderr.replace(/^Warning: .*\n/gm, ''), `--weights ${weights}`).toBe('');
      expect(result.status, `--weights ${weights}`).toBe(0);
      return /^ {2}1 {2}(class\d+) /m.exec(result.stdout)?.[1];
    };
    const f32 = topClass('f32');
    expect(f32).toMatch(/^class\d+$/);

    // An adapter without shader-f16 must reject the option with the fix instead.
    if (!/shader-f16 yes/.test(offshelf('doctor').stdout)) {
      const rejected = offshelf('run', '--backbone', tfjsModel, '--image', catImage, '--top-k', '1', '--labels', labels, '--weights', 'f16');
      expect(rejected.status).toBe(1);
      expect(rejected.stderr).toMatch(/--weights f16 needs the WebGPU feature shader-f16, .* pass --weights f32/);
      return;
    }
    expect(topClass('f16')).toBe(f32);
  });

  it('counts classes over every non-batch dimension', () => {
    const labels = join(folder, 'labels-1001.txt');
    writeFileSync(labels, Array.from({ length: 1001 }, (_, i) => `class${i}`).join('\n') + '\n');
    const out = join(folder, 'top-k-out');
    const result = offshelf('run', '--backbone', tfjsModel, '--image', catImage, '--top-k', '3', '--labels', labels, '-o', out);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/has 1001 lines but output conv_preds \[1, 1000, 1, 1\] has 1000 classes/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects run --top-k on a feature extractor', () => {
    const labels = join(folder, 'labels-1001.txt');
    const out = join(folder, 'embedding.npy');
    const model = join(shared, 'models/coral/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite');
    const result = offshelf('run', '--backbone', model, '--image', catImage, '--top-k', '3', '--labels', labels, '-o', out);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/--top-k: \S*embedding_extractor\.tflite has no classification output \(its outputs .* are feature vectors\)/);
    expect(existsSync(out)).toBe(false);
  });

  it('names a fake model file once', () => {
    const fakeTflite = join(folder, 'fake.tflite');
    writeFileSync(fakeTflite, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0, 0, 0, 0]));
    const tflite = offshelf('run', '--backbone', fakeTflite, '--image', catImage, '-o', join(folder, 'fake-out'));
    expect(tflite.status).toBe(1);
    expect(tflite.stderr).toContain(`error: cannot load model ${fakeTflite}: file identifier is '\\x00\\x10JF', expected 'TFL3'`);
    expect(tflite.stderr).not.toMatch(/[\x00-\x08\x0e-\x1f]/);

    const fakeJson = join(folder, 'fake.json');
    writeFileSync(fakeJson, '{not json');
    const json = offshelf('run', '--backbone', fakeJson, '--image', catImage, '-o', join(folder, 'fake-out'));
    expect(json.status).toBe(1);
    expect(json.stderr.split(fakeJson)).toHaveLength(2);
  });

  it('rejects a features file as --backbone', async () => {
    const features = join(folder, 'as-backbone.safetensors');
    await writeFeaturesFile(features, syntheticFeatures(4, 6));
    for (const name of ['ants', 'bees']) {
      mkdirSync(join(folder, 'two-classes', name), { recursive: true });
      writeFileSync(join(folder, 'two-classes', name, 'a.jpg'), 'x');
    }

    const runs = [
      offshelf('run', '--backbone', features, '--image', catImage, '-o', join(folder, 'as-backbone-out')),
      offshelf('train', join(folder, 'two-classes'), '--backbone', features, '-o', join(folder, 'as-backbone.json')),
    ];
    for (const result of runs) {
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/--backbone \S*as-backbone\.safetensors is a features file written by `offshelf extract`.*pass it as the input of `offshelf train` or `offshelf evaluate`/);
      expect(result.stderr).not.toMatch(/--arch/);
    }
  });

  it('stops training on Ctrl-C without output', async () => {
    const features = join(folder, 'interrupt', 'large.safetensors');
    const output = join(folder, 'interrupt', 'never.json');
    await writeFeaturesFile(features, syntheticFeatures(300, 64));

    // An RBF SVM grid of 16 settings × 5 folds takes far longer than the time to the first fit.
    const child = spawn(process.execPath, [bundlePath, 'train', features, '--head', 'rbf-svm', '--grid', '--C', '0.01,0.1,1,10', '--gamma', '0.001,0.01,0.1,1', '-o', output], { env });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk) => {
        stderr += String(chunk);
        if (stderr.includes('training: ')) resolve();
      });
    });
    child.kill('SIGINT');

    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupt: stopping after the current batch or fit/);
    expect(stderr).toMatch(/error: interrupted: stopped after the current batch, no output written/);
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(join(folder, 'interrupt'))).toEqual(['large.safetensors']);
  });
});
