import { Random } from '../dsp/random.js';

/**
 * The order in which the nets of optimisation round `round` read the frequency bins: as they are in round 0, a seeded
 * shuffle in later rounds. A net that reads its input channels in a new order is a new random net (its weights are
 * i.i.d. normal, so permuting them gives the same distribution), drawn at the cost of a shuffle instead of 46 million
 * normals and a new DFT of the kernels. Fitting a new net each round generalises to nets the run never saw better
 * than fitting one net three times (docs/defaults.md, "A new net each round").
 */
export function binOrder(bins: number, seed: number, round: number): Int32Array | null {
  if (round === 0) return null;
  const order = Int32Array.from({ length: bins }, (_, i) => i);
  const random = new Random((Math.imul(seed >>> 0, 0x2c1b3c6d) ^ Math.imul(round, 0x297a2d39)) >>> 0);
  for (let i = bins - 1; i > 0; i--) {
    const j = Math.floor(random.uniform() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/**
 * Reorders the rows of a bins x frames matrix (bin-major) in place: row c becomes the old row `order[c]`; with
 * `inverse`, row `order[c]` becomes the old row c, undoing it. Needs one row of scratch, not a second matrix: a
 * 10-minute spectrogram is 106 MB.
 */
export function reorderBins(data: Float32Array, bins: number, frames: number, order: Int32Array, inverse = false): void {
  if (order.length !== bins || data.length !== bins * frames) throw new RangeError('bin order and matrix sizes disagree');
  let gather = order;
  if (inverse) {
    gather = new Int32Array(bins);
    for (let c = 0; c < bins; c++) gather[order[c]] = c;
  }
  const row = new Float32Array(frames);
  const done = new Uint8Array(bins);
  // Follow each cycle c -> gather[c] -> ...: every row is read before it is overwritten, the first one from scratch.
  for (let start = 0; start < bins; start++) {
    if (done[start]) continue;
    row.set(data.subarray(start * frames, (start + 1) * frames));
    let j = start;
    for (;;) {
      done[j] = 1;
      const k = gather[j];
      if (k === start) {
        data.set(row, j * frames);
        break;
      }
      data.copyWithin(j * frames, k * frames, (k + 1) * frames);
      j = k;
    }
  }
}
