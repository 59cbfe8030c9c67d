// Which frames of a long style a later round's new net reads, and the excerpts themselves.
import { describe, expect, it } from 'vitest';
import { styleExcerpts } from '../src/pipeline/style-excerpt.js';
import { cropFrames } from '../src/dsp/spectrogram.js';

describe('styleExcerpts', () => {
  it('reads the whole style in round 0, and in every round when the style is within the cap', () => {
    expect(styleExcerpts(10_000, 2584, 431, 0, 3)).toBeNull();
    expect(styleExcerpts(2584, 2584, 431, 1, 3)).toBeNull();
    expect(styleExcerpts(2586, 2584, 431, 1, 3)).toBeNull(); // 6 excerpts of 431 would read every frame anyway
    expect(styleExcerpts(2587, 2584, 431, 1, 3)).toHaveLength(6);
  });

  it('spreads excerpts of equal length evenly over a long style, at another offset each round', () => {
    const styleFrames = 23_250; // 9 minutes at hop 512, 22.05 kHz
    const [one, two] = [1, 2].map((round) => styleExcerpts(styleFrames, 2584, 431, round, 3)!);
    for (const spans of [one, two]) {
      expect(spans).toHaveLength(6); // ceil(2584 / 431)
      for (const span of spans) {
        expect(span.frames).toBe(431);
        expect(span.start).toBeGreaterThanOrEqual(0);
        expect(span.start + span.frames).toBeLessThanOrEqual(styleFrames);
      }
      // Evenly spaced, so each sixth of the style has one excerpt.
      spans.forEach((span, i) => expect(Math.floor(((span.start + span.frames / 2) * 6) / styleFrames)).toBe(i));
    }
    expect(one.map((s) => s.start)).not.toEqual(two.map((s) => s.start));
    // No two excerpts of one round overlap.
    for (let i = 1; i < one.length; i++) expect(one[i].start).toBeGreaterThanOrEqual(one[i - 1].start + one[i - 1].frames);
  });

  it('cuts a cap shorter than one excerpt as one excerpt of the cap', () => {
    expect(styleExcerpts(5000, 100, 431, 1, 3)).toEqual([{ start: Math.floor((1 / 3) * (5000 - 100)), frames: 100 }]);
  });
});

describe('cropFrames', () => {
  it('copies frames [start, start + frames) of every bin', () => {
    const bins = 3;
    const frames = 10;
    const data = Float32Array.from({ length: bins * frames }, (_, i) => i); // bin c, frame t holds c * 10 + t
    const part = cropFrames({ data, bins, frames }, 4, 3);
    expect(part.frames).toBe(3);
    expect([...part.data]).toEqual([4, 5, 6, 14, 15, 16, 24, 25, 26]);
    part.data[0] = -1;
    expect(data[4]).toBe(4); // a copy: the style is not touched
    expect(() => cropFrames({ data, bins, frames }, 8, 3)).toThrow(RangeError);
  });
});
