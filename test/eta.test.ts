// Time formatting and the per-stage ETA shown by the CLI's bar and the web page.
import { describe, expect, it } from 'vitest';
import { SideWorkTally, clockSince, formatSeconds, optimiseRemainingMs, progressEta, stageEta } from '../src/pipeline/eta.js';

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

describe('optimiseRemainingMs', () => {
  it('prices the evaluations left at the time per evaluation so far, and adds the side work left at its cost each', () => {
    // 4 evaluations in 2 s: 0.5 s each, 6 left = 3 s; two style passes of 0.7 s and one Griffin-Lim of 0.4 s to come.
    const side = [{ left: 2, msEach: 700 }, { left: 1, msEach: 400 }, { left: 0, msEach: 9999 }];
    expect(optimiseRemainingMs(2000, 4, 6, side)).toBeCloseTo(3000 + 1400 + 400, 9);
    expect(optimiseRemainingMs(2000, 4, 0, [])).toBe(0);
    expect(optimiseRemainingMs(2000, 4, -3, [{ left: -1, msEach: 5 }])).toBe(0);
    expect(optimiseRemainingMs(0, 0, 10, side)).toBeNaN();
  });
});

describe('progressEta', () => {
  it("uses the pipeline's estimate where it gives one, and extrapolates the stage's steps otherwise", () => {
    expect(progressEta(1000, { elapsedMs: 5000, step: 4, total: 10, remainingMs: 2500 })).toBe(2.5);
    expect(progressEta(1000, { elapsedMs: 5000, step: 4, total: 10 })).toBeCloseTo(6, 10);
    expect(progressEta(1000, { elapsedMs: 5000, step: 4, total: 10, remainingMs: NaN })).toBeCloseTo(6, 10);
  });
});

describe('clockSince', () => {
  it('moves elapsed on and the ETA down by the time since the event, stopping the ETA at zero', () => {
    expect(clockSince(2000, 30, 10_000)).toEqual({ elapsedMs: 12_000, etaSeconds: 20 });
    expect(clockSince(2000, 30, 40_000)).toEqual({ elapsedMs: 42_000, etaSeconds: 0 });
    expect(clockSince(2000, NaN, 1000).etaSeconds).toBeNaN(); // no estimate yet stays none
  });
});

describe('SideWorkTally', () => {
  it('prices what is left at the prior estimate until some is done, then at the mean cost per unit done', () => {
    const passes = new SideWorkTally(3000, 2); // 3000 style frames to read, 2 ms a frame until timed
    expect(passes.work).toEqual({ left: 3000, msEach: 2 });
    passes.record(1000, 2000); // the first pass read 2000 frames in 1 s
    expect(passes.work).toEqual({ left: 1000, msEach: 0.5 });
    passes.record(700, 1000);
    expect(passes.work).toEqual({ left: 0, msEach: 1700 / 3000 });
    passes.record(100); // more than was planned never goes below zero
    expect(passes.work.left).toBe(0);
  });
});
