// compile-time probe: node ct.mjs HW ACT RESIDUAL [VARIANT] [IN] [OUT]; min/median ms of first dispatch over 5 salted copies
import { requestDevice } from '@offshelf/device';
import * as k from './dist/index.js';
import { readFileSync, readdirSync } from 'node:fs';
// CPU ms per thread other than the main one (the lavapipe queue thread compiles on first dispatch).
function workerCpu() { let best = 0; for (const t of readdirSync('/proc/self/task')) { if (t === String(process.pid)) continue; const st = readFileSync(`/proc/self/task/${t}/stat`, 'utf8'); const f = st.slice(st.lastIndexOf(')') + 2).split(' '); best += (Number(f[11]) + Number(f[12])) * 10; } return best; }
const [hw, act, res, variant, cin, cout, kh, stride] = process.argv.slice(2);
let h, d;
if (process.env.DAWNFLAGS) {
  const { create, globals } = await import('../device/node_modules/webgpu/index.js');
  Object.assign(globalThis, globals);
  const gpu = create(['backend=vulkan', ...process.env.DAWNFLAGS.split(' ')]);
  const adapter = await gpu.requestAdapter();
  d = await adapter.requestDevice();
  h = { destroy: () => d.destroy() };
} else { h = await requestDevice(); d = h.device; }
const H = Number(hw); const I = Number(cin ?? 16); const O = Number(cout ?? 16); const K = Number(kh ?? 1); const S = Number(stride ?? 1);
const dw = variant === 'depthwise-4x';
const P = (K - 1) >> 1;
const shape = { batch: 1, inChannels: I, inHeight: H, inWidth: H, outChannels: O, kernelHeight: K, kernelWidth: K, strideHeight: S, strideWidth: S, dilationHeight: 1, dilationWidth: 1, padTop: P, padLeft: P, padBottom: P, padRight: P, groups: dw ? I : 1 };
const epi = { bias: true, activation: act === 'clip' ? { kind: 'clip', min: 0, max: 6 } : { kind: 'none' }, residual: res ?? 'none' };
const kk = k.selectConv2d(shape, epi, { variant: variant ?? 'pointwise-gemm-8x8' });
const outLen = k.conv2dOutputLength(shape);
const inputs = [new Float32Array(I * H * H), kk.packWeights(new Float32Array(O * (I / shape.groups) * K * K)), new Float32Array(O)];
if (epi.residual !== 'none') inputs.push(new Float32Array(outLen));
const times = []; const cpus = [];
for (let i = 0; i < 5; i++) {
  const program = { ...kk.program, code: kk.program.code + `\n// salt ${i}\n`, shaderKey: kk.program.shaderKey + i };
  const s = performance.now(); const c0 = workerCpu();
  await k.runProgram(d, program, inputs, outLen);
  times.push(performance.now() - s); cpus.push(workerCpu() - c0);
}
times.sort((a, b) => a - b); cpus.sort((a, b) => a - b);
console.log('wall min', times[0].toFixed(0), 'thread cpu min', cpus[0].toFixed(0), 'med', cpus[2].toFixed(0), kk.program.shaderKey);
h.destroy();
