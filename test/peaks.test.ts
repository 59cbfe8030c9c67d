import { describe, expect, it } from 'vitest';
import { CLIP_PEAK, LIMIT_WARNING_DB, controlPeaks, describePeaks, peakWarning, type PeakReport } from '../src/pipeline/peaks.js';

const sampleRate = 22050;
/** A second of a 110 Hz sine at `amplitude`. */
const sine = (amplitude: number): Float32Array => Float32Array.from({ length: sampleRate }, (_, i) => amplitude * Math.sin((2 * Math.PI * 110 * i) / sampleRate));
const peakOf = (x: Float32Array): number => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const controls = ['limit', 'scale', 'none'] as const;

describe('controlPeaks', () => {
  it('leaves a peak under the ceiling alone, and brings one between it and full scale under it unless told not to', () => {
    for (const peakControl of controls) {
      const { channels, peaks } = controlPeaks([sine(0.5)], { peakControl, sampleRate });
      expect(channels[0]).toEqual(sine(0.5));
      expect(peaks).toEqual({ control: peakControl, peak: peakOf(sine(0.5)), reductionDb: 0, affectedFraction: 0 });
    }
    for (const peakControl of ['limit', 'scale'] as const) {
      const { channels, peaks } = controlPeaks([sine(0.9995)], { peakControl, sampleRate });
      expect(peakOf(channels[0])).toBeLessThanOrEqual(Math.fround(CLIP_PEAK)); // the ceiling, as a float32 sample holds it
      expect(peaks.reductionDb).toBeGreaterThan(0);
    }
  });

  it('limits the peaks only, scales the whole clip by the one gain, or keeps every sample as it was', () => {
    // A sine at half scale with a tenth of a second at 2 in its middle.
    const burst = (): Float32Array => sine(0.5).map((v, i) => (Math.abs(i - sampleRate / 2) < sampleRate / 20 ? 4 * v : v));
    const limited = controlPeaks([burst()], { peakControl: 'limit', sampleRate });
    expect(peakOf(limited.channels[0])).toBeLessThanOrEqual(Math.fround(CLIP_PEAK));
    expect(limited.peaks.reductionDb).toBeCloseTo(6.0, 1); // 2 down to 0.999
    expect(limited.peaks.affectedFraction).toBeGreaterThan(0.1); // the burst, and the release after it
    expect(limited.peaks.affectedFraction).toBeLessThan(0.15);
    expect(limited.channels[0].subarray(0, sampleRate / 4)).toEqual(burst().subarray(0, sampleRate / 4)); // away from it, untouched

    const source = sine(2);
    const gainDb = 20 * Math.log10(CLIP_PEAK / peakOf(source)); // the sampled peak, just under 2
    const scaled = controlPeaks([sine(2)], { peakControl: 'scale', sampleRate });
    expect(scaled.peaks).toEqual({ control: 'scale', peak: peakOf(source), reductionDb: expect.closeTo(-gainDb, 9), affectedFraction: 1 });
    const ratio = 10 ** (gainDb / 20);
    for (const i of [3, 100, 7777]) expect(scaled.channels[0][i]).toBeCloseTo(source[i] * ratio, 6);

    const kept = controlPeaks([sine(2)], { peakControl: 'none', sampleRate });
    expect(kept.channels[0]).toEqual(sine(2));
    expect(kept.peaks).toEqual({ control: 'none', peak: peakOf(source), reductionDb: 0, affectedFraction: 0 });
  });

  it('refuses non-finite samples, which no control can make into audio', () => {
    const broken = sine(0.5);
    broken[10] = NaN;
    expect(() => controlPeaks([broken], { peakControl: 'none', sampleRate })).toThrow(/non-finite samples/);
  });
});

describe('describePeaks and peakWarning', () => {
  const report = (control: PeakReport['control'], peak: number, reductionDb: number, affectedFraction: number): PeakReport => ({ control, peak, reductionDb, affectedFraction });

  it('say nothing of a peak that would not have clipped', () => {
    for (const control of controls) {
      expect(describePeaks(report(control, 0.9995, 0.005, 0.001))).toBeUndefined();
      expect(peakWarning(report(control, 0.9995, 0.005, 0.001))).toBeUndefined();
    }
  });

  it('give what was done past full scale in figures that do not round to nothing', () => {
    expect(describePeaks(report('limit', 1.17, 1.3, 0.126))).toBe('peak 1.17 limited by up to 1.3 dB (12.6% of samples)');
    expect(describePeaks(report('limit', 1.004, 0.04, 0.0004))).toBe('peak 1.004 limited by up to 0.04 dB (0.04% of samples)');
    expect(describePeaks(report('limit', 1.004, 0.12, 0.00001))).toBe('peak 1.004 limited by up to 0.1 dB (under 0.01% of samples)');
    // The share counts samples turned down by more than 0.1 dB: a shallower cut has none to give.
    expect(describePeaks(report('limit', 1.008, 0.08, 0))).toBe('peak 1.008 limited by up to 0.08 dB');
    expect(describePeaks(report('scale', 1.85, 5.34, 1))).toBe('peak 1.85 scaled by -5.3 dB');
    expect(describePeaks(report('none', 1.17, 0, 0))).toBe('peak 1.17 kept (1.4 dB over full scale)');
  });

  it('warn only of a limiter reduction of LIMIT_WARNING_DB or more, which a summary line would undersell', () => {
    expect(peakWarning(report('limit', 1.17, 1.3, 0.126))).toBeUndefined();
    expect(peakWarning(report('limit', 1.5, LIMIT_WARNING_DB - 0.01, 0.2))).toBeUndefined();
    expect(peakWarning(report('limit', 2, 6.02, 0.7))).toBe(
      'output peak 2.00 exceeds full scale: peaks limited by up to 6.0 dB (70.0% of samples; --peak scale lowers the whole clip instead, --peak none keeps them in 32-bit float)',
    );
    // The other controls do what was asked: the summary says what that was.
    expect(peakWarning(report('scale', 2, 6.02, 1))).toBeUndefined();
    expect(peakWarning(report('none', 2, 0, 0))).toBeUndefined();
  });
});
