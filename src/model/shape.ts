/**
 * The style net's sizes and the arithmetic on them: what settings, memory estimates and the quality report need to
 * know about the net without its ONNX graphs (graphs.ts), which a web page should not have to load.
 */

/** Sizes of the one-layer style net: input bins C, filters N, kernel width K. */
export interface NetShape {
  /** Input channels: frequency bins of the spectrogram, n_fft/2 + 1. */
  bins: number;
  /** Output channels: number of random filters. */
  filters: number;
  /** Kernel width in frames. */
  kernel: number;
}

/** How the objective graph compares Gram matrices; see chooseStyleMode. */
export type StyleMode = 'kernel' | 'gram';

/** Conv output length for `frames` input frames (valid convolution, no padding). */
export function featureFrames(frames: number, kernel: number): number {
  return frames - kernel + 1;
}

/**
 * Which Gram form is cheaper. With F (N x T) and the style's features Fs (N x Ts), ||F F^T/T - A||^2 and its gradient
 * cost about 4 N^2 T multiply-adds as N x N matrices, or 4 N T (T + Ts) through the T x T and Ts x T inner products
 * (the kernel trick): the latter wins while T + Ts < N, e.g. a 10 s clip against a 10 s style at 4096 filters.
 */
export function chooseStyleMode(filters: number, featureFramesContent: number, featureFramesStyle: number): StyleMode {
  return featureFramesContent + featureFramesStyle < filters ? 'kernel' : 'gram';
}
