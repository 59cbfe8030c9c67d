/**
 * Texture synthesis's level bound: no frequency band of the texture louder than its style ever is in that band. The
 * Gram loss reads log magnitudes, where a band 2.35 over the style's loudest (a kick ten times the style's strongest,
 * in amplitude) costs little, and one such frame can supply a band's second moment that several hits at the style's
 * level would: 8 s of the bundled drums came out with a kick at a peak of 2.65 against the loop's 0.71, which the
 * limiter then took down by 8.5 dB (docs/defaults.md, "Texture synthesis").
 *
 * The objective is evaluated at min(x, ceiling), so it is flat above the ceiling and the optimiser gains nothing by
 * going there: it spreads a band's energy over more frames instead. x itself is clamped once each round ends.
 */
import type { ObjectiveValue, SpectrogramObjective } from '../model/objectives.js';

/** Each row's ceiling where the rows are in `order` (row c holds bin order[c]; null: bins in their own order). */
export function ceilingInOrder(ceiling: Float32Array, order: Int32Array | null): Float32Array {
  return order ? Float32Array.from(order, (bin) => ceiling[bin]) : ceiling;
}

/** Writes min(x, rowCeiling[row]) into `out` (which may be x itself) for a rows x frames matrix; returns `out`. */
export function clampRows(x: Float32Array, rowCeiling: Float32Array, frames: number, out: Float32Array = x): Float32Array {
  if (x.length !== rowCeiling.length * frames || out.length !== x.length) throw new RangeError('ceiling and matrix sizes disagree');
  for (let row = 0; row < rowCeiling.length; row++) {
    const most = rowCeiling[row];
    for (let i = row * frames, end = i + frames; i < end; i++) out[i] = x[i] > most ? most : x[i];
  }
  return out;
}

/**
 * The objective f(min(x, ceiling)), for rows x frames spectrograms whose rows have `rowCeiling`: its gradient is f's
 * where x is under its ceiling and 0 above it. One scratch spectrogram holds the clamped point.
 */
export function underCeiling(objective: SpectrogramObjective, rowCeiling: Float32Array): SpectrogramObjective {
  const { frames } = objective;
  let clamped: Float32Array | null = null;
  return {
    frames,
    async evaluate(x: Float32Array, grad: Float32Array, onProgress?: (fraction: number) => void): Promise<ObjectiveValue> {
      clamped ??= new Float32Array(x.length);
      clampRows(x, rowCeiling, frames, clamped);
      const value = await objective.evaluate(clamped, grad, onProgress);
      for (let i = 0; i < x.length; i++) if (x[i] > clamped[i]) grad[i] = 0;
      return value;
    },
    dispose: () => objective.dispose(),
  };
}
