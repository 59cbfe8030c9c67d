// Time formatting and the per-stage ETA shown by the CLI's bar and the web page.
import { describe, expect, it } from 'vitest';
import { formatSeconds, stageEta } from '../src/pipeline/eta.js';

describe('formatSeconds', () => {
  it('writes seconds with one decimal below a minute, then minutes and two-digit seconds, never "60s"', () => {
    expect(formatSeconds(4.24)).toBe('4.2s');
    expect(formatSeconds(59.94)).toBe('59.9s');
    expect(formatSeconds(59.96)).toBe('1m00s');
    expect(formatSeconds(185)).toBe('3m05s');
    expect(formatSeconds(779.6)).toBe('13m00s');
    expect(formatSeconds(NaN)).toBe('--');
  });
});

describe('stageEta', () => {
  it('extrapolates the time per step so far to the steps left, and has no estimate before the first step', () => {
    expect(stageEta(1000, 5000, 4, 10)).toBeCloseTo(6, 10); // 1 s per step, 6 steps left
    expect(stageEta(0, 5000, 0, 10)).toBeNaN();
  });
});
