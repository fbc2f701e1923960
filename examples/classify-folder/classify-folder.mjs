// Classifies every image in a folder with a model bundle written by `offshelf train`:
// the bundle's backbone extracts features on a WebGPU device (Dawn in Node), and its
// trained head predicts a class and, where the head has them, class probabilities.
//
//   node classify-folder.mjs MODEL.json IMAGE_FOLDER [--backbone MODEL_FILE]
//
// Prints one line per image: path, class name and probability, separated by tabs. Images that
// cannot be decoded are skipped with a warning on stderr.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';

import { createFeatureExtractor, loadModel, modelSourceFromBytes } from '@offshelf/backbone';
import { requestDevice } from '@offshelf/device';
import { loadHead } from '@offshelf/heads';
import sharp from 'sharp';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff']);
const BATCH_SIZE = 8;

const { positionals, values } = parseArgs({ allowPositionals: true, options: { backbone: { type: 'string' } } });
const [bundlePath, folder] = positionals;
if (!bundlePath || !folder) {
  console.error('usage: node classify-folder.mjs MODEL.json IMAGE_FOLDER [--backbone MODEL_FILE]');
  process.exit(2);
}

// 1. The bundle: class names, the trained head, and the backbone that made its features.
const bundle = JSON.parse(await readFile(bundlePath, 'utf8'));
if (bundle.format !== 'offshelf-model' || bundle.version !== 1) {
  throw new Error(`${bundlePath} is not an offshelf model bundle (format ${bundle.format}, version ${bundle.version}); pass a file written by offshelf train.`);
}
const head = loadHead(bundle.head);

// 2. The backbone file, checked against the SHA-256 recorded at training time, because a
// different backbone gives features the head was not trained on.
const backbonePath = values.backbone ?? bundle.backbone.path;
const backboneBytes = await readFile(backbonePath);
const sha256 = createHash('sha256').update(backboneBytes).digest('hex');
if (sha256 !== bundle.backbone.sha256) {
  throw new Error(`${backbonePath} has SHA-256 ${sha256}, but ${bundlePath} was trained on ${bundle.backbone.sha256}; pass --backbone with the original model file.`);
}
const graph = await loadModel(modelSourceFromBytes(backbonePath, backboneBytes));

// The resize, crop and normalization recorded at training time replace the model's defaults,
// so the features match the training's even where the training set other values.
if (bundle.preprocessing) {
  const own = graph.metadata.preprocessing;
  if (bundle.preprocessing.width !== own.width || bundle.preprocessing.height !== own.height) {
    throw new Error(`${bundlePath} records ${bundle.preprocessing.width}×${bundle.preprocessing.height} input images, but ${backbonePath} takes ${own.width}×${own.height}.`);
  }
  graph.metadata.preprocessing = bundle.preprocessing;
}

// 3. A device and a feature extractor for the bundle's layer, with the weight storage
// (float32 or float16) of the training's extraction.
const gpu = await requestDevice();
const weightPrecision = bundle.weightPrecision ?? 'f32';
const extractor = await createFeatureExtractor(gpu.device, graph, { layer: bundle.layer, batchSize: BATCH_SIZE, weightPrecision });

try {
  if (extractor.featureSize !== bundle.featureSize) {
    throw new Error(`${backbonePath} layer ${bundle.layer} gives ${extractor.featureSize} features, but the head expects ${bundle.featureSize}.`);
  }

  const names = (await readdir(folder)).filter((name) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase())).sort();

  // 4. Decode, extract and classify a batch at a time, so memory stays bounded for large folders.
  for (let start = 0; start < names.length; start += BATCH_SIZE) {
    const decoded = await Promise.all(names.slice(start, start + BATCH_SIZE).map((name) => decodeOrWarn(join(folder, name))));
    const readable = decoded.filter((entry) => entry !== undefined);
    if (readable.length === 0) continue;
    const paths = readable.map((entry) => entry.path);
    const features = await extractor.extract(readable.map((entry) => entry.image));

    const labels = head.predict(features);
    const probabilities = predictProbabilities(features);
    paths.forEach((path, index) => {
      const classIndex = Number(labels[index]);
      const column = head.classes.findIndex((label) => Number(label) === classIndex);
      const probability = probabilities ? probabilities[index][column].toFixed(4) : '-';
      console.log(`${path}\t${bundle.classNames[classIndex]}\t${probability}`);
    });
  }
} finally {
  // The extractor's buffers belong to it; the device belongs to this script.
  extractor.dispose();
  gpu.destroy();
}

/** Decodes an image, or prints a warning naming the file and returns undefined when it cannot be read. */
async function decodeOrWarn(path) {
  try {
    return { path, image: await decodeRgba(path) };
  } catch (error) {
    console.error(`warning: skipped ${path}: ${error.message}`);
    return undefined;
  }
}

/** Decodes an image file to RGBA8 as the offshelf CLI does: EXIF orientation applied, sRGB, alpha added. */
async function decodeRgba(path) {
  const { data, info } = await sharp(path, { failOn: 'error', pages: 1 })
    .rotate()
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Returns class probabilities per image, or undefined for heads without them (for example a linear SVM trained without Platt scaling). */
function predictProbabilities(features) {
  try {
    return head.predictProba(features);
  } catch {
    return undefined;
  }
}
