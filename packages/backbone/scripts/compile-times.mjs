// Times the shader compilation of each distinct pipeline a model needs, on the current adapter.
//
//   pnpm --filter @offshelf/backbone build
//   node packages/backbone/scripts/compile-times.mjs MODEL [--batch N] [--layer NAME]
//
// MODEL is an ONNX, TFLite or TF.js file. The script plans the model, then submits the first
// dispatch of each distinct pipeline on its own and waits for it. Lavapipe compiles a pipeline
// on its first dispatch, so that wait is the compile time (plus one small dispatch). Mesa's
// on-disk shader cache is disabled in a child process, so every run measures a cold compile.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

if (process.env.MESA_SHADER_CACHE_DISABLE !== 'true') {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, MESA_SHADER_CACHE_DISABLE: 'true' },
  });
  process.exit(child.status ?? 1);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { batch: { type: 'string', default: '1' }, layer: { type: 'string' } },
});
if (positionals.length !== 1) {
  console.error('usage: node packages/backbone/scripts/compile-times.mjs MODEL [--batch N] [--layer NAME]');
  process.exit(2);
}

const { requestDevice } = await import('@offshelf/device');
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { loadModel, optimizeGraph, GraphRunner } = await import(resolve(packageDir, 'dist/index.js'));

const path = resolve(positionals[0]);
const bytes = await readFile(path);
const graph = optimizeGraph(
  await loadModel({ name: path, readMain: async () => bytes, readSibling: (relative) => readFile(resolve(dirname(path), relative)) }),
);
const layer = values.layer ?? graph.metadata.featureOutput ?? graph.outputs[0].name;
const input = graph.inputs[0];
const shape = [Number(values.batch), ...input.shape.slice(1)];

const handle = await requestDevice();
const { device } = handle;
const runner = new GraphRunner(device, graph, {});
const plan = await runner.plan({ [input.name]: shape }, [layer]);

// First dispatch of each shader key, in graph order.
const seen = new Map();
for (const prepared of plan.dispatches) {
  const key = prepared.program.shaderKey;
  if (seen.has(key)) continue;

  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(prepared.pipeline);
  pass.setBindGroup(0, prepared.bindGroup);
  pass.dispatchWorkgroups(...prepared.program.dispatch);
  pass.end();
  const start = performance.now();
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  seen.set(key, performance.now() - start);
}

console.log(`${handle.summary.adapter.description}, ${path}, batch ${shape[0]}, ${plan.dispatches.length} dispatches`);
let total = 0;
for (const [key, ms] of seen) {
  total += ms;
  console.log(`${ms.toFixed(0).padStart(7)} ms  ${key}`);
}
console.log(`${total.toFixed(0).padStart(7)} ms  total, ${seen.size} pipelines`);
runner.destroy();
handle.destroy();
