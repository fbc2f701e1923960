import { describe, expect, it } from 'vitest';

import { LatencyEstimate } from '../src/run/readback';

// Pure timing logic: times are synthetic milliseconds, no GPU involved.
describe('readback latency estimate', () => {
  it('does not pace the first two reads', () => {
    const estimate = new LatencyEstimate();
    expect(estimate.delayMs(0, 0)).toBe(0);
    estimate.record(0, 0, 900, false);
    expect(estimate.delayMs(1000, 1000)).toBe(0);
  });

  it('sleeps three quarters of the last latency', () => {
    const estimate = new LatencyEstimate();
    estimate.record(0, 0, 900, false);
    estimate.record(1000, 1000, 1100, false);
    expect(estimate.delayMs(2000, 2010)).toBe(65);
  });

  it('ignores latencies below the pacing threshold', () => {
    const estimate = new LatencyEstimate();
    estimate.record(0, 0, 50, false);
    estimate.record(100, 100, 102, false);
    expect(estimate.delayMs(200, 200)).toBe(0);
  });

  it('stops pacing after an oversleep', () => {
    const estimate = new LatencyEstimate();
    estimate.record(0, 0, 900, false);
    estimate.record(1000, 1000, 1100, false);
    // Slept 75 ms, and the map then resolved at once: the work took less than that.
    estimate.record(2000, 2075, 2075.2, true);
    expect(estimate.delayMs(3000, 3000)).toBe(0);
  });

  it('learns the full latency when the map still waited', () => {
    const estimate = new LatencyEstimate();
    estimate.record(0, 0, 900, false);
    estimate.record(1000, 1000, 1100, false);
    estimate.record(2000, 2075, 2120, true);
    expect(estimate.delayMs(3000, 3000)).toBe(90);
  });
});
