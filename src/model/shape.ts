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

/** How an objective with the style as its N x N Gram A expands the loss; see gramExpansion. */
export type GramExpansion = 'matrices' | 'frames';

/**
 * With the style as its Gram A (a style too long for the kernel form), the objective may still take its own Gram
 * through the T' x T' inner products: ||Fn^T Fn||^2 - 2 <Fn, A Fn> + ||A||^2, gradient 4 (Fn (Fn^T Fn) - A Fn). That
 * costs about 4 N T'^2 + 2 N^2 T' floating-point operations against 4 N^2 T' for G = Fn Fn^T and (G - A) Fn: fewer while
 * T' < N / 2, but its products are thinner. One evaluation against 150 s of plucks at 4096 filters, alternated (CPU, 2
 * threads / WebAssembly in Node, 2 threads): 10 s of speech 141 against 174 ms / 1.12 against 1.47 s, 20 s 267 against
 * 303 ms / 2.32 against 2.81 s, 30 s 412 against 444 ms / 9.21 against 9.07 s, 40 s 555 against 556 ms. So it is taken
 * while T' < N / 3: clips up to ~31 s at the defaults against a style long enough for the Gram form, such as a song.
 */
export function gramExpansion(filters: number, featureFramesContent: number): GramExpansion {
  return 3 * featureFramesContent < filters ? 'frames' : 'matrices';
}
