import type { HeadSettings, TrainRequest, TrainResponse, WorkerReply } from './training-protocol';

/** Runs head training in a Web Worker so the page stays responsive. */
export class TrainingClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: TrainResponse) => void; reject: (error: Error) => void }>();

  constructor(workerUrl: URL) {
    this.worker = new Worker(workerUrl, { type: 'module' });
    this.worker.addEventListener('message', (event: MessageEvent<WorkerReply>) => this.settle(event.data));
    this.worker.addEventListener('error', (event) => {
      const error = new Error(`training worker failed: ${event.message || 'the worker script did not load'}`);
      for (const entry of this.pending.values()) entry.reject(error);
      this.pending.clear();
    });
  }

  private settle(reply: WorkerReply): void {
    const entry = this.pending.get(reply.id);
    if (!entry) return;
    this.pending.delete(reply.id);
    if (reply.type === 'trained') entry.resolve(reply);
    else entry.reject(new Error(reply.message));
  }

  /** Cross-validates and fits a head on `features` (one vector per sample) and class indices. */
  train(features: readonly Float32Array[], labels: readonly number[], settings: HeadSettings): Promise<TrainResponse> {
    const featureLength = features[0]?.length ?? 0;
    const flat = new Float32Array(features.length * featureLength);
    features.forEach((row, i) => flat.set(row, i * featureLength));

    const request: TrainRequest = {
      type: 'train',
      id: this.nextId++,
      features: flat,
      featureLength,
      labels: Int32Array.from(labels),
      settings,
    };
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      this.worker.postMessage(request, [flat.buffer, request.labels.buffer]);
    });
  }
}
