// Times head training on the synthetic features written by scripts/sklearn/time_heads.py
// (run that first; it also prints scikit-learn's times for the same data and parameters):
//
//   node packages/heads/scripts/time-heads.mjs [/tmp/offshelf-head-timing] [--only logreg|linear-svm|rbf-svm|knn]
//
// --only times one head, e.g. to profile it with `node --cpu-prof`.
// The package source is bundled with esbuild into a temporary file, then imported.
import { build } from 'esbuild';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const N_FEATURES = 1280;
const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args.splice(onlyAt, 2)[1] : undefined;
const HEADS = ['logreg', 'linear-svm', 'rbf-svm', 'knn'];
if (onlyAt >= 0 && !HEADS.includes(only)) {
  console.error(`--only ${only} is unknown: use one of ${HEADS.join(', ')}`);
  process.exit(1);
}
const dataDir = args[0] ?? '/tmp/offshelf-head-timing';
const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

const bundle = join(mkdtempSync(join(tmpdir(), 'offshelf-heads-')), 'heads.mjs');
await build({ entryPoints: [join(packageDir, 'src/index.ts')], outfile: bundle, bundle: true, format: 'esm', platform: 'node', logLevel: 'warning' });
const { trainHead, accuracyScore } = await import(pathToFileURL(bundle).href);

let xBytes;
try {
  xBytes = readFileSync(join(dataDir, 'X.f32'));
} catch {
  console.error(`${join(dataDir, 'X.f32')} not found: run /usr/bin/python3 scripts/sklearn/time_heads.py --out ${dataDir} first`);
  process.exit(1);
}
const flat = new Float32Array(xBytes.buffer, xBytes.byteOffset, xBytes.byteLength / 4);
const y = Array.from(new Int32Array(readFileSync(join(dataDir, 'y.i32')).buffer.slice(0)));
const X = [];
for (let i = 0; i < y.length; i++) X.push(flat.subarray(i * N_FEATURES, (i + 1) * N_FEATURES));

// Wall time and process CPU time: on a shared machine the CPU time is the steadier number.
function timed(name, run) {
  if (only !== undefined && !name.startsWith(`${only} `)) return;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const note = run();
  const cpu = process.cpuUsage(cpuStart);
  const wall = (performance.now() - start) / 1000;
  console.log(`${name}: wall ${wall.toFixed(2)} s, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s${note ?? ''}`);
}

timed('logreg C=1 (L-BFGS, tol=1e-4, maxIter=100)', () => {
  const head = trainHead(X, y, { kind: 'logreg', C: 1 });
  return ` (${head.params.model.iterations} iterations, train accuracy ${accuracyScore(y, head.predict(X)).toFixed(4)})`;
});
timed('linear-svm C=0.001 (squared hinge, tol=1e-4)', () => {
  const head = trainHead(X, y, { kind: 'linear-svm', C: 0.001 });
  return ` (train accuracy ${accuracyScore(y, head.predict(X)).toFixed(4)})`;
});
timed('rbf-svm C=1 gamma=scale on 2,000 samples', () => {
  const head = trainHead(X.slice(0, 2000), y.slice(0, 2000), { kind: 'rbf-svm', C: 1 });
  return ` (2,000 samples, ${head.params.model.nSupport.reduce((s, c) => s + c, 0)} support vectors)`;
});
timed('knn k=5 Euclidean', () => {
  const head = trainHead(X, y, { kind: 'knn', nNeighbors: 5 });
  head.predict(X.slice(0, 1000));
  return ' (fit + predict 1,000 queries)';
});
