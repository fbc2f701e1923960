import type { ModelSource } from '@offshelf/backbone';
import { DeviceLostError, NoAdapterError } from '@offshelf/device';

import { BackboneSession } from './backbone-session';
import { backboneRecord, checkBundleBackbone, createBundle, parseBundle, trainingRecord, type TrainedModel } from './bundle';
import { decodeImage } from './decode-image';
import { GpuSession } from './gpu-session';
import { predictProbabilities } from './head-model';
import { modelSourceFromFiles, modelSourceFromUrl } from './model-source';
import { TrainingClient } from './training-client';
import type { HeadSettings } from './training-protocol';
import { renderClassList, type ClassEntry, type TrainingImage } from './ui/class-list';
import { renderConfusionMatrix } from './ui/confusion-matrix';
import { byId } from './ui/dom';
import { wireDropZone } from './ui/drop-zone';
import { countOf } from './ui/plural';
import { renderPredictions, type Prediction } from './ui/predictions';
import { createThumbnail } from './ui/thumbnail';

/** Fixed seed, so the same images and settings give the same folds and head. */
const TRAINING_SEED = 0;

/** The page: state (backbone, classes, trained head) and the handlers of its controls. */
export class OffshelfApp {
  readonly classes: ClassEntry[] = [];
  backbone: BackboneSession | undefined;
  trained: TrainedModel | undefined;
  predictions: Prediction[] = [];

  readonly gpu = new GpuSession((error) => this.showError(error));
  private readonly training = new TrainingClient(new URL('./worker.js', import.meta.url));
  private busy = false;
  /** Finished user actions, successful or not; automation waits on it (`data-completed-steps`). */
  private completedSteps = 0;

  constructor() {
    this.wireControls();
    this.render();
  }

  /** Requests the WebGPU device at start-up, so a browser without WebGPU is reported at once. */
  async start(): Promise<void> {
    const status = byId('device-status');
    try {
      const { summary } = await this.gpu.acquire();
      const adapter = [summary.adapter.vendor, summary.adapter.architecture, summary.adapter.description].filter(Boolean).join(' ');
      status.textContent = `WebGPU: ${adapter || 'adapter'}${summary.isFallbackAdapter ? ' (software, slow)' : ''}`;
      status.dataset.ready = 'true';
    } catch (error) {
      status.textContent = 'WebGPU: not available';
      status.dataset.ready = 'false';
      this.showError(error);
    }
  }

  private wireControls(): void {
    wireDropZone(byId('model-drop'), byId<HTMLInputElement>('model-files'), (files) => {
      void this.run(() => this.loadBackbone(() => modelSourceFromFiles(files)));
    });
    byId<HTMLFormElement>('model-url-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const url = byId<HTMLInputElement>('model-url').value.trim();
      void this.run(() => this.loadBackbone(() => modelSourceFromUrl(url)));
    });

    byId<HTMLFormElement>('add-class-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = byId<HTMLInputElement>('class-name');
      void this.run(async () => this.addClass(input.value));
      input.value = '';
    });

    byId('extract').addEventListener('click', () => void this.run(() => this.extractAll()));
    byId('train').addEventListener('click', () => void this.run(() => this.train()));
    byId('export-bundle').addEventListener('click', () => void this.run(async () => this.exportBundle()));

    const importInput = byId<HTMLInputElement>('import-bundle');
    importInput.addEventListener('change', () => {
      const file = importInput.files?.[0];
      importInput.value = '';
      if (file) void this.run(() => this.importBundle(file));
    });

    wireDropZone(byId('classify-drop'), byId<HTMLInputElement>('classify-files'), (files) => {
      void this.run(() => this.classify(files));
    });
  }

  /** Runs one user action: one at a time, errors shown on the page. */
  private async run(action: () => Promise<void>): Promise<void> {
    if (this.busy) {
      this.showError(new Error('another step is still running: wait for it to finish'));
      return;
    }
    this.busy = true;
    this.clearError();
    this.render();
    try {
      await action();
    } catch (error) {
      this.showError(error);
    } finally {
      this.busy = false;
      this.completedSteps++;
      document.body.dataset.completedSteps = String(this.completedSteps);
      this.render();
    }
  }

  /** Imports a model; extracted features belong to the old backbone and are dropped. */
  async loadBackbone(createSource: () => ModelSource): Promise<void> {
    const source = createSource();
    byId('model-info').textContent = `Loading ${source.name}…`;
    const backbone = await BackboneSession.load(this.gpu, source).catch((error: unknown) => {
      byId('model-info').textContent = this.backbone ? describeBackbone(this.backbone) : 'No backbone loaded.';
      throw error;
    });

    this.backbone?.dispose();
    this.backbone = backbone;
    for (const entry of this.classes) for (const image of entry.images) delete image.features;
    byId('model-info').textContent = describeBackbone(backbone);

    // A head trained or imported before stays, but it can classify only with its own backbone.
    if (this.trained) {
      try {
        checkBundleBackbone(this.trained, backbone.info);
      } catch (error) {
        byId('bundle-status').textContent = `the head for ${this.trained.classNames.join(', ')} does not fit this backbone`;
        throw new Error(`the head for ${this.trained.classNames.join(', ')} cannot classify with ${backbone.info.source}: ${(error as Error).message}`);
      }
    }
  }

  addClass(rawName: string): void {
    const name = rawName.trim();
    if (!name) throw new Error('class name is empty: type a name such as "ants"');
    if (this.classes.some((entry) => entry.name === name)) throw new Error(`class "${name}" already exists: pick another name`);
    this.classes.push({ name, images: [] });
  }

  /** Decodes the files and adds them to the class; undecodable files are reported by name. */
  async addImages(entry: ClassEntry, files: readonly File[]): Promise<void> {
    const failures: string[] = [];
    for (const file of files) {
      try {
        const image = await decodeImage(file, file.name);
        const trainingImage: TrainingImage = { fileName: file.name, image, thumbnail: createThumbnail(image, file.name) };
        entry.images.push(trainingImage);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    this.render();
    if (failures.length > 0) throw new Error(`skipped ${failures.length} of ${files.length} files:\n${failures.join('\n')}`);
  }

  /** Extracts features for every training image that has none yet, with a progress bar. */
  async extractAll(): Promise<void> {
    const backbone = this.requireBackbone();
    const pending = this.classes.flatMap((entry) => entry.images.filter((image) => !image.features));
    const started = performance.now();

    const features = await backbone.extract(
      pending.map((image) => image.image),
      showExtractionProgress,
    );
    pending.forEach((image, i) => (image.features = features[i]));

    const seconds = (performance.now() - started) / 1000;
    byId('extract-status').textContent = `${countOf(pending.length, 'image')} extracted in ${seconds.toFixed(1)} s`;
  }

  /** Cross-validates and fits a head in the training worker, then shows accuracy and the confusion matrix. */
  async train(): Promise<void> {
    const backbone = this.requireBackbone();
    const usable = this.classes.filter((entry) => entry.images.length > 0);
    if (usable.length < 2) throw new Error('training needs at least two classes with images: add classes and drop images on them');
    const missing = usable.flatMap((entry) => entry.images).filter((image) => !image.features).length;
    if (missing > 0) throw new Error(`${missing} images have no features yet: press "Extract features" first`);

    const features = usable.flatMap((entry) => entry.images.map((image) => image.features!));
    const labels = usable.flatMap((entry, classIndex) => entry.images.map(() => classIndex));
    const settings = this.readHeadSettings();
    // Stratified folds put images of every class in each fold.
    for (const entry of usable) {
      if (entry.images.length < settings.folds) {
        throw new Error(`class "${entry.name}" has ${countOf(entry.images.length, 'image')}, fewer than the ${settings.folds} folds: lower the folds or add images`);
      }
    }

    byId('train-status').textContent = `training on ${countOf(features.length, 'image')}…`;
    const result = await this.training.train(features, labels, settings).catch((error: unknown) => {
      byId('train-status').textContent = 'training failed';
      throw error;
    });

    const { info } = backbone;
    this.trained = {
      head: result.head,
      classNames: usable.map((entry) => entry.name),
      backbone: backboneRecord(info),
      layer: info.layer,
      featureSize: info.featureSize,
      preprocessing: info.preprocessing,
      crossValidation: result.crossValidation,
      training: trainingRecord(settings, features.length, result.crossValidation),
    };
    byId('train-status').textContent = `trained in ${result.seconds.toFixed(2)} s`;
    this.showEvaluation();
  }

  private readHeadSettings(): HeadSettings {
    const kind = byId<HTMLSelectElement>('head-kind').value as HeadSettings['kind'];
    const C = Number(byId<HTMLInputElement>('head-c').value);
    const folds = Number(byId<HTMLInputElement>('cv-folds').value);
    if (!(C > 0)) throw new Error(`invalid C = ${byId<HTMLInputElement>('head-c').value}: enter a positive number such as 1`);
    if (!Number.isInteger(folds) || folds < 2) throw new Error(`invalid folds = ${folds}: enter an integer of at least 2`);
    return { kind, C, folds, seed: TRAINING_SEED };
  }

  private showEvaluation(): void {
    const evaluation = byId('evaluation');
    const crossValidation = this.trained?.crossValidation;
    evaluation.hidden = !crossValidation;
    if (!this.trained || !crossValidation) return;

    const folds = crossValidation.foldAccuracies.map((accuracy) => accuracy.toFixed(3)).join(', ');
    byId('cv-accuracy').textContent =
      `Cross-validation accuracy: ${crossValidation.accuracy.toFixed(3)} ` + `(${crossValidation.foldAccuracies.length} folds: ${folds})`;
    byId('cv-accuracy').dataset.accuracy = String(crossValidation.accuracy);
    renderConfusionMatrix(byId<HTMLTableElement>('confusion-matrix'), this.trained.classNames, crossValidation.confusion);
  }

  /** Classifies dropped images with the trained or imported head and lists the probabilities. */
  async classify(files: readonly File[]): Promise<void> {
    const backbone = this.requireBackbone();
    const trained = this.trained;
    if (!trained) throw new Error('no trained head: train one or import a bundle first');
    checkBundleBackbone(trained, backbone.info);

    const started = performance.now();
    const images = [];
    const failures: string[] = [];
    for (const file of files) {
      try {
        images.push({ fileName: file.name, image: await decodeImage(file, file.name) });
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    const skipped = failures.length > 0 ? `skipped ${failures.length} of ${files.length} files:\n${failures.join('\n')}` : '';
    if (images.length === 0) throw new Error(skipped);

    // Progress goes to the classify line, so the extraction counter keeps the training images' count.
    const features = await backbone.extract(
      images.map((entry) => entry.image),
      (done, total) => {
        byId('classify-status').textContent = `classifying: ${done} / ${total} images`;
      },
    );
    const probabilities = predictProbabilities(trained.head, trained.classNames.length, features);

    this.predictions = images.map(({ fileName }, i) => {
      const row = probabilities[i]!;
      const best = row.indexOf(Math.max(...row));
      return { fileName, label: trained.classNames[best]!, probabilities: row };
    });
    renderPredictions(byId<HTMLTableElement>('predictions'), trained.classNames, this.predictions);
    const seconds = (performance.now() - started) / 1000;
    byId('classify-status').textContent = `${countOf(images.length, 'image')} classified in ${seconds.toFixed(1)} s`;
    // The images that decoded are classified above; the others are reported by name.
    if (skipped) throw new Error(skipped);
  }

  /** Downloads the trained head as the CLI's bundle JSON. */
  exportBundle(): void {
    if (!this.trained) throw new Error('no trained head to export: train one first');
    const text = JSON.stringify(createBundle(this.trained), null, 2);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    link.download = 'offshelf-bundle.json';
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    byId('bundle-status').textContent = `exported a head for ${this.trained.classNames.join(', ')}`;
  }

  /** Loads a bundle trained by the CLI or this page; its backbone must be the one loaded here. */
  async importBundle(file: File): Promise<void> {
    const trained = parseBundle(await file.text(), file.name);
    if (this.backbone) checkBundleBackbone(trained, this.backbone.info);
    this.trained = trained;
    this.showEvaluation();
    byId('bundle-status').textContent =
      `imported ${file.name}: classes ${trained.classNames.join(', ')}; backbone ${trained.backbone.name ?? trained.backbone.path}` +
      (this.backbone ? '' : ' (load that backbone to classify)');
  }

  private requireBackbone(): BackboneSession {
    if (!this.backbone) throw new Error('no backbone loaded: drop a model file or enter its URL first');
    return this.backbone;
  }

  /** Re-renders the class cards and enables the controls the current state allows. */
  render(): void {
    renderClassList(byId('class-list'), this.classes, {
      onAddFiles: (entry, files) => void this.run(() => this.addImages(entry, files)),
      onRemove: (entry) => {
        this.classes.splice(this.classes.indexOf(entry), 1);
        this.render();
      },
    });

    const images = this.classes.flatMap((entry) => entry.images);
    byId<HTMLButtonElement>('extract').disabled = this.busy || !this.backbone || images.every((image) => image.features);
    byId<HTMLButtonElement>('train').disabled = this.busy || images.length === 0 || images.some((image) => !image.features);
    byId<HTMLButtonElement>('export-bundle').disabled = this.busy || !this.trained;
    byId<HTMLInputElement>('classify-files').disabled = this.busy || !this.trained || !this.backbone;
    document.body.dataset.busy = String(this.busy);
  }

  clearError(): void {
    byId('error').hidden = true;
    byId('error').textContent = '';
  }

  /** Shows an error on the page, with a hint for the kinds a user can act on. */
  showError(error: unknown): void {
    const box = byId('error');
    let message = error instanceof Error ? error.message : String(error);
    if (error instanceof NoAdapterError) message = `WebGPU is not available. ${message}`;
    if (error instanceof DeviceLostError) message = `${message} Run the step again to continue on a new device.`;
    box.textContent = message;
    box.hidden = false;
    console.error(error);
  }
}

/** Updates the extraction progress bar and its counter. */
function showExtractionProgress(done: number, total: number): void {
  const progress = byId<HTMLProgressElement>('extract-progress');
  progress.max = Math.max(total, 1);
  progress.value = done;
  byId('extract-status').textContent = `${done} / ${total} images`;
}

function describeBackbone(backbone: BackboneSession): string {
  const { source, format, preprocessing, preprocessingSource, layer, featureSize, warnings } = backbone.info;
  const recipe = preprocessingSource === undefined ? '' : ` Preprocessing from ${preprocessingSource}.`;
  const notes = (warnings ?? []).map((warning) => ` Warning: ${warning}.`).join('');
  return `Loaded ${source} (${format}, input ${preprocessing.width}×${preprocessing.height}, ${featureSize} features from the value "${layer}").${recipe}${notes}`;
}
