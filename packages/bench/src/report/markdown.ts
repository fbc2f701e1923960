import type { EngineName } from '../engines/engine';
import { ENGINES } from '../engines/registry';
import type { CaseResult } from '../measure/result';
import { modelLabel, modelSpec, type ModelRef } from '../models';
import type { BenchEnvironment } from './environment';
import { TABLE_HEADER, tableRows } from './table';

/** Options that shaped the run, repeated in the report so a reader can reproduce it. */
export interface RunSettings {
  warmup: number;
  repeats: number;
  /** Rounds of alternating engines (`--rounds`); each row is an engine's fastest round. 1 when absent. */
  rounds?: number;
  /** FLOPs per image of each model, counted from its ONNX graph. */
  flopsPerImage: Partial<Record<ModelRef, number>>;
}

const CHROMIUM_TIMING_NOTE =
  '`ort-wasm-chromium` is timed inside its page with performance.now(). Its first run is session creation ' +
  '(importing onnxruntime-web, compiling its WebAssembly, starting its threads, loading the model bytes) plus one ' +
  '`session.run`. Each timed run is one `session.run` on an input the page builds from the same seed, so the ' +
  'browser start and the transfers between Node and the page are not counted. Its RSS is the largest summed ' +
  'proportional set size (PSS) of the Chromium processes, sampled after each run, without the driving Node process.';

/** Formats one line of the engine list: the description, then the setup that the engine's cases reported (browser, threads). */
function engineLine(name: EngineName, results: CaseResult[]): string {
  const details = [...new Set(results.filter((r) => r.engine === name && r.engineDetail).map((r) => r.engineDetail!))];
  const measured = details.length > 0 ? ` (this run: ${details.join('; ')})` : '';
  return `- \`${name}\`: ${ENGINES[name].description}${measured}`;
}

/** Formats a Markdown table, escaping any `|` inside a cell. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Renders docs/benchmarks.md: the environment (adapter, versions, command, date), the results
 * table, per-kernel times when measured, and every case that is missing or failed.
 */
export function renderMarkdown(environment: BenchEnvironment, settings: RunSettings, results: CaseResult[]): string {
  const { adapter } = environment;
  const usedEngines = [...new Set(results.map((r) => r.engine))];
  const usedModels = [...new Set(results.map((r) => r.model))];
  const parts: string[] = [];

  // Headings start at level 3: this report is one section of docs/benchmarks.md.

  parts.push('### Environment');
  parts.push(
    [
      `- Date: ${environment.date}`,
      `- Command: \`${environment.command}\``,
      `- Adapter: ${adapter.adapter.description || adapter.adapter.device || 'unknown'} ` +
        `(vendor ${adapter.adapter.vendor || 'unknown'}, backend ${adapter.backend}, feature level ${adapter.featureLevel}` +
        `${adapter.isFallbackAdapter ? ', a software adapter' : ''})`,
      `- CPU: ${environment.cpu}${environment.cpuFeatures === null ? '' : ` (${environment.cpuFeatures})`}, ${environment.cpuCount} logical cores, one-minute load average ${environment.loadAverage.toFixed(1)} at the start; Node ${environment.node}`,
      `- Lavapipe compute threads (LP_NUM_THREADS): ${environment.lavapipeThreads ?? 'unset'}, the same for every engine that runs on it`,
      `- Packages: ${Object.entries(environment.versions).map(([name, version]) => `${name} ${version}`).join(', ')}`,
      `- Each case runs in its own Node process with an empty Mesa shader cache: one first run, ` +
        `${settings.warmup} warm-up run(s), then the median of ${settings.repeats} timed run(s).`,
      ...((settings.rounds ?? 1) > 1
        ? [`- Rounds: every engine ran each model and batch ${settings.rounds} times in turn, and each row is its fastest round.`]
        : []),
    ].join('\n'),
  );

  parts.push('### Engines');
  parts.push(usedEngines.map((name) => engineLine(name, results)).join('\n'));

  parts.push('### Models');
  parts.push(
    usedModels
      .map((name) => {
        const flops = settings.flopsPerImage[name];
        const perImage = flops === undefined ? '' : `, ${(flops / 1e9).toFixed(3)} GFLOP per image`;
        const spec = modelSpec(name);
        return `- \`${modelLabel(name)}\`: ${spec.description}, weights ${spec.weights}${perImage}`;
      })
      .join('\n'),
  );

  parts.push('### Results');
  parts.push(
    'ms/image and images/s come from the median batch time; a run uploads the NCHW input and reads ' +
      'the features back to the CPU. First run counts from model bytes in memory to the first features ' +
      '(session creation, shader compilation, one run). GFLOP/s uses the FLOPs counted in the ONNX graph ' +
      '(2 per multiply-accumulate). Peak GPU is the largest total of live buffers created on the device. ' +
      'offshelf speed-up is offshelf images/s divided by the engine images/s, on the same model and batch in this run.' +
      (usedEngines.includes('ort-wasm-chromium') ? ` ${CHROMIUM_TIMING_NOTE}` : ''),
  );
  parts.push(markdownTable(TABLE_HEADER, tableRows(results)));

  const withRounds = results.filter((r) => r.roundsImagesPerSecond && r.roundsImagesPerSecond.length > 1);
  if (withRounds.length > 0) {
    parts.push('images/s in each round, in the order run:');
    parts.push(
      withRounds
        .map((r) => `- ${r.engine}, ${modelLabel(r.model)}, batch ${r.batch}: ${r.roundsImagesPerSecond!.map((value) => value.toFixed(2)).join(', ')}`)
        .join('\n'),
    );
  }

  const profiled = results.filter((r) => r.kernels && r.kernels.length > 0);
  if (profiled.length > 0) {
    parts.push('### Slowest kernels');
    parts.push(
      'Each dispatch of one run is replayed alone in its own compute pass and timed with timestamp ' +
        'queries (or on the CPU when the device has no `timestamp-query`), then summed per pipeline label. ' +
        'Dawn rounds timestamps, so kernels shorter than its rounding step read as 0 or one step. ' +
        'Kernels with the same shader code share one pipeline, so their dispatches count under the label of the first one ' +
        'created: `conv2d-im2col-gemm` and `conv2d-pointwise-subgroup-32x8` are the same shader. ' +
        'Only offshelf is profiled: replayed onnxruntime-web and TF.js dispatches took 1.7 to 5.4 times as long as their runs, ' +
          'most likely because those engines reuse uniform buffers within a run.',
    );
    for (const result of profiled) {
      parts.push(`#### ${result.engine}, ${modelLabel(result.model)}, batch ${result.batch}`);
      const rows = result.kernels!.map((k) => [k.kernel, String(k.count), k.totalMs.toFixed(2)]);
      parts.push(markdownTable(['kernel', 'dispatches', 'total ms in one run'], rows));
    }
  }

  const notRun = results.filter((r) => r.status !== 'ok');
  if (notRun.length > 0) {
    parts.push('### Not measured');
    parts.push(notRun.map((r) => `- ${r.engine}, ${modelLabel(r.model)}, batch ${r.batch}: ${r.status}, ${r.error ?? 'no detail'}`).join('\n'));
  }

  return `${parts.join('\n\n')}\n`;
}
