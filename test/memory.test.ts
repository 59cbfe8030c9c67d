import { describe, expect, it } from 'vitest';
import { estimateMemoryBytes, lbfgsHistoryFor } from '../src/pipeline/memory.js';
import { DEFAULT_SETTINGS } from '../src/pipeline/settings.js';
import { frameCount } from '../src/dsp/stft.js';

describe('memory estimate and L-BFGS history', () => {
  it('auto history: 10 pairs up to 6.4M values, then fewer, never under 2; a requested size is kept', () => {
    expect(lbfgsHistoryFor(1025 * 431)).toBe(10);
    expect(lbfgsHistoryFor(1.28e7)).toBe(5);
    expect(lbfgsHistoryFor(1025 * 25840)).toBe(2);
    expect(lbfgsHistoryFor(1025 * 431, 100)).toBe(100);
  });

  it('counts two spectrogram copies per pair a round can store (at most its iterations)', () => {
    const C = DEFAULT_SETTINGS.nFft / 2 + 1;
    const T = 431;
    const at = (history: number, iterations: number, rounds: number) =>
      estimateMemoryBytes({ ...DEFAULT_SETTINGS, history, iterations, rounds }, T, 200);
    // One round of 20 iterations: 100 pairs requested, 20 stored; auto keeps 10.
    expect(at(100, 20, 1) - at(0, 20, 1)).toBe(2 * (20 - 10) * C * T * 4);
    // Rounds of 4 iterations store 4 pairs whatever the history allows.
    expect(at(100, 12, 3)).toBe(at(0, 12, 3));
  });

  it('covers a 10-minute stereo run\'s measured peak: each further channel keeps four spectrograms, the mix one more', () => {
    const C = DEFAULT_SETTINGS.nFft / 2 + 1;
    const T = frameCount(600 * DEFAULT_SETTINGS.sampleRate, DEFAULT_SETTINGS.hop);
    const mono = estimateMemoryBytes(DEFAULT_SETTINGS, T, T, 1);
    const stereo = estimateMemoryBytes(DEFAULT_SETTINGS, T, T, 2);
    expect(stereo - mono).toBe(5 * C * T * 4);
    // Peak RSS measured (README, Stereo): 3,365,348 KiB stereo, 2,759,400 KiB mono. The estimate must not fall below
    // them (a run it admits would not fit), nor be more than 10% over.
    for (const [estimate, kib] of [[stereo, 3_365_348], [mono, 2_759_400]]) {
      expect(estimate).toBeGreaterThan(kib * 1024);
      expect(estimate).toBeLessThan(1.1 * kib * 1024);
    }
  });
});
