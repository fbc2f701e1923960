import { readFileSync, readdirSync } from 'node:fs';
import { requestDevice } from '@offshelf/device';
import * as k from '/work/main/packages/core-wgsl/dist/index.js';
function threads() { const r = {}; for (const t of readdirSync('/proc/self/task')) { const st = readFileSync(`/proc/self/task/${t}/stat`, 'utf8'); const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')); const f = st.slice(st.lastIndexOf(')') + 2).split(' '); r[t + ' ' + name] = (Number(f[11]) + Number(f[12])) * 10; } return r; }
const h = await requestDevice(); const d = h.device;
const H = 7, I = 16, O = 16;
const shape = { batch: 1, inChannels: I, inHeight: H, inWidth: H, outChannels: O, kernelHeight: 1, kernelWidth: 1, strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, groups: 1 };
const kk = k.selectConv2d(shape, { bias: true, activation: { kind: 'none' }, residual: 'none' });
const inputs = [new Float32Array(I * H * H), kk.packWeights(new Float32Array(O * I)), new Float32Array(O)];
const a = threads(); const s = performance.now();
await k.runProgram(d, kk.program, inputs, O * H * H);
const wall = performance.now() - s; const b = threads();
console.log('wall', wall.toFixed(0)); for (const t in b) { const dlt = b[t] - (a[t] ?? 0); if (dlt > 0) console.log(t, dlt, 'ms'); }
h.destroy();
