import { createFeatureExtractor, loadModel, type Graph, type ModelSource, type RgbaImage } from '@offshelf/backbone';

import type { GpuSession } from './gpu-session';

/** Images per GPU batch: small, because a software GPU (SwiftShader) takes seconds per image. */
export const EXTRACT_BATCH_SIZE = 4;

/** What the page shows about the loaded backbone and what the bundle records. */
export interface BackboneInfo {
  /** The model file name or URL it was loaded from. */
  source: string;
  format: string;
  inputWidth: number;
  inputHeight: number;
  graphName: string;
}

type FeatureExtractor = Awaited<ReturnType<typeof createFeatureExtractor>>;

/** A loaded backbone: its graph and a feature extractor on the page's device. */
export class BackboneSession {
  private extractor: FeatureExtractor | undefined;
  private extractorDevice: GPUDevice | undefined;

  private constructor(
    private readonly gpu: GpuSession,
    readonly graph: Graph,
    readonly info: BackboneInfo,
  ) {}

  /** Imports the model; rejects unsupported files with the importer's message. */
  static async load(gpu: GpuSession, source: ModelSource): Promise<BackboneSession> {
    const graph = await loadModel(source);
    const { preprocessing, sourceFormat } = graph.metadata;
    return new BackboneSession(gpu, graph, {
      source: source.name,
      format: sourceFormat,
      inputWidth: preprocessing.width,
      inputHeight: preprocessing.height,
      graphName: graph.name,
    });
  }

  /** Creates the extractor on the current device, again after a device loss. */
  private async ready(): Promise<FeatureExtractor> {
    const { device } = await this.gpu.acquire();
    if (this.extractor && this.extractorDevice === device) return this.extractor;

    this.extractor?.dispose();
    this.extractor = await createFeatureExtractor(device, this.graph, { batchSize: EXTRACT_BATCH_SIZE });
    this.extractorDevice = device;
    return this.extractor;
  }

  /**
   * Extracts one feature vector per image in batches of {@link EXTRACT_BATCH_SIZE};
   * resizing and normalization run on the GPU inside the extractor, as in Node.
   */
  async extract(images: readonly RgbaImage[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    const extractor = await this.ready();
    const features: Float32Array[] = [];
    onProgress?.(0, images.length);

    for (let start = 0; start < images.length; start += EXTRACT_BATCH_SIZE) {
      const batch = images.slice(start, start + EXTRACT_BATCH_SIZE);
      features.push(...(await extractor.extract(batch)));
      onProgress?.(features.length, images.length);
    }
    return features;
  }

  dispose(): void {
    this.extractor?.dispose();
    this.extractor = undefined;
  }
}
