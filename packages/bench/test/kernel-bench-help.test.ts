import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

const repoRoot = resolve(__dirname, '../../..');

describe('pnpm bench kernels', () => {
  it('prints its usage for --help', () => {
    const result = spawnSync(process.execPath, [join(repoRoot, 'packages/bench/scripts/run.mjs'), 'kernels', '--help'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: pnpm bench kernels [CASE [VARIANT]]');
    expect(result.stdout).toContain('BENCH_BATCH=N');
    expect(result.stdout).not.toContain('total ');
  });
});
