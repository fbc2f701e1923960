import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { serveTestPage, startHarness, type Harness } from './support/harness';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.shutdown();
});

describe('headless Chromium WebGPU', () => {
  it('runs the unary kernel on the page device', async () => {
    const url = await serveTestPage(harness.server, 'kernel-check');
    await harness.page.goto(url);
    await harness.page.waitForFunction(() => document.title === 'kernel-check ready');

    const length = 1037; // not a multiple of 4 or of the workgroup size
    const input = Array.from({ length }, (_, i) => (i - length / 2) / 50);
    const result = await harness.page.evaluate(
      ([values]) =>
        (globalThis as unknown as { runUnaryKernel: Function }).runUnaryKernel(values, { kind: 'hardSwish' }),
      [input] as const,
    );

    // Oracle: the ONNX HardSwish definition in float64 JavaScript.
    const reference = input.map((x) => x * Math.min(Math.max(x / 6 + 0.5, 0), 1));
    let maxError = 0;
    for (let i = 0; i < length; i++) maxError = Math.max(maxError, Math.abs(result.output[i]! - reference[i]!));

    expect(result.summary.backend, harness.log.join('\n')).toBe('browser');
    expect(result.output).toHaveLength(length);
    // Element-wise f32 math on values up to 10 in magnitude: a few ulp.
    expect(maxError, `max abs error ${maxError}`).toBeLessThan(1e-5);
  });
});
