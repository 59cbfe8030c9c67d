import { chooseStyleMode, featureFrames } from '../model/graphs.js';
import type { TransferSettings } from './settings.js';

/** Bytes of the process before any audio: Node, onnxruntime and the decoders' wasm. */
const BASE_BYTES = 160 * 2 ** 20;
/** Spectrogram-sized float arrays alive while optimising: x, gradient, direction, trial point, line-search gradients,
 * 2 x 10 L-BFGS correction pairs, the content spectrogram, Griffin-Lim's complex buffers. */
const SPECTROGRAM_COPIES = 34;
/** Feature-sized (N x T') tensors alive at once in the objective graph (conv output, ReLU, scaled, gradient, mask, ...). */
const FEATURE_COPIES = 8;

/**
 * Estimates a run's peak memory in bytes from its sizes, before anything is allocated, so that a run that cannot fit
 * is refused at once rather than killed an hour in. Measured against peak RSS (README): within ~10% at 10 s / 4096.
 */
export function estimateMemoryBytes(settings: TransferSettings, contentFrames: number, styleFrames: number, channels = 1): number {
  const C = settings.nFft / 2 + 1;
  const { filters: N, kernel: K } = settings;
  const Tf = featureFrames(contentFrames, K);
  const Ts = featureFrames(styleFrames, K);
  const float = 4;
  const weights = 2 * N * C * K * float; // W and its flipped transpose
  const im2col = (C * K * Tf + N * K * contentFrames) * float; // forward and gradient convolutions' unfolded inputs
  const features = FEATURE_COPIES * N * Tf * float;
  const style =
    chooseStyleMode(N, Tf, Ts) === 'kernel'
      ? (N * Ts + Tf * Tf + Ts * Tf) * float // style features, the T' x T' and Ts' x T' inner products
      : (3 * N * N + N * Math.min(Ts, 2048)) * float; // Gram, difference, target; one style chunk's features
  // Channels are optimised one after another; each keeps its spectrogram and its Griffin-Lim phase (3 arrays).
  const spectrograms = (SPECTROGRAM_COPIES + 3 * (channels - 1)) * C * contentFrames * float;
  return BASE_BYTES + weights + im2col + features + style + spectrograms;
}

/** Formats bytes as "712 MB" or "3.4 GB". */
export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GB` : `${Math.round(bytes / 2 ** 20)} MB`;
}
