// The whole path on the GPU: extract → train → evaluate → classify on a small subset
// of the hymenoptera photos (linked, not copied) with the default backbone, Coral
// MobileNetV2 TFLite. Then `run` on a photo whose ImageNet label Coral documents.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { randomStateDict } from '@offshelf/backbone';
import sharp from 'sharp';

import { readFeaturesFile } from '../src/data/features-file';
import { decodeNpy } from '../src/io/npy';
import { encodeSafetensors, type SafetensorsTensor } from '../src/io/safetensors';
// @ts-expect-error: the build script is plain JavaScript without type declarations.
import { bundleCli, cliDir } from '../scripts/bundle.mjs';

const shared = process.env.OFFSHELF_SHARED!;
const hymenoptera = join(shared, 'datasets/hymenoptera');
const folder = mkdtempSync(join(tmpdir(), 'offshelf-pipeline-'));
const env = { ...process.env, OFFSHELF_CACHE: join(folder, 'cache'), OFFSHELF_OFFLINE: '1' };

/** Links the first `count` JPEGs of each class of `split` into `target`. */
function linkSubset(split: string, count: number, target: string): void {
  for (const className of ['ants', 'bees']) {
    mkdirSync(join(target, className), { recursive: true });
    const names = readdirSync(join(hymenoptera, split, className))
      .filter((name) => name.endsWith('.jpg'))
      .sort()
      .slice(0, count);
    for (const name of names) symlinkSync(join(hymenoptera, split, className, name), join(target, className, name));
  }
}

const train = join(folder, 'train');
const val = join(folder, 'val');

// A bundle of its own, so this test never replaces dist/offshelf.js while others run it.
const bundlePath: string = join(cliDir as string, 'dist', `test-${process.pid}`, 'offshelf.js');

beforeAll(async () => {
  await bundleCli(bundlePath);
  linkSubset('train', 6, train);
  linkSubset('val', 4, val);
  // Real bad input: the data set's placeholder GIF, and a file that is no image at all.
  symlinkSync(join(hymenoptera, 'train/ants/imageNotFound.gif'), join(train, 'ants', 'imageNotFound.gif'));
  writeFileSync(join(train, 'bees', 'corrupt.jpg'), 'not a JPEG');
});
afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
  rmSync(join(bundlePath, '..'), { recursive: true, force: true });
});

function offshelf(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bundlePath, ...args], { env, encoding: 'utf8', timeout: 900_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('offshelf pipeline on the GPU', () => {
  const features = join(folder, 'train.safetensors');
  const model = join(folder, 'ants-bees.json');

  it('extracts features, skipping the corrupt file', async () => {
    const result = offshelf('extract', train, '-o', features);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/warning: skipped .*corrupt\.jpg: unsupported or corrupt image/);
    expect(result.stderr).toMatch(/features: 13 images × 1280 from mobilenet_v2 .*13 computed, 0 from cache, 1 skipped/);

    const data = await readFeaturesFile(features);
    expect(data.classNames).toEqual(['ants', 'bees']);
    expect(data.labels.length).toBe(13);
    expect(data.features.length).toBe(13 * 1280);
    expect(data.paths.some((path) => path.endsWith('imageNotFound.gif'))).toBe(true);
    expect(data.provenance.backbone).toEqual({ name: 'mobilenet_v2', path: join(shared, 'models/coral/mobilenet_v2_1.0_224_quant.tflite'), sha256: '7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776' });
    // ReLU6 features are in [0, 6] after average pooling.
    expect(Math.min(...data.features)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...data.features)).toBeLessThanOrEqual(6);
  });

  it('records --mean, --std and --resize in the features', async () => {
    const recipe = join(folder, 'recipe.safetensors');
    const result = offshelf('extract', val, '-o', recipe, '--mean', '0.5,0.5,0.5', '--std', '0.25,0.25,0.25', '--resize', 'crop');
    expect(result.status, result.stderr).toBe(0);
    const data = await readFeaturesFile(recipe);
    // crop: the short side goes to 8/7 of the 224-pixel input, 256 pixels.
    expect(data.provenance.preprocessing).toMatchObject({ mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], resize: { mode: 'shorterSideThenCenterCrop', shorterSide: 256 } });
  });

  it('reuses cached features on a rerun', () => {
    const result = offshelf('extract', train, '-o', join(folder, 'again.safetensors'));
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/0 computed, 13 from cache, 1 skipped/);
  });

  it('stops at the corrupt file with --strict', () => {
    const result = offshelf('extract', train, '-o', join(folder, 'strict.safetensors'), '--strict');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/error: .*corrupt\.jpg: unsupported or corrupt image .*--strict/);
  });

  it('stops at the first unreadable file in sorted order with --strict', () => {
    // The truncated JPEG sorts first but takes the decoder longer to reject than the empty file.
    const strictFolder = join(folder, 'strict-order');
    mkdirSync(join(strictFolder, 'a'), { recursive: true });
    mkdirSync(join(strictFolder, 'b'), { recursive: true });
    const photo = readFileSync(join(hymenoptera, 'train/ants', readdirSync(join(hymenoptera, 'train/ants')).sort()[0]!));
    writeFileSync(join(strictFolder, 'a', '0-truncated.jpg'), photo.subarray(0, photo.byteLength >> 1));
    writeFileSync(join(strictFolder, 'a', '1-empty.jpg'), '');
    symlinkSync(join(hymenoptera, 'train/bees', readdirSync(join(hymenoptera, 'train/bees')).sort()[0]!), join(strictFolder, 'b', 'bee.jpg'));

    const result = offshelf('extract', strictFolder, '-o', join(folder, 'strict-order.safetensors'), '--strict');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/error: .*0-truncated\.jpg: .*--strict/);
  });

  it('trains, evaluates and classifies', () => {
    const trained = offshelf('train', features, '--head', 'logreg', '--cv', '3', '-o', model);
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(/3-fold cross-validation \(logreg C=1, 13 images\)/);

    const evaluated = offshelf('evaluate', val, '--model', model, '--json');
    expect(evaluated.status, evaluated.stderr).toBe(0);
    const report = JSON.parse(evaluated.stdout);
    expect(report.labels).toEqual(['ants', 'bees']);
    expect(report.confusionMatrix.flat().reduce((sum: number, value: number) => sum + value, 0)).toBe(8);
    // Pooled ImageNet features separate ants from bees well (about 0.95 with the full
    // training split); 12 training photos should still get at least 6 of 8 right, while
    // features unrelated to the images would score about 0.5.
    expect(report.accuracy).toBeGreaterThanOrEqual(0.75);

    const classified = offshelf('classify', val, '--model', model, '--json', '--top-k', '2');
    expect(classified.status, classified.stderr).toBe(0);
    const items = JSON.parse(classified.stdout) as Array<{ path: string; label: string; scores: Record<string, number> }>;
    expect(items).toHaveLength(8);
    for (const item of items) {
      expect(['ants', 'bees']).toContain(item.label);
      const total = Object.values(item.scores).reduce((sum, value) => sum + value, 0);
      expect(Math.abs(total - 1), `${item.path}: probabilities sum to ${total}`).toBeLessThan(1e-6);
      expect(Object.entries(item.scores).sort((a, b) => b[1] - a[1])[0]![0]).toBe(item.label);
    }

    const csv = offshelf('classify', join(val, 'ants'), '--model', model, '--csv');
    expect(csv.status, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('path,label,p_ants,p_bees');
    expect(lines).toHaveLength(5);
  });

  it('reports formats for unreadable images', () => {
    const unreadable = join(folder, 'unreadable');
    mkdirSync(unreadable, { recursive: true });
    writeFileSync(join(unreadable, 'notes.jpg'), 'plain text, not an image');

    const result = offshelf('classify', unreadable, '--model', model);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/warning: skipped .*notes\.jpg: unsupported or corrupt image \(.*\); offshelf reads JPEG, PNG, GIF, WebP, TIFF or BMP files: replace this one with an intact file in one of them, or remove it/);
    expect(result.stderr).toMatch(/error: no readable images: 1 file skipped \(see the warnings above\), the first unreadable image .*notes\.jpg; pass JPEG, PNG, GIF, WebP, TIFF or BMP files/);
    expect(result.stderr).not.toMatch(/features: 0 images/);
  });

  it("classifies with the bundle's recorded preprocessing", () => {
    const original = offshelf('classify', join(val, 'ants'), '--model', model, '--json');
    expect(original.status, original.stderr).toBe(0);

    // A bundle whose recorded normalization differs gets other features, so other probabilities.
    const bundle = JSON.parse(readFileSync(model, 'utf8'));
    const shifted = join(folder, 'shifted-mean.json');
    writeFileSync(shifted, JSON.stringify({ ...bundle, preprocessing: { ...bundle.preprocessing, mean: [0.9, 0.1, 0.5] } }));
    const changed = offshelf('classify', join(val, 'ants'), '--model', shifted, '--json');
    expect(changed.status, changed.stderr).toBe(0);
    const scores = (stdout: string) => (JSON.parse(stdout) as Array<{ scores: Record<string, number> }>).map((item) => item.scores.ants);
    expect(scores(changed.stdout)).not.toEqual(scores(original.stdout));

    const resized = join(folder, 'other-size.json');
    writeFileSync(resized, JSON.stringify({ ...bundle, preprocessing: { ...bundle.preprocessing, height: 100, width: 100 } }));
    const rejected = offshelf('classify', join(val, 'ants'), '--model', resized);
    expect(rejected.status).toBe(1);
    expect(rejected.stderr).toMatch(/other-size\.json records 100×100 input images, but \S+ takes 224×224; pass --backbone with the model it was trained on/);
  });

  it('checks class names before extracting', () => {
    const wasps = join(folder, 'wasps');
    mkdirSync(join(wasps, 'wasps'), { recursive: true });
    mkdirSync(join(wasps, 'ants'), { recursive: true });
    const ant = readdirSync(join(val, 'ants'))[0]!;
    symlinkSync(join(val, 'ants', ant), join(wasps, 'ants', ant));
    symlinkSync(join(val, 'ants', ant), join(wasps, 'wasps', ant));

    const result = offshelf('evaluate', wasps, '--model', model, '--no-cache');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/class "wasps" is not one of the model's classes \(ants, bees\)/);
    expect(result.stderr).not.toMatch(/features:/);
  });

  it('runs the network on a photo and on a .npy tensor', () => {
    // Coral's published result for this photo: "Egyptian cat" first.
    const cat = join(shared, 'images/open-images/cat.bmp');
    const labels = join(shared, 'models/coral/imagenet_labels.txt');
    const logits = join(folder, 'logits.npy');
    const ran = offshelf('run', '--backbone', 'mobilenet_v2', '--image', cat, '--output', 'MobilenetV2/Logits/Squeeze1', '-o', logits, '--top-k', '3', '--labels', labels);
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stdout.split('\n')[1]).toMatch(/^ {2}1 {2}Egyptian cat /);

    const output = decodeNpy(new Uint8Array(readFileSync(logits)), logits);
    expect(output.shape).toEqual([1, 1001]);

    // The registry model's file given by its path brings the registry's labels too.
    const byPath = offshelf('run', '--backbone', join(shared, 'models/coral/mobilenet_v2_1.0_224_quant.tflite'), '--image', cat, '--top-k', '1');
    expect(byPath.status, byPath.stderr).toBe(0);
    expect(byPath.stdout.split('\n')[1]).toMatch(/^ {2}1 {2}Egyptian cat /);

    // A constant mid-grey input through --input; the model's three outputs go into a folder.
    const input = join(folder, 'grey.npy');
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }";
    const padded = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    writeFileSync(input, Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.from(new Uint16Array([padded.length]).buffer), Buffer.from(padded), Buffer.alloc(3 * 224 * 224 * 4)]));
    const fromTensor = offshelf('run', '--backbone', 'mobilenet_v2', '--input', input, '-o', join(folder, 'outputs'));
    expect(fromTensor.status, fromTensor.stderr).toBe(0);
    expect(readdirSync(join(folder, 'outputs')).sort()).toEqual(['MobilenetV2_Logits_AvgPool.npy', 'MobilenetV2_Logits_Squeeze1.npy', 'MobilenetV2_Predictions_Softmax.npy']);
    const probabilities = decodeNpy(new Uint8Array(readFileSync(join(folder, 'outputs', 'MobilenetV2_Predictions_Softmax.npy'))), 'softmax');
    expect(probabilities.shape).toEqual([1, 1001]);
    const total = probabilities.data.reduce((sum, value) => sum + value, 0);
    expect(Math.abs(total - 1), `softmax sums to ${total}`).toBeLessThan(1e-3);
  });

  it('extracts with a safetensors backbone and --arch', async () => {
    // Seeded random SqueezeNet 1.1 weights (float32 only, it has no batch norm), in torchvision's names.
    const tensors: Record<string, SafetensorsTensor> = {};
    for (const tensor of randomStateDict('squeezenet1_1', { numClasses: 10 })) {
      tensors[tensor.name] = { dtype: 'F32', shape: tensor.shape, data: tensor.data as Float32Array };
    }
    const weights = join(folder, 'squeezenet.safetensors');
    writeFileSync(weights, Buffer.concat(encodeSafetensors(tensors)));

    const images = join(folder, 'tiny');
    for (const [className, color] of [['dark', 30], ['light', 220]] as const) {
      mkdirSync(join(images, className), { recursive: true });
      for (const index of [0, 1]) {
        const background = { r: color, g: color + index * 10, b: 128 };
        await sharp({ create: { width: 40, height: 30, channels: 3, background } }).png().toFile(join(images, className, `${index}.png`));
      }
    }

    const output = join(folder, 'squeezenet-features.safetensors');
    const result = offshelf('extract', images, '--backbone', weights, '--arch', 'squeezenet1_1', '-o', output);
    expect(result.status, result.stderr).toBe(0);
    const data = await readFeaturesFile(output);
    expect(data.labels.length).toBe(4);
    // SqueezeNet 1.1's last feature map has 512 channels, pooled to one vector per image.
    expect(data.provenance.featureSize).toBe(512);
    expect(data.features.every(Number.isFinite)).toBe(true);

    // The same network with an infinite bias in its last convolution gives infinite features,
    // which extract rejects. (A NaN weight would not do: ReLU maps NaN to 0 on this adapter.)
    const broken = randomStateDict('squeezenet1_1', { numClasses: 10 }).map((tensor) => {
      const data = Float32Array.from(tensor.data as Float32Array);
      if (tensor.name === 'features.12.expand3x3.bias') data[0] = Number.POSITIVE_INFINITY;
      return [tensor.name, { dtype: 'F32', shape: tensor.shape, data }] as const;
    });
    const brokenWeights = join(folder, 'squeezenet-inf.safetensors');
    writeFileSync(brokenWeights, Buffer.concat(encodeSafetensors(Object.fromEntries(broken))));
    const nanOutput = join(folder, 'inf-features.safetensors');
    const rejected = offshelf('extract', images, '--backbone', brokenWeights, '--arch', 'squeezenet1_1', '-o', nanOutput);
    expect(rejected.status).toBe(1);
    expect(rejected.stderr).toMatch(/error: .*squeezenet-inf\.safetensors gave feature \d+ = Infinity for .*\.png: the model computes values that are not finite/);
    expect(readdirSync(folder)).not.toContain('inf-features.safetensors');
  });
});
