/**
 * Where texture synthesis (no content) starts: noise with the style's statistics that a random net can see at once.
 */
import { bandMoments } from './spectrogram.js';
import type { Random } from './random.js';

/**
 * Frames in each piece of the style's envelope that a texture's start is made of: longer than the style net's kernel
 * (7 frames; 11 until 2026-11-27), so a hit keeps its shape and its neighbours, and shorter than a bar or a chord (16 frames are 0.37 s at
 * the default hop), so the style's pattern is not copied whole. The envelope looped whole rebuilt the bundled drum loop
 * itself: correlation 0.96 with the loop at one shift, against 0.33 from these pieces (docs/defaults.md, "Texture synthesis").
 */
export const ENVELOPE_PIECE_FRAMES = 16;

/**
 * A `frames`-long log spectrogram (bins x frames) to start a texture from: each bin has the style's mean and spread,
 * and follows the style's envelope (the mean over bins of the standardised style, frame by frame) as closely as that
 * bin does in the style; the rest of its spread is independent noise. The envelope is laid down in pieces of
 * ENVELOPE_PIECE_FRAMES from random places in the style. Independent noise in every bin has no beat: a drum texture
 * started from it ended 0.201 from its style under the held-out nets after 40 iterations, and 0.146 from here (docs/defaults.md,
 * "Texture synthesis"). Log magnitudes are clamped at 0.
 */
export function textureStart(style: { data: Float32Array; bins: number; frames: number }, frames: number, rng: Random): Float32Array {
  const { data, bins: B, frames: T } = style;
  const { mean, variance } = bandMoments(style);
  const std = Array.from(variance, Math.sqrt);
  const envelope = new Float64Array(T);
  for (let c = 0; c < B; c++) {
    if (!(std[c] > 0)) continue;
    for (let t = 0; t < T; t++) envelope[t] += (data[c * T + t] - mean[c]) / std[c];
  }
  standardise(envelope);
  // Each bin's correlation with the envelope: how much of its spread follows it.
  const follows = new Float64Array(B);
  for (let c = 0; c < B; c++) {
    if (!(std[c] > 0)) continue;
    let sum = 0;
    for (let t = 0; t < T; t++) sum += (data[c * T + t] - mean[c]) * envelope[t];
    follows[c] = Math.max(-1, Math.min(1, sum / (T * std[c])));
  }
  const pieces = new Float64Array(frames);
  for (let start = 0; start < frames; start += ENVELOPE_PIECE_FRAMES) {
    const from = Math.floor(rng.uniform() * T); // the style read as a loop, so a piece may start anywhere
    for (let t = start; t < Math.min(frames, start + ENVELOPE_PIECE_FRAMES); t++) pieces[t] = envelope[(from + t - start) % T];
  }
  const out = new Float32Array(B * frames);
  for (let c = 0; c < B; c++) {
    const own = Math.sqrt(1 - follows[c] * follows[c]);
    for (let t = 0; t < frames; t++) {
      const z = follows[c] * pieces[t] + own * rng.normal();
      out[c * frames + t] = Math.max(0, mean[c] + std[c] * z);
    }
  }
  return out;
}

/** Moves `x` to mean 0 and variance 1 in place (a constant stays 0). */
function standardise(x: Float64Array): void {
  let mean = 0;
  for (const v of x) mean += v / x.length;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2 / x.length;
  const scale = variance > 0 ? 1 / Math.sqrt(variance) : 0;
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - mean) * scale;
}
