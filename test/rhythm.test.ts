import { describe, expect, it } from 'vitest';
import { bandOnsetStrength, bandRowsInOrder, logBands, normalisedAutocorrelation, onsetAutocorrelations, rhythmLoss } from '../src/dsp/rhythm.js';
import { Random } from '../src/dsp/random.js';
import { binOrder, reorderBins } from '../src/pipeline/bin-order.js';
import { RhythmObjective, WithRhythmTerm, rhythmTarget, rhythmTermScale, RHYTHM_TERM_BANDS, RHYTHM_TERM_LOW_HZ, RHYTHM_TERM_SCALE } from '../src/model/rhythm-objective.js';
import type { SpectrogramObjective } from '../src/model/objectives.js';
import { MIN_CONTENT_RHYTHM_DISTANCE, measureRhythm, minRhythmFrames, rhythmBands, rhythmDistance, rhythmMaxLag, rhythmProfile } from '../src/quality/rhythm.js';
import { cropFrames } from '../src/dsp/spectrogram.js';
import type { LogSpectrogram } from '../src/model/style-net.js';
import { readFileSync } from 'node:fs';
import { decodeAudio, toMono } from '../src/node/index.js';
import { resample } from '../src/audio/resample.js';
import { StftPlan } from '../src/dsp/stft.js';
import { toLogSpectrogram } from '../src/pipeline/transfer.js';
import { stftDefaults } from '../src/pipeline/settings.js';

const layout = { sampleRate: 22050, nFft: 2048, hop: 512 };

/** Gaussian noise, bins x frames. */
function noise(bins: number, frames: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: bins * frames }, () => rng.normal());
}

/**
 * A log spectrogram of hits every `period` frames (from frame `phase`) in bins [from, to), over a quiet floor with a
 * little noise, `frames` long, with the default layout's 1025 bins, all scaled by `level`.
 */
function pulses(frames: number, period: number, from: number, to: number, seed: number, phase = 0, level = 1): LogSpectrogram {
  const bins = 1025;
  const rng = new Random(seed);
  const data = new Float32Array(bins * frames);
  for (let b = 0; b < bins; b++) {
    for (let t = 0; t < frames; t++) {
      const hit = b >= from && b < to && (t - phase) % period === 0 && t >= phase;
      data[b * frames + t] = level * (0.1 + 0.02 * rng.uniform() + (hit ? 2 : 0));
    }
  }
  return { data, bins, frames };
}

describe('normalised autocorrelation', () => {
  it('is 1 at the period of a pulse train and -1/(P-1) between, its closed form (tolerance 0.02)', () => {
    const P = 8;
    const x = Float64Array.from({ length: 50 * P }, (_, t) => (t % P === 0 ? 1 : 0));
    const rho = normalisedAutocorrelation(x, 2 * P);
    expect(rho[P - 1]).toBeCloseTo(1, 12);
    expect(rho[2 * P - 1]).toBeCloseTo(1, 12);
    for (const lag of [1, 3, 5, 7, 9, 15]) expect(Math.abs(rho[lag - 1] + 1 / (P - 1))).toBeLessThan(0.02);
  });

  it('follows cos(2 pi lag / P) for a sinusoid, and ignores level and offset (tolerance 0.02)', () => {
    const P = 20;
    const x = Float64Array.from({ length: 2000 }, (_, t) => Math.cos((2 * Math.PI * t) / P));
    const rho = normalisedAutocorrelation(x, 30);
    for (let lag = 1; lag <= 30; lag++) expect(Math.abs(rho[lag - 1] - Math.cos((2 * Math.PI * lag) / P))).toBeLessThan(0.02);
    const louder = normalisedAutocorrelation(x.map((v) => 3 * v + 7), 30);
    for (let i = 0; i < 30; i++) expect(louder[i]).toBeCloseTo(rho[i], 10);
  });

  it('is all zeros for a constant, and at lags the signal does not reach', () => {
    expect([...normalisedAutocorrelation(new Float64Array(50).fill(2), 5)]).toEqual([0, 0, 0, 0, 0]);
    const short = normalisedAutocorrelation(Float64Array.of(1, 0, 1, 0), 6);
    expect(short[1]).toBeCloseTo(1, 12);
    expect([...short.subarray(3)]).toEqual([0, 0, 0]);
  });
});

describe('onset strength and bands', () => {
  it("is each band's mean rise from the frame before, falls counted as 0", () => {
    // Two bins, four frames: rises of 1 and 3 into frame 1, a fall into frame 2, rises of 2 and 0 into frame 3.
    const data = Float32Array.of(0, 1, 0, 2, 5, 8, 2, 2);
    expect([...bandOnsetStrength(data, 4, Int32Array.of(0, 1))]).toEqual([2, 0, 1]);
    expect([...bandOnsetStrength(data, 4, Int32Array.of(1))]).toEqual([3, 0, 0]);
  });

  it('tiles the bins from the lowest frequency to Nyquist in log-spaced, contiguous, non-empty bands', () => {
    for (const [count, lowHz] of [
      [24, 40],
      [8, 100],
      [200, 40], // more bands than low bins: each at least one bin
    ] as const) {
      const bands = logBands(22050, 2048, 1025, count, lowHz);
      expect(bands.length).toBeLessThanOrEqual(count);
      expect(bands[0][0]).toBe(Math.round(lowHz / (22050 / 2048)));
      expect(bands.at(-1)!.at(-1)).toBe(1024);
      for (const [k, band] of bands.entries()) {
        expect(band.length).toBeGreaterThan(0);
        if (k > 0) expect(band[0]).toBe(bands[k - 1].at(-1)! + 1);
        // Wider as they go up, but for the rounding of their edges to whole bins.
        if (k > 0) expect(band.length).toBeGreaterThanOrEqual(bands[k - 1].length - 1);
      }
    }
    const measured = rhythmBands(layout, 1025);
    expect(measured.map((b) => [b[0], b.at(-1)])).toEqual([
      [3, 13],
      [14, 55],
      [56, 222],
      [223, 1023],
    ]);
  });
});

describe('rhythm loss', () => {
  const bins = 40;
  const frames = 70;
  const maxLag = 15;
  const bands = logBands(22050, 78, bins, 5, 300); // a coarse layout, so that 40 bins span the whole range
  const target = onsetAutocorrelations(noise(bins, frames, 2), frames, bands, maxLag);

  it('has the gradient central differences give (relative error < 1e-3 at 60 entries)', () => {
    const x = noise(bins, frames, 1);
    const grad = new Float32Array(x.length);
    const loss = rhythmLoss(x, frames, bands, maxLag, target, 2.5, grad);
    expect(loss).toBeGreaterThan(0);
    const rng = new Random(5);
    const probe = Float32Array.from(x);
    const scratch = new Float32Array(x.length);
    let checked = 0;
    for (let trial = 0; trial < 60; trial++) {
      const i = Math.floor(rng.uniform() * x.length);
      const eps = 1e-3;
      probe[i] = x[i] + eps;
      const up = rhythmLoss(probe, frames, bands, maxLag, target, 2.5, scratch);
      probe[i] = x[i] - eps;
      const down = rhythmLoss(probe, frames, bands, maxLag, target, 2.5, scratch);
      probe[i] = x[i];
      const fd = (up - down) / (2 * eps);
      if (fd === 0 && grad[i] === 0) continue; // a bin outside every band, or no rise on either side
      expect(Math.abs(fd - grad[i])).toBeLessThanOrEqual(1e-3 * Math.abs(fd) + 1e-9);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('is 0 with no gradient at its target, and scales with its weight', () => {
    const x = noise(bins, frames, 3);
    const own = onsetAutocorrelations(x, frames, bands, maxLag);
    const grad = new Float32Array(x.length);
    expect(rhythmLoss(x, frames, bands, maxLag, own, 1, grad)).toBe(0);
    expect(grad.every((g) => g === 0)).toBe(true);
    const one = rhythmLoss(x, frames, bands, maxLag, target, 1, grad);
    expect(rhythmLoss(x, frames, bands, maxLag, target, 4, new Float32Array(x.length))).toBeCloseTo(4 * one, 10);
  });

  it('gives the same value, and the same gradient moved with the rows, on a spectrogram whose bins a later round reordered', async () => {
    const spec = pulses(120, 9, 100, 400, 4);
    const style = pulses(120, 12, 50, 300, 5);
    const target = rhythmTarget(style, spec.frames, layout);
    // The style's hits span bins 50-299: the bands that hold none of them vary only with its faint floor, and are left out.
    const hit = logBands(layout.sampleRate, layout.nFft, style.bins, RHYTHM_TERM_BANDS, RHYTHM_TERM_LOW_HZ).filter((band) => band[0] < 300 && band[band.length - 1] >= 50);
    expect(target.bands).toEqual(hit);
    expect(target.bands.length).toBeLessThan(RHYTHM_TERM_BANDS);
    const scale = rhythmTermScale(64, spec.bins, 1);
    const natural = new RhythmObjective(spec.frames, target, 0.5, scale, null);
    const grad = new Float32Array(spec.data.length);
    const value = await natural.evaluate(spec.data, grad);
    expect(value.loss).toBeCloseTo(0.5 * scale * rhythmLoss(spec.data, spec.frames, target.bands, target.maxLag, target.profile, 1, new Float32Array(spec.data.length)), 8);
    expect(value.rhythmLoss).toBe(value.loss);
    expect(value.styleLoss + value.contentLoss).toBe(0);

    const order = binOrder(spec.bins, 0, 2)!;
    const reordered = Float32Array.from(spec.data);
    reorderBins(reordered, spec.bins, spec.frames, order);
    const moved = new Float32Array(spec.data.length);
    const inOrder = await new RhythmObjective(spec.frames, target, 0.5, scale, order).evaluate(reordered, moved);
    expect(inOrder.loss).toBeCloseTo(value.loss, 8);
    reorderBins(moved, spec.bins, spec.frames, order, true);
    for (let i = 0; i < grad.length; i++) expect(moved[i]).toBeCloseTo(grad[i], 10);
    expect(bandRowsInOrder([Int32Array.of(5, 6)], null)).toEqual([Int32Array.of(5, 6)]);
    expect(bandRowsInOrder([Int32Array.of(0, 2)], Int32Array.of(2, 0, 1))).toEqual([Int32Array.of(1, 0)]);
  });

  it('adds to another objective its value and its gradient, in place, and passes on its progress and disposal', async () => {
    const spec = pulses(100, 9, 100, 400, 4);
    const target = rhythmTarget(pulses(120, 12, 50, 300, 5), spec.frames, layout);
    const rhythm = new RhythmObjective(spec.frames, target, 1, 32, null);
    let disposed = false;
    const heard: number[] = [];
    // sum(x^2) / 2, with gradient x, reporting progress half way.
    const quadratic: SpectrogramObjective = {
      frames: spec.frames,
      async evaluate(x, grad, onProgress) {
        let loss = 0;
        for (let i = 0; i < x.length; i++) {
          loss += (x[i] * x[i]) / 2;
          grad[i] = x[i];
        }
        onProgress?.(0.5);
        return { loss, styleLoss: loss, contentLoss: 0, rhythmLoss: 0 };
      },
      async dispose() {
        disposed = true;
      },
    };
    const both = new WithRhythmTerm(quadratic, rhythm);
    const grad = new Float32Array(spec.data.length);
    const value = await both.evaluate(spec.data, grad, (f) => heard.push(f));
    const alone = new Float32Array(spec.data.length);
    const r = await rhythm.evaluate(spec.data, alone);
    expect(r.loss).toBeGreaterThan(0);
    expect(value.rhythmLoss).toBe(r.loss);
    expect(value.loss).toBeCloseTo(value.styleLoss + r.loss, 6);
    for (let i = 0; i < grad.length; i++) expect(grad[i]).toBeCloseTo(spec.data[i] + alone[i], 5);
    expect(heard).toEqual([0.5]);
    await both.dispose();
    expect(disposed).toBe(true);
    expect(() => new WithRhythmTerm(quadratic, new RhythmObjective(spec.frames + 1, target, 1, 32, null))).toThrow(/frames/);
  });

  it('leaves out the bands a band-limited style leaves empty, whose 1 / spread gradient would outweigh every other band', () => {
    // Hits in bins 1-699 at 0.1 + 2, and above them only a resampler's floor of ~1e-6 (a 22.05 kHz source at 44.1 kHz).
    const empty = (spec: LogSpectrogram, seed: number): LogSpectrogram => {
      const rng = new Random(seed);
      for (let b = 700; b < spec.bins; b++) for (let t = 0; t < spec.frames; t++) spec.data[b * spec.frames + t] = 1e-6 * rng.uniform();
      return spec;
    };
    const style = empty(pulses(200, 8, 1, 700, 6), 7);
    const result = empty(pulses(200, 11, 1, 700, 8), 9);
    const all = logBands(layout.sampleRate, layout.nFft, style.bins, RHYTHM_TERM_BANDS, RHYTHM_TERM_LOW_HZ);
    const target = rhythmTarget(style, result.frames, layout);
    const emptyBands = all.filter((band) => band[0] >= 700);
    expect(emptyBands.length).toBeGreaterThan(0);
    expect(target.bands).toEqual(all.filter((band) => band[0] < 700));
    const largest = (grad: Float32Array, rows: readonly Int32Array[]): number => {
      let most = 0;
      for (const band of rows) for (const row of band) for (let t = 0; t < result.frames; t++) most = Math.max(most, Math.abs(grad[row * result.frames + t]));
      return most;
    };
    const grad = new Float32Array(result.data.length);
    rhythmLoss(result.data, result.frames, target.bands, target.maxLag, target.profile, 1, grad);
    expect(largest(grad, emptyBands)).toBe(0);
    expect(largest(grad, target.bands)).toBeGreaterThan(0);
    // With the empty bands in, their gradient is orders of magnitude above the others'.
    const withAll = new Float32Array(result.data.length);
    rhythmLoss(result.data, result.frames, all, target.maxLag, onsetAutocorrelations(style.data, style.frames, all, target.maxLag), 1, withAll);
    expect(largest(withAll, emptyBands)).toBeGreaterThan(100 * largest(withAll, target.bands));
  });

  it.each(['drums', 'plucks'])(
    'leaves out, for the bundled %s (22.05 kHz) at --sr 44100, exactly the bands above the recording, as the pipeline resamples it',
    async (name) => {
      // The resampler's floor fills them at ~1e-6 of the liveliest band's onset spread (measured: 1.8e-6 and 2.2e-7 for
      // the drums, 8.8e-6 and 2.5e-6 for the plucks); the band across 11.025 kHz keeps 4% of it, and is kept.
      const clip = await decodeAudio(new Uint8Array(readFileSync(new URL(`../examples/${name}.wav`, import.meta.url))), name);
      const layout44 = { sampleRate: 44100, ...stftDefaults(44100) };
      const spec = toLogSpectrogram(new StftPlan(layout44.nFft, layout44.hop), await resample(toMono(clip), clip.sampleRate, 44100));
      const all = logBands(44100, layout44.nFft, spec.bins, RHYTHM_TERM_BANDS, RHYTHM_TERM_LOW_HZ);
      const sourceNyquistBin = ((clip.sampleRate / 2) * layout44.nFft) / 44100; // 1024
      const kept = rhythmTarget(spec, spec.frames, layout44).bands;
      expect(kept).toEqual(all.filter((band) => band[0] < sourceNyquistBin));
      expect(all.length - kept.length).toBe(2);
    },
  );

  it("keeps its balance with the Gram term's size, which goes as (filters x bins / (bins + filters))^2 per net", () => {
    expect(rhythmTermScale(4096, 1025, 1)).toBe(RHYTHM_TERM_SCALE); // the defaults: exactly the constant
    expect(rhythmTermScale(4096, 1025, 3)).toBeCloseTo(3 * RHYTHM_TERM_SCALE, 6); // three nets' Gram losses add
    // The ratios measured of the Gram loss on speech + drums: 0.068, 0.40 and 1.22 of 4096's (rhythm-objective.ts).
    const relative = (filters: number): number => rhythmTermScale(filters, 1025, 1) / RHYTHM_TERM_SCALE;
    expect(relative(256)).toBeCloseTo(0.0624, 4);
    expect(relative(1024)).toBeCloseTo(0.3904, 4);
    expect(relative(8192)).toBeCloseTo(1.2348, 4);
    // 2049 bins (--sr 44100 and 48000, FFT 4096): a Gram entry sums twice the bins.
    expect(rhythmTermScale(4096, 2049, 1) / RHYTHM_TERM_SCALE).toBeCloseTo(((4096 * 2049) / 6145 / ((4096 * 1025) / 5121)) ** 2, 10);
    expect(rhythmTermScale(4096, 2049, 1) / RHYTHM_TERM_SCALE).toBeCloseTo(2.775, 3);
  });

  it('takes no lag the style or the output cannot hold twice', () => {
    const style = pulses(60, 9, 100, 400, 4);
    expect(rhythmTarget(style, 500, layout).maxLag).toBe(29);
    expect(rhythmTarget(pulses(500, 9, 100, 400, 4), 41, layout).maxLag).toBe(20);
    expect(rhythmTarget(pulses(500, 9, 100, 400, 4), 500, layout).maxLag).toBe(86); // 2 s at 512 / 22050
  });
});

describe('rhythm measure', () => {
  it('puts a clip with the style\'s pulse nearer than one with another pulse or the pulse in another band, whatever its phase and level', () => {
    const style = pulses(400, 16, 5, 40, 1); // a kick every 16 frames
    const samePulse = pulses(300, 16, 5, 40, 2, 5, 2.5); // the same spacing, another phase and level
    const otherPulse = pulses(300, 11, 5, 40, 3);
    const p = rhythmProfile(style, layout);
    expect(p.length).toBe(rhythmBands(layout, 1025).length * rhythmMaxLag(layout));
    const q = measureRhythm({ content: otherPulse, style, result: samePulse }, layout);
    expect(q.rhythmDistance).toBeLessThan(0.5 * q.contentRhythmDistance);
    expect(q.rhythmGain).toBeCloseTo(1 - q.rhythmDistance / q.contentRhythmDistance, 12);
    expect(q.styleHalvesRhythmDistance).toBeLessThan(0.05); // a steady pulse is the same in both halves
    // The halves' figure is that of each half cut out and measured on its own.
    const irregular = pulses(301, 13, 5, 600, 7);
    const half = 150;
    const whole = rhythmProfile(irregular, layout);
    const cut = [cropFrames(irregular, 0, half), cropFrames(irregular, half, 301 - half)].map((h) => rhythmDistance(rhythmProfile(h, layout), whole));
    expect(measureRhythm({ style: irregular, result: style }, layout).styleHalvesRhythmDistance).toBeCloseTo((cut[0] + cut[1]) / 2, 12);
    // Each band's pulse is its own: hats on the kick's spacing are not the kick's rhythm.
    const hats = measureRhythm({ style, result: pulses(300, 16, 300, 600, 2) }, layout);
    expect(hats.rhythmDistance).toBeGreaterThan(2 * q.rhythmDistance);
  });

  it('is 0 for the style itself, has no gain where the content already has its pulse, and is NaN for clips under 2 s', () => {
    const style = pulses(400, 16, 5, 40, 1);
    const self = measureRhythm({ content: style, style, result: style }, layout);
    expect(self.rhythmDistance).toBe(0);
    expect(self.contentRhythmDistance).toBeLessThan(MIN_CONTENT_RHYTHM_DISTANCE);
    expect(self.rhythmGain).toBeNaN();
    const min = minRhythmFrames(layout);
    expect(min).toBe(86);
    const short = measureRhythm({ style, result: pulses(min - 1, 16, 5, 40, 2) }, layout);
    expect(short.rhythmDistance).toBeNaN();
    expect(short.contentRhythmDistance).toBeNaN();
    expect(measureRhythm({ style: pulses(2 * min - 1, 16, 5, 40, 1), result: style }, layout).styleHalvesRhythmDistance).toBeNaN();
  });
});
