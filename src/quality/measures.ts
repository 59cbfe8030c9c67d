import type { Runtime } from '../model/runtime.js';
import { StyleNet, type ConvolutionChoice, type LogSpectrogram } from '../model/style-net.js';
import { featureFrames } from '../model/shape.js';
import { bandMoments, cropFrames } from '../dsp/spectrogram.js';
import type { QualityReport } from './report.js';
import { styleReplay } from './replay.js';
import { measureRhythm, type RhythmLayout } from './rhythm.js';

/** The rhythm fields of a report whose spectrograms' analysis was not given. */
const NO_RHYTHM = { rhythmDistance: NaN, contentRhythmDistance: NaN, rhythmGain: NaN, styleHalvesRhythmDistance: NaN };

// The report's type and wording live apart from the measures, so that a page can show a report without loading the
// nets that take it.
export { formatStyleGain, describeStyleGain, describeStyleDistance, describeQuality, type QualityReport } from './report.js';

/**
 * Frames to measure (style, result and content together) up to which a held-out net computes with onnxruntime-node's
 * Conv on the CPU instead of DFT blocks. The blocks' weights cost a transform up front that one measurement does not
 * earn back: for the 512-filter kernel-15 net, 184 against 101 ms to prepare and 41 against 51 ms of Gram sums over a
 * 10 s run's 631 frames, and 405 against 367 ms in all over 6460 frames. A 10 s run's measures took 282-294 ms so,
 * against 394-406 ms. onnxruntime-web's WebAssembly Conv is slower: there the blocks stay (1.0 s against 1.1 s).
 */
export const HELD_OUT_DIRECT_MAX_FRAMES = 8192;

/** The frames the held-out nets read to measure `specs`: the style's, the result's and the content's. */
export function measuredFrames(specs: { content?: LogSpectrogram; style: LogSpectrogram; result: LogSpectrogram }): number {
  return specs.style.frames + specs.result.frames + (specs.content?.frames ?? 0);
}

/** The convolution a held-out net measures `specs` with: direct on onnxruntime-node's CPU for short clips, else the nets' default. */
export function heldOutConvolution(runtime: Runtime, specs: { content?: LogSpectrogram; style: LogSpectrogram; result: LogSpectrogram }): ConvolutionChoice {
  return runtime.executionProviders[0] === 'cpu' && measuredFrames(specs) <= HELD_OUT_DIRECT_MAX_FRAMES ? 'direct' : 'auto';
}

/** A random net the optimiser never saw, used only to judge the result. */
export interface HeldOutNet {
  /** Kernel width in frames. */
  kernel: number;
  /** Seed of its weights. */
  seed: number;
}

/** Held-out nets: other kernel widths and seeds than any run's net (seeds far from the user's 0..n). */
export const HELD_OUT_NETS: readonly HeldOutNet[] = [
  { kernel: 3, seed: 90001 },
  { kernel: 7, seed: 90002 },
  { kernel: 15, seed: 90003 },
];

/** Filters of each held-out net: enough for stable Gram statistics, cheap next to the run itself. */
export const HELD_OUT_FILTERS = 512;

/** The net of a held-out `spec`, on spectrograms of `bins` bins (prepare.ts makes its weights ahead of a run). */
export function heldOutNet(runtime: Runtime, bins: number, spec: HeldOutNet, convolution: ConvolutionChoice, filters = HELD_OUT_FILTERS): StyleNet {
  return StyleNet.create(runtime, { bins, filters, kernel: spec.kernel }, spec.seed, convolution);
}

/** Below this held-out distance between content and style (1%), the style gain is undefined (NaN). */
export const MIN_CONTENT_STYLE_DISTANCE = 0.01;

/** Frames each half of the style needs for its own gain to be measured (~0.75 s at the default hop). */
export const MIN_HALF_FRAMES = 32;

/** A Gram sum over `windows` feature frames as their mean, in place. */
function meanOf<T extends Float32Array | Float64Array>(sum: T, windows: number): T {
  for (let i = 0; i < sum.length; i++) sum[i] /= windows;
  return sum;
}

/**
 * The style's Gram matrix under `net`, and each half's (split at frame `half`), from one pass over the style: the
 * whole's feature windows are the halves' plus the kernel - 1 that straddle the split, so the whole's Gram sum is the
 * halves' sums plus that of a 2 (kernel - 1)-frame crop around the split. A second pass over a 10-minute style took
 * 3.5 s of a 36 s run. Each half is copied out only while it is measured (a 10-minute style's half is 53 MB).
 */
export async function styleAndHalvesGrams(net: StyleNet, style: LogSpectrogram, half: number): Promise<{ whole: Float32Array; halves: Float32Array[] }> {
  const K = net.shape.kernel;
  const N2 = net.shape.filters ** 2;
  const sumOf = (from: number, frames: number): Promise<Float64Array> => net.gramSumInto(cropFrames(style, from, frames), new Float64Array(N2));
  const parts = [await sumOf(0, half), await sumOf(half, style.frames - half)];
  const whole = new Float64Array(N2);
  for (const p of parts) for (let i = 0; i < N2; i++) whole[i] += p[i];
  if (K > 1) {
    const straddling = await sumOf(half - K + 1, 2 * (K - 1));
    for (let i = 0; i < N2; i++) whole[i] += straddling[i];
  }
  return {
    whole: Float32Array.from(meanOf(whole, featureFrames(style.frames, K))),
    halves: [Float32Array.from(meanOf(parts[0], featureFrames(half, K))), Float32Array.from(meanOf(parts[1], featureFrames(style.frames - half, K)))],
  };
}

/** Pearson correlation of two log spectrograms (bins x frames) over their first min(frames) frames. */
export function contentCorrelation(a: LogSpectrogram, b: LogSpectrogram): number {
  if (a.bins !== b.bins) throw new RangeError('content correlation: spectrograms differ in bins');
  const T = Math.min(a.frames, b.frames);
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let c = 0; c < a.bins; c++) {
    for (let t = 0; t < T; t++) {
      sa += a.data[c * a.frames + t];
      sb += b.data[c * b.frames + t];
      n++;
    }
  }
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let c = 0; c < a.bins; c++) {
    for (let t = 0; t < T; t++) {
      const da = a.data[c * a.frames + t] - ma;
      const db = b.data[c * b.frames + t] - mb;
      cov += da * db;
      va += da * da;
      vb += db * db;
    }
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}

/**
 * The highest content correlation (as contentCorrelation computes it) that any spectrogram can have whose every
 * frequency bin has the style's mean and variance over time, i.e. a result that took on the style's band statistics in
 * full. Split the correlation into the part between bin means, fixed by the style, and the parts within bins, each at
 * most the product of the two spreads (Cauchy-Schwarz):
 * (cov_b(style mean, content mean) + mean_b(sd_style * sd_content)) / (sd(style-band result) * sd(content)).
 * Attained by giving each content bin the style's mean and spread. NaN for a constant content.
 */
export function styleBandsCorrelationBound(content: LogSpectrogram, style: LogSpectrogram): number {
  if (content.bins !== style.bins) throw new RangeError('correlation bound: spectrograms differ in bins');
  const c = bandMoments(content);
  const s = bandMoments(style);
  const B = content.bins;
  let mc = 0;
  let ms = 0;
  for (let b = 0; b < B; b++) {
    mc += c.mean[b] / B;
    ms += s.mean[b] / B;
  }
  let between = 0;
  let within = 0;
  let varResult = 0;
  let varContent = 0;
  for (let b = 0; b < B; b++) {
    between += (s.mean[b] - ms) * (c.mean[b] - mc);
    within += Math.sqrt(s.variance[b] * c.variance[b]);
    varResult += (s.mean[b] - ms) ** 2 + s.variance[b];
    varContent += (c.mean[b] - mc) ** 2 + c.variance[b];
  }
  return varResult > 0 && varContent > 0 ? (between + within) / Math.sqrt(varResult * varContent) : NaN;
}

/** Relative Frobenius distance ||G - A|| / ||A||. */
function relativeDistance(g: Float32Array, a: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (g[i] - a[i]) ** 2;
    den += a[i] * a[i];
  }
  return den > 0 ? Math.sqrt(num / den) : Infinity;
}

/**
 * Judges a result: style distance under held-out random nets (log1p STFT magnitudes of the final audio), the same
 * distance for the content, the style gain, the content correlation, and the figures to read those two against: the
 * style gain of the style's own halves, and the content correlation left at the style's band statistics. Without a
 * content (texture synthesis), the style distance, the style's own halves' distance and how closely the result replays
 * the style, the rest NaN. Given the spectrograms' analysis (`layout`), also how far the result's pulse is from the
 * style's (measureRhythm), which the Gram measures cannot see. Spectrograms must share bins. A held-out net wider than
 * the shortest of them is left out: it would see no frame of it (a 0.3 s style is 13 frames, under kernel 15). `checkCancel`
 * is called before each held-out net, after the runtime's pause, and may throw to stop.
 */
export async function measureQuality(
  runtime: Runtime,
  specs: { content?: LogSpectrogram; style: LogSpectrogram; result: LogSpectrogram; layout?: RhythmLayout },
  nets: readonly HeldOutNet[] = HELD_OUT_NETS,
  filters = HELD_OUT_FILTERS,
  checkCancel?: () => void,
): Promise<QualityReport> {
  let styleDistance = 0;
  let contentStyleDistance = 0;
  let halvesDistance = 0;
  const half = Math.floor(specs.style.frames / 2);
  const withHalves = half >= MIN_HALF_FRAMES;
  // A net that sees no frame of a clip would make its Gram 0 / 0, and the style gain NaN: read as "the content already
  // has the style" (which a one-shot drum sample as the style was said to have).
  const shortest = Math.min(specs.style.frames, specs.result.frames, specs.content?.frames ?? Infinity);
  const fitting = nets.filter(({ kernel }) => featureFrames(shortest, kernel) >= 1);
  for (const { kernel, seed } of fitting) {
    await runtime.pause?.();
    checkCancel?.();
    const net = heldOutNet(runtime, specs.style.bins, { kernel, seed }, heldOutConvolution(runtime, specs), filters);
    try {
      await net.prepare(checkCancel); // its weights drawn on the runtime's threads where it has some
      const gram = async (s: LogSpectrogram): Promise<Float32Array> => meanOf(await net.gramSum(s), featureFrames(s.frames, kernel));
      const style = withHalves ? await styleAndHalvesGrams(net, specs.style, half) : { whole: await gram(specs.style), halves: [] };
      const a = style.whole;
      styleDistance += relativeDistance(await gram(specs.result), a);
      if (specs.content) contentStyleDistance += relativeDistance(await gram(specs.content), a);
      for (const g of style.halves) halvesDistance += relativeDistance(g, a) / style.halves.length;
    } finally {
      await net.dispose();
    }
  }
  styleDistance = fitting.length > 0 ? styleDistance / fitting.length : NaN;
  contentStyleDistance = specs.content && fitting.length > 0 ? contentStyleDistance / fitting.length : NaN;
  halvesDistance = withHalves && fitting.length > 0 ? halvesDistance / fitting.length : NaN;
  // When the content already has the style's statistics there is nothing to gain: the ratio would be noise / noise.
  const defined = contentStyleDistance >= MIN_CONTENT_STYLE_DISTANCE;
  return {
    styleDistance,
    contentStyleDistance,
    styleGain: defined ? 1 - styleDistance / contentStyleDistance : NaN,
    contentCorrelation: specs.content ? contentCorrelation(specs.content, specs.result) : NaN,
    styleHalvesGain: defined && withHalves ? 1 - halvesDistance / contentStyleDistance : NaN,
    styleHalvesDistance: halvesDistance,
    styleBandsCorrelationBound: specs.content ? styleBandsCorrelationBound(specs.content, specs.style) : NaN,
    // A result aligned with a content is no replay of the style; a texture may be one, and its distance cannot tell.
    styleReplayCorrelation: specs.content ? NaN : styleReplay(specs.result, specs.style).correlation,
    ...(specs.layout ? measureRhythm(specs, specs.layout) : NO_RHYTHM),
  };
}
