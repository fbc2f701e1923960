import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { adapterIdentityKey } from '@offshelf/core-wgsl';
import { requestDevice } from '@offshelf/device';
import { describe, expect, it } from 'vitest';

import { runDoctor } from '../src/commands/doctor';
import { tuningAdapterOf } from '../src/tuning/tuning-options';

async function doctorJson(): Promise<{ code: number; report: Record<string, any> }> {
  let text = '';
  const code = await runDoctor({ json: true }, (chunk) => (text += chunk));
  return { code, report: JSON.parse(text) };
}

describe('doctor', () => {
  it('reports the adapter as one JSON object', async () => {
    const { code, report } = await doctorJson();
    expect(code).toBe(0);
    expect(['vulkan', 'opengles']).toContain(report.backend);
    expect(report.adapter).toHaveProperty('vendor');
    expect(report.adapter).toHaveProperty('architecture');
    expect(report.adapter).toHaveProperty('description');
    expect(Object.keys(report.features)).toEqual(expect.arrayContaining(['shader-f16', 'subgroups', 'timestamp-query']));
    expect(report.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(report.smokeTestPassed).toBe(true);
    expect(report.kernels).toHaveProperty('cpuAdapter');
    expect(report.kernels).toHaveProperty('subgroupVariants');
  });

  it('reports the kernel choice of a CPU adapter', async () => {
    const { report } = await doctorJson();
    const runsOnCpu = /llvmpipe|lavapipe|swiftshader/i.test(report.adapter.description);
    expect(report.kernels.cpuAdapter).toBe(runsOnCpu);
    if (report.features.subgroups && report.kernels.subgroupSizes.min >= 8) expect(report.kernels.subgroupVariants).toBe(true);
  });

  it('flags a CPU adapter as software', async () => {
    // Dawn leaves isFallbackAdapter false for Mesa's llvmpipe, which runs on the CPU.
    const { report } = await doctorJson();
    const runsOnCpu = /llvmpipe|lavapipe|swiftshader/i.test(report.adapter.description);
    expect(report.isFallbackAdapter).toBe(runsOnCpu);
  });

  it('reports paced event polling on a CPU adapter', async () => {
    const { report } = await doctorJson();
    expect(report.eventPolling).toBe(report.isFallbackAdapter ? 'paced' : 'busy');
  });

  it('prints a readable summary', async () => {
    let text = '';
    const code = await runDoctor({}, (chunk) => (text += chunk));
    expect(code).toBe(0);
    expect(text).toMatch(/^backend +(vulkan|opengles)/m);
    expect(text).toMatch(/^software adapter +yes/m);
    expect(text).toMatch(/maxStorageBufferBindingSize/);
    expect(text).toMatch(/^kernels +(subgroup variants|no subgroup variants)/m);
    expect(text).toMatch(/^event polling +paced/m);
    expect(text).toMatch(/^tuning cache +/m);
  });

  it('counts the tuned shapes of this adapter', async () => {
    const cacheFolder = mkdtempSync(join(tmpdir(), 'offshelf-doctor-'));
    const env = { ...process.env, OFFSHELF_CACHE: cacheFolder };
    let empty = '';
    await runDoctor({}, (chunk) => (empty += chunk), env);
    expect(empty).toMatch(/^tuning cache +no kernel shapes tuned for this adapter in \S+tuning\.json \(offshelf tune --backbone MODEL adds them\)$/m);

    // Oracle: the cache file as `offshelf tune` writes it, keyed by this adapter's identity.
    const gpu = await requestDevice();
    const key = adapterIdentityKey(tuningAdapterOf(gpu));
    gpu.destroy();
    const entry = { variant: 'direct', defaultVariant: 'direct', timesMs: { direct: 1 } };
    writeFileSync(join(cacheFolder, 'tuning.json'), JSON.stringify({ version: 1, adapters: { [key]: { a: entry, b: entry }, other: { c: entry } } }));
    let text = '';
    await runDoctor({ json: true }, (chunk) => (text += chunk), env);
    expect(JSON.parse(text).tuningCache).toEqual({ path: join(cacheFolder, 'tuning.json'), tunedShapes: 2 });
  });
});
