// The page side of the ort-wasm-chromium engine, bundled for the browser when a case starts.
// Node drives it through `window.ortWasmBench`; every time it reports is measured here with
// performance.now(), so the round trip to Node is not counted.
import type * as OrtModule from 'onnxruntime-web';

import { randomInput } from '../measure/random-input';

type Ort = typeof OrtModule;

/** Settings from which the page creates the session and its input. */
export interface PageSetup {
  /** URL of onnxruntime-web's ES module build, whose folder also contains the .wasm files. */
  ortUrl: string;
  modelUrl: string;
  /** Threads requested; null means navigator.hardwareConcurrency capped at `defaultMaxThreads`. */
  threads: number | null;
  defaultMaxThreads: number;
  batch: number;
  inputName: string;
  outputName: string;
  /** Input shape without the batch dimension (C, H, W). */
  inputShape: number[];
}

export interface PagePrepared {
  /** Session creation time: importing onnxruntime-web, compiling its WebAssembly, starting its threads, loading the model. */
  loadMs: number;
  /** Threads requested, and the count onnxruntime-web kept after initializing (it falls back to 1 without isolation). */
  requestedThreads: number;
  ortThreads: number;
  hardwareConcurrency: number;
  /** Float64 sum and first values of the page's input, to check it against the input built in Node. */
  inputSum: number;
  inputHead: number[];
}

export interface PageRun {
  /** Time of `session.run`, including the Tensor wrapping, the input copy into WebAssembly memory and the output copy out. */
  ms: number;
  output: number[];
}

export interface OrtWasmBenchPage {
  prepare(setup: PageSetup): Promise<PagePrepared>;
  run(): Promise<PageRun>;
  release(): Promise<void>;
}

declare global {
  interface Window {
    ortWasmBench?: OrtWasmBenchPage;
  }
}

let state: { ort: Ort; session: OrtModule.InferenceSession; setup: PageSetup; input: Float32Array } | null = null;

async function prepare(setup: PageSetup): Promise<PagePrepared> {
  if (!self.crossOriginIsolated) {
    throw new Error(
      'The page is not cross-origin isolated (crossOriginIsolated is false), so WebAssembly threads are unavailable: ' +
        'serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp.',
    );
  }
  const requestedThreads = setup.threads ?? Math.max(1, Math.min(setup.defaultMaxThreads, navigator.hardwareConcurrency));

  // The model bytes and the input are ready before the clock starts, as they are for the engines in Node.
  const response = await fetch(setup.modelUrl);
  if (!response.ok) throw new Error(`Fetching the model from ${setup.modelUrl} failed with HTTP ${response.status}.`);
  const modelBytes = new Uint8Array(await response.arrayBuffer());
  const input = randomInput(setup.batch * setup.inputShape.reduce((a, b) => a * b, 1));

  const start = performance.now();
  const ort = (await import(/* @vite-ignore */ setup.ortUrl)) as Ort;
  ort.env.wasm.numThreads = requestedThreads;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(modelBytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const loadMs = performance.now() - start;

  state = { ort, session, setup, input };
  let inputSum = 0;
  for (const value of input) inputSum += value;
  return {
    loadMs,
    requestedThreads,
    ortThreads: ort.env.wasm.numThreads ?? 0,
    hardwareConcurrency: navigator.hardwareConcurrency,
    inputSum,
    inputHead: Array.from(input.subarray(0, 8)),
  };
}

async function run(): Promise<PageRun> {
  if (!state) throw new Error('ortWasmBench.run was called before prepare.');
  const { ort, session, setup, input } = state;

  const start = performance.now();
  const feeds = { [setup.inputName]: new ort.Tensor('float32', input, [setup.batch, ...setup.inputShape]) };
  const outputs = await session.run(feeds, [setup.outputName]);
  const ms = performance.now() - start;

  return { ms, output: Array.from(outputs[setup.outputName]!.data as Float32Array) };
}

async function release(): Promise<void> {
  await state?.session.release();
  state = null;
}

window.ortWasmBench = { prepare, run, release };
