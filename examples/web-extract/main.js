// Loads a backbone from a URL, then extracts one pooled feature vector per dropped
// image on the browser's WebGPU device. The model URL comes from `?model=URL` and
// defaults to model.tflite beside this page.
import { createFeatureExtractor, loadModel, modelSourceFromUrl, rgbaFromImageBitmap } from '@offshelf/backbone';
import { requestDevice } from '@offshelf/device';

const status = document.getElementById('status');
const output = document.getElementById('output');
const drop = document.getElementById('drop');
const fileInput = document.getElementById('file');

/** Shows a message and records the page state for scripts that drive the page. */
function setState(state, message) {
  document.body.dataset.state = state;
  status.textContent = message;
}

async function start() {
  const modelUrl = new URL(new URLSearchParams(location.search).get('model') ?? 'model.tflite', location.href);
  const gpu = await requestDevice();
  const graph = await loadModel(modelSourceFromUrl(modelUrl));
  const extractor = await createFeatureExtractor(gpu.device, graph);
  setState('ready', `Loaded ${modelUrl.pathname.split('/').pop()} on ${gpu.summary.adapter.description || gpu.summary.backend}: ${extractor.featureSize} features per image.`);

  // The extractor and device live as long as the page; release them when it closes.
  addEventListener('pagehide', () => {
    extractor.dispose();
    gpu.destroy();
  });

  return extractor;
}

/** Decodes an image file, extracts its features and prints a summary of them. */
async function describeImage(extractor, file) {
  setState('working', `Extracting features from ${file.name}…`);

  // premultiplyAlpha 'none' keeps the colour of transparent pixels, as decoders outside browsers do.
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image', premultiplyAlpha: 'none' });
  const image = rgbaFromImageBitmap(bitmap);
  bitmap.close();

  const [features] = await extractor.extract([image]);
  const norm = Math.hypot(...features);
  const first = Array.from(features.subarray(0, 8), (value) => value.toFixed(4)).join(', ');
  output.textContent = `${file.name}: ${image.width}×${image.height} pixels\n${features.length} features, L2 norm ${norm.toFixed(4)}\nfirst values: ${first}, …`;
  setState('done', `Features of ${file.name} extracted.`);
  return features;
}

const ready = start().catch((error) => {
  setState('error', `Could not load the model: ${error.message}`);
  throw error;
});

async function handleFiles(files) {
  const file = files?.[0];
  if (!file) return;
  try {
    await describeImage(await ready, file);
  } catch (error) {
    setState('error', `Could not extract features: ${error.message}`);
  }
}

drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  void handleFiles(event.dataTransfer?.files);
});
fileInput.addEventListener('change', () => void handleFiles(fileInput.files));
