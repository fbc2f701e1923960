import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { chromiumUnavailableReason, launchChromium, type ChromiumSession } from '../browser/chromium';
import { startIsolatedServer, type IsolatedServer } from '../browser/isolated-server';
import type { PagePrepared, PageRun, PageSetup } from '../browser/ort-wasm-page';
import { processTreePssBytes } from '../browser/process-tree';
import { benchPackageDir } from '../report/environment';
import type { Engine, EngineCase, PreparedEngine } from './engine';

// Thread count when --chromium-threads is not given: navigator.hardwareConcurrency capped at 2,
// the "2 threads" baseline that offshelf is compared against.
const DEFAULT_MAX_THREADS = 2;

// onnxruntime-web 1.31's WASM-only ES module build, as a browser page without WebGPU would load it.
// It loads ort-wasm-simd-threaded.mjs and .wasm from its own folder.
const ORT_MODULE = 'ort.wasm.min.mjs';

const PAGE_HTML = '<!doctype html><meta charset="utf-8"><title>ort-wasm-chromium</title><script type="module" src="/page.js"></script>';

// The page script loads from 127.0.0.1 before onnxruntime-web is imported, within the 5 s that whole
// tiny-model cases took under a load average of 6 on 2 cores. The rest is margin for heavier load.
const PAGE_READY_TIMEOUT_MS = 60_000;

function ortDistDir(): string {
  const require = createRequire(join(benchPackageDir(), 'package.json'));
  return dirname(require.resolve('onnxruntime-web/wasm'));
}

/** Bundles the page script (TypeScript, with the shared random input) for the browser. */
async function bundlePage(): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(benchPackageDir(), 'src', 'browser', 'ort-wasm-page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  return result.outputFiles[0]!.text;
}

function sameInput(prepared: PagePrepared, input: Float32Array): boolean {
  let sum = 0;
  for (const value of input) sum += value;
  return sum === prepared.inputSum && prepared.inputHead.every((value, i) => value === input[i]);
}

async function preparePage(benchCase: EngineCase, browser: ChromiumSession, server: IsolatedServer): Promise<PagePrepared> {
  const { page, log } = browser;
  const failure = (message: string): Error => new Error(`ort-wasm-chromium: ${message}\nPage log:\n${log.join('\n') || '(empty)'}`);

  await page.goto(`${server.url}/index.html`);
  await page.waitForFunction(() => window.ortWasmBench !== undefined, undefined, { timeout: PAGE_READY_TIMEOUT_MS }).catch(() => {
    throw failure(`the page script did not start within ${PAGE_READY_TIMEOUT_MS / 1000} s.`);
  });

  const setup: PageSetup = {
    ortUrl: `/ort/${ORT_MODULE}`,
    modelUrl: '/model.onnx',
    threads: benchCase.chromiumThreads ?? null,
    defaultMaxThreads: DEFAULT_MAX_THREADS,
    batch: benchCase.batch,
    inputName: benchCase.graph.inputName,
    outputName: benchCase.graph.outputName,
    inputShape: benchCase.graph.inputShape,
  };
  const prepared = await page.evaluate((pageSetup) => window.ortWasmBench!.prepare(pageSetup), setup).catch((error: Error) => {
    throw failure(error.message);
  });

  if (prepared.ortThreads !== prepared.requestedThreads) {
    throw failure(
      `onnxruntime-web runs ${prepared.ortThreads} thread(s), not the ${prepared.requestedThreads} requested ` +
        '(it falls back to 1 when the page cannot share memory with workers).',
    );
  }
  return prepared;
}

/** onnxruntime-web's WASM backend in headless Chromium, where it can run threads (see the engine description). */
export const ortWasmChromium: Engine = {
  name: 'ort-wasm-chromium',
  description:
    `onnxruntime-web, WASM execution provider (SIMD, ${ORT_MODULE}) in headless Chromium with WebAssembly threads. ` +
    `Threads: navigator.hardwareConcurrency capped at ${DEFAULT_MAX_THREADS}, or --chromium-threads. ` +
    'The page is cross-origin isolated and served from 127.0.0.1, with a fresh browser profile per case',
  usesGpu: false,
  profilesKernels: false,
  packages: ['onnxruntime-web', 'playwright-core'],

  async unavailableReason() {
    return chromiumUnavailableReason();
  },

  async prepare(benchCase): Promise<PreparedEngine> {
    const server = await startIsolatedServer({
      // An empty icon keeps Chromium's automatic favicon request from logging a 404 into the page log.
      routes: { '/index.html': PAGE_HTML, '/page.js': await bundlePage(), '/model.onnx': benchCase.modelBytes, '/favicon.ico': '' },
      folders: { '/ort/': ortDistDir() },
    });
    let browser: ChromiumSession | null = null;

    try {
      browser = await launchChromium();
      const session = browser;
      const prepared = await preparePage(benchCase, session, server);

      // Emscripten runs each WebAssembly thread after the first in its own worker, so this checks
      // independently of onnxruntime-web's own setting that the threads started.
      const workers = session.page.workers().length;
      if (workers < prepared.ortThreads - 1) {
        throw new Error(`ort-wasm-chromium: the page has ${workers} worker(s), but ${prepared.ortThreads} WebAssembly threads need ${prepared.ortThreads - 1}.`);
      }

      let lastRunMs = 0;
      let peakPssBytes: number | null = null;
      let inputChecked = false;
      const samplePss = (): void => {
        const bytes = processTreePssBytes(session.userDataDir);
        if (bytes !== null) peakPssBytes = Math.max(peakPssBytes ?? 0, bytes);
      };
      samplePss();

      return {
        loadMs: prepared.loadMs,
        detail: `headless Chromium ${session.version}, ${prepared.ortThreads} WebAssembly thread(s), ${workers} worker(s), navigator.hardwareConcurrency ${prepared.hardwareConcurrency}`,

        async run(input) {
          // The page builds its input from the same seed, so only this check crosses to the page.
          if (!inputChecked && !sameInput(prepared, input)) {
            throw new Error('ort-wasm-chromium: the page built a different input than Node; randomInput must be the same code on both sides.');
          }
          inputChecked = true;

          const result: PageRun = await session.page.evaluate(() => window.ortWasmBench!.run());
          lastRunMs = result.ms;
          samplePss();
          return Float32Array.from(result.output);
        },

        lastRunMs: () => lastRunMs,
        peakRssBytes: async () => peakPssBytes,

        async dispose() {
          await session.page.evaluate(() => window.ortWasmBench!.release());
          await session.close();
          await server.close();
        },
      };
    } catch (error) {
      await browser?.close();
      await server.close();
      throw error;
    }
  },
};
