import { describe, expect, it } from 'vitest';

import { cpuFeatures } from '../src/report/environment';
import { renderMarkdown } from '../src/report/markdown';
import { testEnvironment } from './helpers/test-environment';

// Abridged /proc/cpuinfo texts: the first processor block is the one read.
const zen3 = 'processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\nmodel name\t: AMD EPYC\n' +
  'flags\t\t: fpu sse2 avx fma avx2 bmi2\n\nprocessor\t: 1\ncpu family\t: 99\n';
const avx512 = 'processor\t: 0\ncpu family\t: 6\nmodel\t\t: 143\nflags\t\t: sse2 avx avx2 avx512f avx512vl\n';
const arm = 'processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\n';

describe('cpuFeatures', () => {
  it('reads family, model and AVX2', () => {
    expect(cpuFeatures(zen3)).toBe('family 25, model 1, AVX2 without AVX-512');
  });

  it('reads AVX-512', () => {
    expect(cpuFeatures(avx512)).toBe('family 6, model 143, AVX-512');
  });

  it('returns null without an x86 family', () => {
    expect(cpuFeatures(arm)).toBeNull();
  });

  it('appears in the Markdown report', () => {
    const markdown = renderMarkdown(testEnvironment(), { warmup: 1, repeats: 3, rounds: 1, flopsPerImage: {} }, []);
    expect(markdown).toContain('- CPU: test CPU (family 25, model 1, AVX2 without AVX-512), 1 logical cores');
  });
});
