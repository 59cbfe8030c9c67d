import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { StftPlan, frameCount } from '../src/dsp/stft.js';
import { createRealFft, loadFastFft } from '../src/dsp/fft.js';
import { hannWindow } from '../src/dsp/window.js';
import { Random } from '../src/dsp/random.js';
import { fastGriffinLim } from '../src/dsp/griffin-lim.js';
import { bandMoments, levelGainForMeanLog, magnitude, logMagnitude, magnitudeFromLog, meanLogMagnitude, spectralConvergenceDb } from '../src/dsp/spectrogram.js';
import { ENVELOPE_PIECE_FRAMES, textureStart } from '../src/dsp/texture-start.js';
import { decodeAudio, toMono } from '../src/audio/decode.js';
import { logMagnitudeGradient } from '../src/dsp/log-magnitude-gradient.js';
import { relativeError } from './reference.js';

// The pipeline loads PFFFT before its first STFT; the STFT and Griffin-Lim tests below run on it too (the FFT tests
// name their engine).
beforeAll(async () => {
  await loadFastFft();
});

describe.each(['js', 'auto'] as const)('FFT (%s engine: fft.js, or PFFFT once loaded)', (engine) => {
  beforeAll(async () => {
    expect(await loadFastFft()).toBe(true);
  });
  it('is the engine asked for', () => {
    expect(createRealFft(64, engine).constructor.name).toBe(engine === 'js' ? 'JsRealFft' : 'WasmRealFft');
  });

  it('matches a direct DFT of a random signal (closed form), to 1e-6', () => {
    const n = 64;
    const rng = new Random(1);
    const x = Float64Array.from({ length: n }, () => rng.normal());
    const re = new Float32Array(n / 2 + 1);
    const im = new Float32Array(n / 2 + 1);
    createRealFft(n, engine).forward(x, re, im);
    for (let k = 0; k <= n / 2; k++) {
      let sr = 0;
      let si = 0;
      for (let t = 0; t < n; t++) {
        sr += x[t] * Math.cos((2 * Math.PI * k * t) / n);
        si -= x[t] * Math.sin((2 * Math.PI * k * t) / n);
      }
      expect(re[k]).toBeCloseTo(sr, 4);
      expect(im[k]).toBeCloseTo(si, 4);
    }
  });

  it('inverse undoes forward, and reads its spectrum with offset and stride', () => {
    const n = 256;
    const rng = new Random(2);
    const x = Float64Array.from({ length: n }, () => rng.normal());
    const fft = createRealFft(n, engine);
    const re = new Float32Array(n / 2 + 1);
    const im = new Float32Array(n / 2 + 1);
    fft.forward(x, re, im);
    const y = new Float64Array(n);
    fft.inverse(re, im, y);
    expect(relativeError(y, x)).toBeLessThan(1e-6);
    // Bins interleaved with another spectrum's (stride 2, offset 1), as the STFT stores frames.
    const re2 = new Float32Array(2 * (n / 2 + 1));
    const im2 = new Float32Array(2 * (n / 2 + 1));
    fft.forward(x, re2, im2, 1, 2);
    for (let k = 0; k <= n / 2; k++) expect([re2[1 + 2 * k], im2[1 + 2 * k]]).toEqual([re[k], im[k]]);
    const z = new Float32Array(n);
    fft.inverse(re2, im2, z, 1, 2);
    expect(relativeError(z, x)).toBeLessThan(1e-6);
  });

  it('rejects sizes that are not powers of two, naming the value', () => {
    expect(() => createRealFft(1000, engine)).toThrow(/power of two.*1000/);
  });
});

describe('STFT', () => {
  it('periodic Hann window sums (squared) to a constant 1.5 at hop n/4', () => {
    const w = hannWindow(64);
    for (let i = 0; i < 16; i++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += w[i + 16 * k] ** 2;
      expect(s).toBeCloseTo(1.5, 6);
    }
  });

  it('frame count matches librosa/torch center=True', () => {
    expect(frameCount(22050 * 10, 512)).toBe(431);
    expect(frameCount(100, 512)).toBe(1);
  });

  it.each([
    [2048, 512, 22050 * 2 + 123],
    [1024, 256, 5000],
    [512, 128, 300], // shorter than one frame
  ])('STFT -> inverse STFT of random noise round-trips (n_fft %i, hop %i, %i samples), relative error < 1e-5', (nFft, hop, length) => {
    const rng = new Random(3);
    const x = new Float32Array(length);
    for (let i = 0; i < length; i++) x[i] = rng.normal();
    const plan = new StftPlan(nFft, hop);
    const y = plan.inverse(plan.forward(x), length);
    expect(y.length).toBe(length);
    expect(relativeError(y, x)).toBeLessThan(1e-5);
  });

  it('forwardFrames gives each frame of forward, in frame order, to the bit (edge frames padded alike)', () => {
    const rng = new Random(7);
    const x = Float32Array.from({ length: 3000 }, () => rng.normal());
    const plan = new StftPlan(512, 128);
    const spec = plan.forward(x);
    const seen: number[] = [];
    let mismatches = 0;
    plan.forwardFrames(x, (t, re, im) => {
      seen.push(t);
      for (let k = 0; k < plan.bins; k++) {
        if (re[k] !== spec.re[k * spec.frames + t] || im[k] !== spec.im[k * spec.frames + t]) mismatches++;
      }
    });
    expect(seen).toEqual(Array.from({ length: spec.frames }, (_, t) => t));
    expect(mismatches).toBe(0);
  });

  it('a sine of bin frequency peaks in that bin with amplitude n/4 (Hann gain 1/2)', () => {
    const nFft = 1024;
    const plan = new StftPlan(nFft, 256);
    const k = 37;
    const x = Float32Array.from({ length: 8192 }, (_, t) => Math.cos((2 * Math.PI * k * t) / nFft));
    const mag = magnitude(plan.forward(x));
    const frames = frameCount(x.length, 256);
    const mid = Math.floor(frames / 2);
    expect(mag[k * frames + mid]).toBeCloseTo(nFft / 4, 1);
    expect(mag[(k + 3) * frames + mid]).toBeLessThan(1e-3);
  });

  it('log1p magnitude inverts, and clamps negative log values to zero magnitude', () => {
    const m = Float32Array.of(0, 0.5, 3, 100);
    const back = magnitudeFromLog(Float32Array.from(m, (v) => Math.log1p(v)));
    expect(relativeError(back, m)).toBeLessThan(1e-6);
    expect(magnitudeFromLog(Float32Array.of(-0.5))[0]).toBe(0);
  });
});

describe('gradient through log1p |STFT|', () => {
  it('matches central differences of a random linear loss of the log spectrogram to 1e-3', () => {
    const plan = new StftPlan(64, 16);
    const length = 200;
    const rng = new Random(1);
    const x = new Float32Array(length).map(() => rng.normal());
    const w = new Float32Array(plan.bins * frameCount(length, 16)).map(() => rng.normal());
    const loss = (sig: Float32Array): number => logMagnitude(plan.forward(sig)).reduce((a, v, i) => a + w[i] * v, 0);
    const grad = logMagnitudeGradient(plan, plan.forward(x), w, length);
    // Edges (centre padding), the middle, both sides of a frame boundary.
    for (const n of [0, 1, 5, 31, 32, 100, 150, 198, 199]) {
      const h = 1e-2;
      const a = Float32Array.from(x);
      a[n] += h;
      const b = Float32Array.from(x);
      b[n] -= h;
      const fd = (loss(a) - loss(b)) / (2 * h);
      expect(Math.abs(grad[n] - fd)).toBeLessThan(1e-3 * Math.max(1, Math.abs(fd)));
    }
  });
});

describe('fast Griffin-Lim', () => {
  it('rebuilds real speech from a consistent magnitude to <= -25 dB spectral convergence in 100 iterations', async () => {
    const clip = await decodeAudio(readFileSync(new URL('../examples/speech.wav', import.meta.url)), 'speech.wav');
    const x = toMono(clip);
    const plan = new StftPlan(2048, 512);
    const target = magnitude(plan.forward(x));
    const y = fastGriffinLim(plan, target, { iterations: 100, length: x.length, seed: 0 });
    const sc = spectralConvergenceDb(plan.forward(y), target);
    expect(sc).toBeLessThanOrEqual(-25);
    // And momentum matters: classic Griffin-Lim (momentum 0) is clearly worse at the same count.
    const classic = fastGriffinLim(plan, target, { iterations: 100, length: x.length, seed: 0, momentum: 0 });
    expect(spectralConvergenceDb(plan.forward(classic), target)).toBeGreaterThan(sc + 3);
  });

  it('is exact from the true phase', () => {
    const rng = new Random(5);
    const x = Float32Array.from({ length: 8000 }, () => rng.normal());
    const plan = new StftPlan(512, 128);
    const spec = plan.forward(x);
    const y = fastGriffinLim(plan, magnitude(spec), { iterations: 0, length: x.length, initialPhase: spec });
    expect(relativeError(y, x)).toBeLessThan(1e-5);
  });

  it('stays at the true phase: a consistent spectrogram is a fixed point of the iterations', () => {
    const rng = new Random(6);
    const x = Float32Array.from({ length: 6000 }, () => rng.normal());
    const plan = new StftPlan(512, 128);
    const spec = plan.forward(x);
    const y = fastGriffinLim(plan, magnitude(spec), { iterations: 4, length: x.length, initialPhase: spec, momentum: 0 });
    expect(relativeError(y, x)).toBeLessThan(1e-4);
  });

  it('logMagnitude is log1p of the magnitude', () => {
    const spec = { re: Float32Array.of(3, 0), im: Float32Array.of(4, 0), bins: 1, frames: 2 };
    expect(Array.from(logMagnitude(spec))).toEqual([Math.fround(Math.log1p(5)), 0]);
  });
});

describe('bandMoments', () => {
  it('gives each row its mean and population variance over frames (closed form)', () => {
    // Rows 1..4 (mean 2.5, variance 1.25), a constant row, and 0, 10 (mean 5, variance 25) twice.
    const { mean, variance } = bandMoments({ data: Float32Array.from([1, 2, 3, 4, 7, 7, 7, 7, 0, 10, 0, 10]), bins: 3, frames: 4 });
    expect(Array.from(mean)).toEqual([2.5, 7, 5]);
    expect(Array.from(variance)).toEqual([1.25, 0, 25]);
  });
});

describe('the level that gives a spectrogram a mean log magnitude', () => {
  it('is b / a for magnitudes all a and a target of log1p(b) (closed form), quieter, louder or far quieter', () => {
    for (const [a, b] of [[3, 0.5], [3, 10], [1000, 0.001]]) {
      const gain = levelGainForMeanLog([new Float32Array(64).fill(a)], Math.log1p(b));
      expect(Math.abs(gain - b / a)).toBeLessThan(1e-9 * (b / a));
    }
  });

  it('reaches the target over several arrays of spread magnitudes, and leaves what it cannot scale at 1', () => {
    const random = new Random(4);
    const parts = [0, 1].map(() => Float32Array.from({ length: 5000 }, () => Math.expm1(3 * random.uniform()) * (random.uniform() < 0.2 ? 0 : 1)));
    const target = 0.9;
    const gain = levelGainForMeanLog(parts, target);
    let sum = 0;
    for (const p of parts) for (const v of p) sum += Math.log1p(gain * v);
    expect(Math.abs(sum / 10000 - target)).toBeLessThan(1e-9);
    expect(levelGainForMeanLog([new Float32Array(8)], 0.5)).toBe(1);
    expect(levelGainForMeanLog([Float32Array.of(1, 2)], 0)).toBe(1);
    expect(levelGainForMeanLog([], 0.5)).toBe(1);
  });

  it('reads log magnitudes as magnitudeFromLog does: below 0 counts as 0', () => {
    expect(meanLogMagnitude(Float32Array.of(1, -3, 2, 0.5))).toBe(0.875);
    expect(meanLogMagnitude(new Float32Array(0))).toBe(0);
  });
});

describe('textureStart', () => {
  // A style whose first 8 bins pulse every 8 frames and whose other 8 only carry noise, levels well above 0 (no clamping).
  const bins = 16;
  const frames = 4000;
  const rng = new Random(11);
  const style = { data: new Float32Array(bins * frames), bins, frames };
  for (let c = 0; c < bins; c++) for (let t = 0; t < frames; t++) style.data[c * frames + t] = 5 + 0.1 * c + (c < 8 && t % 8 === 0 ? 2 : 0) + 0.5 * rng.normal();
  const length = 16000;
  const start = { data: textureStart(style, length, new Random(3)), bins, frames: length };
  const row = (s: { data: Float32Array; frames: number }, c: number) => Array.from(s.data.subarray(c * s.frames, (c + 1) * s.frames));
  const correlation = (a: number[], b: number[]) => {
    const ma = a.reduce((x, y) => x + y) / a.length;
    const mb = b.reduce((x, y) => x + y) / b.length;
    let ab = 0, aa = 0, bb = 0;
    for (let i = 0; i < a.length; i++) [ab, aa, bb] = [ab + (a[i] - ma) * (b[i] - mb), aa + (a[i] - ma) ** 2, bb + (b[i] - mb) ** 2];
    return ab / Math.sqrt(aa * bb);
  };

  it("gives each bin the style's mean and spread (within sampling error)", () => {
    const want = bandMoments(style);
    const got = bandMoments(start);
    for (let c = 0; c < bins; c++) {
      expect(Math.abs(got.mean[c] - want.mean[c])).toBeLessThan(0.03);
      expect(Math.abs(Math.sqrt(got.variance[c] / want.variance[c]) - 1)).toBeLessThan(0.05);
    }
  });

  it("keeps the style's beat in the bins that carry it, and not in the others", () => {
    // Lag-8 autocorrelation of a bin: the pulses every 8 frames (0.64 in the style's pulsing bins, 0 in its noise
    // bins). Independent noise in each bin, the old start, has none anywhere. Here the pulses keep their period within
    // each 16-frame piece of the envelope, half of the lag-8 pairs (measured 0.23).
    expect(ENVELOPE_PIECE_FRAMES).toBe(16);
    const atLag = (values: number[], lag: number) => correlation(values.slice(0, -lag), values.slice(lag));
    for (const c of [0, 7]) {
      expect(atLag(row(style, c), 8)).toBeGreaterThan(0.6);
      expect(atLag(row(start, c), 8)).toBeGreaterThan(0.15);
    }
    for (const c of [8, 15]) expect(Math.abs(atLag(row(start, c), 8))).toBeLessThan(0.05);
    // The pulsing bins move together, nearly as in the style (measured 0.57 against 0.62); the noise bins do not.
    expect(correlation(row(start, 0), row(start, 7))).toBeGreaterThan(0.45);
    expect(Math.abs(correlation(row(start, 8), row(start, 15)))).toBeLessThan(0.05);
  });

  it("lays the style's envelope down in pieces from all over it, not the style looped whole", () => {
    // A style whose every bin carries the same irregular pulses: its envelope is a sequence found nowhere twice.
    const irregular = new Random(5);
    const pulses = Array.from({ length: 600 }, () => (irregular.uniform() < 0.2 ? 3 : 0));
    const beat = { data: new Float32Array(8 * 600), bins: 8, frames: 600 };
    for (let c = 0; c < 8; c++) for (let t = 0; t < 600; t++) beat.data[c * 600 + t] = 5 + pulses[t] + 0.2 * irregular.normal();
    const made = textureStart(beat, 2400, new Random(6));
    const envelopeOf = (data: Float32Array, frames: number) => Array.from({ length: frames }, (_, t) => [0, 1, 2, 3, 4, 5, 6, 7].reduce((a, c) => a + data[c * frames + t], 0));
    const styleEnvelope = envelopeOf(beat.data, 600);
    const madeEnvelope = envelopeOf(made, 2400);
    const looped = (from: number, n: number) => Array.from({ length: n }, (_, t) => styleEnvelope[(from + t) % 600]);
    const bestMatch = (piece: number[]) => Math.max(...Array.from({ length: 600 }, (_, from) => correlation(piece, looped(from, piece.length))));
    // Each piece is a stretch of the style's envelope (measured 0.998-1.000).
    for (let start = 0; start < 2400; start += 16 * 25) expect(bestMatch(madeEnvelope.slice(start, start + 16))).toBeGreaterThan(0.9);
    // ...but no one place in the style, looped, gives the whole (measured 0.05).
    expect(bestMatch(madeEnvelope)).toBeLessThan(0.3);
  });
});
