// Writes the random-weight benchmark models (ResNet-18, ResNet-50 and the tiny smoke-test
// ConvNet) as ONNX files, built with onnx-proto by packages/bench/src/onnx/resnet.ts.
// Usage: node scripts/bench/generate-models.mjs [--out=DIR]   (default .offshelf-cache/bench/models)
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const result = spawnSync(process.execPath, [join(repoRoot, 'packages', 'bench', 'scripts', 'run.mjs'), 'generate', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
