/**
 * What the nets are shown of each clip's level before analysis.
 *
 * The content's peak: the nets read log1p magnitudes, which are logarithmic above 1 and linear below it, so the same
 * voice recorded 20 dB quieter shows them less of its structure, and the result kept less of it (docs/defaults.md,
 * "The content's level"). Bringing every content to one peak level makes its recording level change nothing.
 *
 * A DC offset: 0 Hz is inaudible, but a style's offset is a large, steady magnitude in the STFT's lowest bins, which
 * the result is then fitted to and Griffin-Lim cannot rebuild (docs/defaults.md, "DC offsets").
 *
 * The style's silent ends: a Gram matrix averages over frames, and a silent frame's features are all zero, so seconds
 * of silence before or after a style scale its statistics down as if it were that much sparser (docs/defaults.md,
 * "The style's silent ends").
 */
import { peak } from './wav.js';

/**
 * The peak level, in dBFS, a content is brought to: that of the bundled examples (`sox ... norm -3`), at which every
 * default was measured.
 */
export const CONTENT_PEAK_DBFS = -3;

/**
 * A content peaking below this (dBFS) is near silence: 33 steps of a 16-bit file. Brought to CONTENT_PEAK_DBFS, its
 * noise floor comes up with it, which a run should say.
 */
export const QUIET_CONTENT_DBFS = -60;

/**
 * Gains closer to 0 dB than this are not applied: a 16-bit file normalised to the target lands within 0.001 dB of it
 * (the rounding of its loudest sample), and is better left bit for bit as it is.
 */
const NEGLIGIBLE_DB = 0.05;

/** The gain in dB that brings the loudest sample of `signal` to `targetDbfs`: 0 for silence and for a negligible change. */
export function peakGainDb(signal: Float32Array, targetDbfs: number): number {
  const loudest = peak(signal);
  if (loudest === 0) return 0;
  const gainDb = targetDbfs - 20 * Math.log10(loudest);
  return Math.abs(gainDb) < NEGLIGIBLE_DB ? 0 : gainDb;
}

/** A copy of `signal` scaled by `gainDb`; the signal itself when it is 0 (it may be the caller's: never written). */
export function withGain(signal: Float32Array, gainDb: number): Float32Array {
  if (gainDb === 0) return signal;
  const gain = 10 ** (gainDb / 20);
  return signal.map((v) => v * gain);
}

/**
 * A silent end longer than this, in seconds, is left out of a style; a shorter one is kept, since a loop's closing rest
 * is part of its rhythm (the bundled drums end in 0.11 s of it).
 */
export const MIN_LEFT_OUT_SILENCE_SECONDS = 0.25;

/** How far below a clip's peak, in dB, a sample counts as silence at its ends (silentEnds). */
export const SILENCE_BELOW_PEAK_DB = 60;

/**
 * The silence at the two ends of `signal`, in samples: the runs before its first and after its last sample within
 * SILENCE_BELOW_PEAK_DB of its peak. A silent signal is all start.
 */
export function silentEnds(signal: Float32Array): { start: number; end: number } {
  const threshold = peak(signal) * 10 ** (-SILENCE_BELOW_PEAK_DB / 20);
  let first = 0;
  while (first < signal.length && Math.abs(signal[first]) <= threshold) first++;
  if (first === signal.length) return { start: signal.length, end: 0 };
  let last = signal.length - 1;
  while (Math.abs(signal[last]) <= threshold) last--;
  return { start: first, end: signal.length - 1 - last };
}

/**
 * A DC offset (a clip's mean) smaller than this is left alone: the bundled examples' 0.0005-0.0011 moved their results
 * by under 0.006 when removed, where 0.005 in a style cost 0.04 of style gain (docs/defaults.md, "DC offsets").
 */
export const NEGLIGIBLE_DC = 0.002;

/** `signal` less its mean, or `signal` itself where the mean is under NEGLIGIBLE_DC (it may be the caller's: never written). */
export function withoutDc(signal: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < signal.length; i++) sum += signal[i];
  const mean = signal.length > 0 ? sum / signal.length : 0;
  return Math.abs(mean) < NEGLIGIBLE_DC ? signal : signal.map((v) => v - mean);
}
