import { Random } from '../dsp/random.js';
import type { NetShape } from './graphs.js';

/** The standard deviation of the random filters, sqrt(2) * sqrt(2 / ((C + N) K)) as in Ulyanov & Lebedev's net. */
export function weightStd(shape: NetShape): number {
  return Math.SQRT2 * Math.sqrt(2 / ((shape.bins + shape.filters) * shape.kernel));
}

/** Random conv weights N x C x K, drawn from Normal(0, weightStd) with a seeded generator. */
export function randomWeights(shape: NetShape, seed: number): Float32Array {
  const w = new Float32Array(shape.filters * shape.bins * shape.kernel);
  return new Random(seed).fillNormal(w, weightStd(shape));
}

/**
 * The same weights as randomWeights, `groupFilters` filters at a time: views of `drawn` when the whole array exists,
 * else drawn group by group into one reused buffer (the generator's sequence does not depend on how it is cut), for
 * nets that never need them all at once. Each group is valid until the next one is drawn.
 */
export function* randomWeightGroups(
  shape: NetShape,
  seed: number,
  groupFilters: number,
  drawn: Float32Array | null = null,
): Generator<{ first: number; count: number; weights: Float32Array }> {
  const { filters: N, bins: C, kernel: K } = shape;
  const groups = (function* () {
    for (let first = 0; first < N; first += groupFilters) yield { first, count: Math.min(groupFilters, N - first) };
  })();
  if (drawn) {
    for (const { first, count } of groups) yield { first, count, weights: drawn.subarray(first * C * K, (first + count) * C * K) };
    return;
  }
  const rng = new Random(seed);
  const std = weightStd(shape);
  const buffer = new Float32Array(Math.min(groupFilters, N) * C * K);
  for (const { first, count } of groups) {
    const weights = buffer.subarray(0, count * C * K);
    rng.fillNormal(weights, std);
    yield { first, count, weights };
  }
}

/** The weights of the input-gradient convolution: transposed (C x N x K) and flipped in time, Wf[c,n,j] = W[n,c,K-1-j]. */
export function flipTransposeWeights(weights: Float32Array, shape: NetShape): Float32Array {
  const { filters: N, bins: C, kernel: K } = shape;
  const out = new Float32Array(weights.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const src = (n * C + c) * K;
      const dst = (c * N + n) * K + K - 1;
      for (let k = 0; k < K; k++) out[dst - k] = weights[src + k];
    }
  }
  return out;
}
