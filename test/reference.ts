/**
 * Plain float64 TypeScript versions of the style objective, written straight from the formulas in ALGORITHM.md
 * (N x N Gram matrices, no kernel trick), as an independent check of the ONNX graphs.
 */

/** Net sizes. */
export interface RefShape {
  bins: number;
  filters: number;
  kernel: number;
}

/** ReLU(conv(S, W)) for S (C x T), W (N x C x K): N x (T-K+1). */
export function refFeatures(spec: ArrayLike<number>, frames: number, weights: ArrayLike<number>, shape: RefShape): Float64Array {
  const { bins: C, filters: N, kernel: K } = shape;
  const Tf = frames - K + 1;
  const out = new Float64Array(N * Tf);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < Tf; t++) {
      let s = 0;
      for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) s += weights[(n * C + c) * K + k] * spec[c * frames + t + k];
      out[n * Tf + t] = Math.max(0, s);
    }
  }
  return out;
}

/** F F^T / T' (N x N). */
export function refGram(features: Float64Array, filters: number): Float64Array {
  const Tf = features.length / filters;
  const g = new Float64Array(filters * filters);
  for (let i = 0; i < filters; i++) {
    for (let j = 0; j < filters; j++) {
      let s = 0;
      for (let t = 0; t < Tf; t++) s += features[i * Tf + t] * features[j * Tf + t];
      g[i * filters + j] = s / Tf;
    }
  }
  return g;
}

/** ||G(x) - A||^2 + w ||F(x) - P||^2. */
export function refLoss(
  spec: ArrayLike<number>,
  frames: number,
  weights: ArrayLike<number>,
  shape: RefShape,
  styleGram: Float64Array,
  content?: { features: Float64Array; weight: number },
): number {
  const F = refFeatures(spec, frames, weights, shape);
  const G = refGram(F, shape.filters);
  let loss = 0;
  for (let i = 0; i < G.length; i++) loss += (G[i] - styleGram[i]) ** 2;
  if (content && content.weight > 0) {
    let c = 0;
    for (let i = 0; i < F.length; i++) c += (F[i] - content.features[i]) ** 2;
    loss += content.weight * c;
  }
  return loss;
}

/** The relative L2 error ||a - b|| / ||b||, the tolerance measure of the numeric tests. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** Whether two float arrays hold the same values to the bit (NaNs alike, +0 and -0 apart). */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}
