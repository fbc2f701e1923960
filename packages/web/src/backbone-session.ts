import {
  createFeatureExtractor,
  loadModel,
  type FeatureExtractor,
  type Graph,
  type ModelSource,
  type Preprocessing,
  type RgbaImage,
} from '@offshelf/backbone';

import type { GpuSession } from './gpu-session';

/** Images per GPU batch: small, because a software GPU (SwiftShader) takes seconds per image. */
export const EXTRACT_BATCH_SIZE = 4;

/** What the page shows about the loaded backbone and what a bundle records, as the CLI records it. */
export interface BackboneInfo {
  /** The model file name or URL it was loaded from. */
  source: string;
  /** Hex SHA-256 of the main model file (for TF.js, of model.json), the identity the CLI checks. */
  sha256: string;
  format: string;
  /** The value features come from, and the length of each feature vector. */
  layer: string;
  featureSize: number;
  preprocessing: Preprocessing;
  /** The file beside the model that set the preprocessing, such as preprocessor_config.json. */
  preprocessingSource?: string;
  /** The importer's warnings, such as an unreadable optional file. */
  warnings?: string[];
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** A loaded backbone: its graph and a feature extractor on the page's device. */
export class BackboneSession {
  private extractorDevice: GPUDevice;

  private constructor(
    private readonly gpu: GpuSession,
    readonly graph: Graph,
    private extractor: FeatureExtractor,
    device: GPUDevice,
    readonly info: BackboneInfo,
  ) {
    this.extractorDevice = device;
  }

  /** Imports the model and builds its extractor; rejects unsupported files with the importer's message. */
  static async load(gpu: GpuSession, source: ModelSource): Promise<BackboneSession> {
    let mainBytes: Uint8Array | undefined;
    const graph = await loadModel({ ...source, readMain: async () => (mainBytes = await source.readMain()) });

    const { device } = await gpu.acquire();
    const extractor = await createFeatureExtractor(device, graph, { batchSize: EXTRACT_BATCH_SIZE });
    const info: BackboneInfo = {
      source: source.name,
      sha256: await sha256Hex(mainBytes ?? (await source.readMain())),
      format: graph.metadata.sourceFormat,
      layer: extractor.layer,
      featureSize: extractor.featureSize,
      preprocessing: extractor.preprocessing,
      ...(graph.metadata.preprocessingSource === undefined ? {} : { preprocessingSource: graph.metadata.preprocessingSource }),
      ...(graph.metadata.warnings === undefined ? {} : { warnings: graph.metadata.warnings }),
    };
    return new BackboneSession(gpu, graph, extractor, device, info);
  }

  /** Returns the extractor, rebuilt on the new device after a device loss. */
  private async ready(): Promise<FeatureExtractor> {
    const { device } = await this.gpu.acquire();
    if (this.extractorDevice === device) return this.extractor;

    this.extractor.dispose();
    this.extractor = await createFeatureExtractor(device, this.graph, { batchSize: EXTRACT_BATCH_SIZE, layer: this.info.layer });
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
    this.extractor.dispose();
  }
}
