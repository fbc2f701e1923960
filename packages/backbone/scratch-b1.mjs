import { readFile } from 'node:fs/promises';
import { requestDevice } from '@offshelf/device';
import { createFeatureExtractor, loadModel, modelSourceFromBytes } from '@offshelf/backbone';
const path = '/work/shared/models/onnx/mobilenet_v2_1.0_224_coral.onnx';
const graph = await loadModel(modelSourceFromBytes(path, await readFile(path)));
const gpu = await requestDevice({ eventPolling: process.env.POLL || undefined });
const batch = Number(process.env.B ?? 1);
const ex = await createFeatureExtractor(gpu.device, graph, { batchSize: batch });
const input = new Float32Array(batch * 3 * 224 * 224).map(() => Math.random());
const name = graph.inputs[0].name;
for (let i = 0; i < 3; i++) await ex.runTensors({ [name]: { data: input, shape: [batch, 3, 224, 224] } }, [ex.layer]);
const times = [];
for (let i = 0; i < 15; i++) { const t = performance.now(); await ex.runTensors({ [name]: { data: input, shape: [batch, 3, 224, 224] } }, [ex.layer]); times.push(performance.now() - t); }
times.sort((a, b) => a - b);
console.log(gpu.eventPolling, 'batch', batch, 'median ms', times[7].toFixed(1), 'min', times[0].toFixed(1));
ex.dispose(); gpu.destroy();
