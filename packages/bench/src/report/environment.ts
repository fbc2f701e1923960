import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

import { requestDevice, type AdapterSummary } from '@offshelf/device';

/** The adapter, machine and package versions behind a figure; the report is not written without them. */
export interface BenchEnvironment {
  date: string;
  command: string;
  node: string;
  cpu: string;
  /** x86 family, model and widest vector extension (see cpuFeatures), or null where /proc/cpuinfo does not give them. */
  cpuFeatures: string | null;
  cpuCount: number;
  /** One-minute load average when the run started; above the core count, other work shared the CPU. */
  loadAverage: number;
  adapter: AdapterSummary;
  /** LP_NUM_THREADS of every case process: the compute threads of lavapipe, which all WebGPU engines here share. */
  lavapipeThreads: string;
  /** npm package name → installed version. */
  versions: Record<string, string>;
}

const REPORTED_PACKAGES = [
  'webgpu',
  'onnxruntime-web',
  'onnxruntime-node',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-webgpu',
  'playwright-core',
];

/** Returns the bench package folder: `OFFSHELF_BENCH_REPO` (set by scripts/run.mjs), else the working directory. */
export function benchPackageDir(): string {
  const repo = process.env.OFFSHELF_BENCH_REPO;
  return repo ? join(repo, 'packages', 'bench') : process.cwd();
}

function installedVersion(name: string): string {
  // `webgpu` is a dependency of @offshelf/device, the others of this package.
  const roots = [join(benchPackageDir(), 'node_modules'), join(benchPackageDir(), '..', 'device', 'node_modules')];
  for (const root of roots) {
    try {
      return (JSON.parse(readFileSync(join(root, name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // Not installed under this root; try the next.
    }
  }
  return 'not installed';
}

/**
 * Returns the x86 CPU family, model and widest vector extension from /proc/cpuinfo text, such as
 * 'family 25, model 1, AVX2 without AVX-512', or null where the text has no x86 family. Lavapipe
 * compiles shaders for the host CPU, so two CPUs with the same model name can run them at
 * different speeds.
 */
export function cpuFeatures(cpuinfo: string): string | null {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(cpuinfo)?.[1]?.trim();
  const family = field('cpu family');
  if (family === undefined) return null;

  const flags = new Set((field('flags') ?? '').split(/\s+/));
  let vectors = 'no AVX';
  if (flags.has('avx512f')) vectors = 'AVX-512';
  else if (flags.has('avx2')) vectors = 'AVX2 without AVX-512';
  else if (flags.has('avx')) vectors = 'AVX without AVX2';
  return `family ${family}, model ${field('model') ?? 'unknown'}, ${vectors}`;
}

function readCpuFeatures(): string | null {
  try {
    return cpuFeatures(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    // No /proc on macOS and Windows.
    return null;
  }
}

/** Describes the adapter (by opening and closing one device), the CPU and the package versions. */
export async function collectEnvironment(command: string): Promise<BenchEnvironment> {
  const handle = await requestDevice();
  const adapter = handle.summary;
  handle.destroy();

  const versions: Record<string, string> = {};
  for (const name of REPORTED_PACKAGES) versions[name] = installedVersion(name);

  return {
    date: new Date().toISOString(),
    command,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpuFeatures: readCpuFeatures(),
    cpuCount: cpus().length,
    loadAverage: loadavg()[0] ?? 0,
    adapter,
    // requestDevice sets offshelf's default when the environment has none, and the cases inherit it.
    lavapipeThreads: process.env.LP_NUM_THREADS ?? 'unset',
    versions,
  };
}
