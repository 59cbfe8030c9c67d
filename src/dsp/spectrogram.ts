import type { Spectrogram } from './stft.js';

/** The model's input: log1p of the STFT magnitude, bins x frames. */
export function logMagnitude(spec: Spectrogram): Float32Array {
  const { re, im } = spec;
  const out = new Float32Array(re.length);
  for (let i = 0; i < re.length; i++) out[i] = Math.log1p(Math.sqrt(re[i] * re[i] + im[i] * im[i]));
  return out;
}

/** Plain STFT magnitude, bins x frames. */
export function magnitude(spec: Spectrogram): Float32Array {
  const { re, im } = spec;
  const out = new Float32Array(re.length);
  for (let i = 0; i < re.length; i++) out[i] = Math.sqrt(re[i] * re[i] + im[i] * im[i]);
  return out;
}

/** Inverts logMagnitude: expm1, clamped at 0 because the optimiser may push log-magnitudes below zero. */
export function magnitudeFromLog(logMag: Float32Array): Float32Array {
  const out = new Float32Array(logMag.length);
  for (let i = 0; i < logMag.length; i++) out[i] = logMag[i] > 0 ? Math.expm1(logMag[i]) : 0;
  return out;
}

/**
 * Spectral convergence in dB, 20 log10(|| |X| - M || / ||M||): how closely the spectrogram X of an audio signal
 * matches a target magnitude M (bins x frames). Lower is better; about -25 dB and below is hard to hear.
 */
export function spectralConvergenceDb(spec: Spectrogram, target: Float32Array): number {
  const { re, im } = spec;
  if (target.length !== re.length) throw new RangeError('spectral convergence: target shape differs from the spectrogram');
  let num = 0;
  let den = 0;
  for (let i = 0; i < target.length; i++) {
    const d = Math.sqrt(re[i] * re[i] + im[i] * im[i]) - target[i];
    num += d * d;
    den += target[i] * target[i];
  }
  if (den === 0) return num === 0 ? -Infinity : Infinity;
  return 10 * Math.log10(num / den);
}

/**
 * Mean and variance over time of each frequency band (row) of a bins x frames spectrogram, summed in float64: a
 * clip's spectral balance and how much each band moves, the statistics an EQ match aligns and the quality report's
 * correlation bound is built from.
 */
export function bandMoments(spec: { data: Float32Array; bins: number; frames: number }): { mean: Float64Array; variance: Float64Array } {
  const { data, bins, frames } = spec;
  const mean = new Float64Array(bins);
  const variance = new Float64Array(bins);
  for (let c = 0; c < bins; c++) {
    const row = data.subarray(c * frames, (c + 1) * frames);
    let sum = 0;
    for (const v of row) sum += v;
    const m = sum / frames;
    let sq = 0;
    for (const v of row) sq += (v - m) * (v - m);
    mean[c] = m;
    variance[c] = sq / frames;
  }
  return { mean, variance };
}

/** The mean of log1p magnitudes as magnitudeFromLog reads them: values below 0 count as 0. */
export function meanLogMagnitude(logMag: Float32Array): number {
  let sum = 0;
  for (const v of logMag) sum += v > 0 ? v : 0;
  return logMag.length > 0 ? sum / logMag.length : 0;
}

/**
 * The gain g for which the mean of log1p(g m) over all the magnitudes is `targetMeanLog`: the level at which audio
 * whose STFT magnitudes are `magnitudes` has that mean log magnitude. The mean is increasing and concave in g, so
 * Newton's method from g = 1 approaches the root from below after its first step. 1 where there is nothing to scale
 * (all magnitudes 0) or no positive target.
 */
export function levelGainForMeanLog(magnitudes: readonly Float32Array[], targetMeanLog: number): number {
  const count = magnitudes.reduce((n, m) => n + m.length, 0);
  if (!(targetMeanLog > 0) || count === 0) return 1;
  let gain = 1;
  for (let iteration = 0; iteration < 50; iteration++) {
    let value = 0;
    let slope = 0;
    for (const m of magnitudes) {
      for (const v of m) {
        value += Math.log1p(gain * v);
        slope += v / (1 + gain * v);
      }
    }
    if (!(slope > 0)) return 1;
    const step = (value - targetMeanLog * count) / slope;
    // A first step past 0 (audio far louder than the target) is cut to a quarter of the gain; the iterates then rise.
    const next = Math.max(gain / 4, gain - step);
    if (Math.abs(next - gain) <= 1e-9 * gain) return next;
    gain = next;
  }
  return gain;
}

/** The largest value over time of each frequency band (row) of a bins x frames spectrogram: its loudest moment there. */
export function bandMaxima(spec: { data: Float32Array; bins: number; frames: number }): Float32Array {
  const { data, bins, frames } = spec;
  const out = new Float32Array(bins);
  for (let c = 0; c < bins; c++) {
    let most = -Infinity;
    for (let t = c * frames, end = t + frames; t < end; t++) if (data[t] > most) most = data[t];
    out[c] = most;
  }
  return out;
}

/**
 * A copy of frames [start, start + frames) of every band of a bins x frames spectrogram: a long style's excerpts for
 * a later round's net, and the style's halves for the quality report. Throws a RangeError outside the spectrogram.
 */
export function cropFrames(spec: { data: Float32Array; bins: number; frames: number }, start: number, frames: number): { data: Float32Array; bins: number; frames: number } {
  const { bins } = spec;
  if (start < 0 || frames < 1 || start + frames > spec.frames) throw new RangeError(`frames [${start}, ${start + frames}) are outside the spectrogram's ${spec.frames}`);
  const data = new Float32Array(bins * frames);
  for (let c = 0; c < bins; c++) data.set(spec.data.subarray(c * spec.frames + start, c * spec.frames + start + frames), c * frames);
  return { data, bins, frames };
}
