import { GraphBuilder } from './onnx-graph.js';

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

/** Shape of one objective graph: the net, the length of the optimised spectrogram, and how the style enters. */
export interface ObjectiveShape extends NetShape {
  /** Frames of the optimised spectrogram. */
  frames: number;
  /** 'kernel': the style enters as scaled features (N x styleFrames'); 'gram': as its N x N Gram matrix. */
  mode: StyleMode;
  /** Conv output frames of the style (kernel mode only). */
  styleFeatureFrames?: number;
  /** Whether the graph has a content term (its weight is a graph input). */
  withContent: boolean;
}

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

/** Names of the graphs' inputs and outputs, shared with the code that feeds them. */
export const IO = {
  spec: 'spec',
  weights: 'weights',
  flippedWeights: 'weights_flipped',
  styleFeatures: 'style_features',
  styleGram: 'style_gram',
  styleConstant: 'style_constant',
  contentFeatures: 'content_features',
  contentWeight: 'content_weight',
  loss: 'loss',
  styleLoss: 'style_loss',
  contentLoss: 'content_loss',
  grad: 'grad',
  features: 'features',
  gramSum: 'gram_sum',
  gramNormSquared: 'gram_norm_sq',
  gramDifference: 'gram_difference',
  featureScale: 'feature_scale',
} as const;

/** conv -> ReLU as an (N x T') matrix; the weights are a graph input so that several sessions share one copy. */
function convRelu(g: GraphBuilder, shape: NetShape, frames: number | string): { preActivation: string; features: string } {
  const spec = g.input(IO.spec, [1, shape.bins, frames]);
  const weights = g.input(IO.weights, [shape.filters, shape.bins, shape.kernel]);
  const conv = g.op('Conv', [spec, weights], { kernel_shape: [shape.kernel] });
  const relu = g.op('Relu', [conv]);
  const features = g.op('Reshape', [relu, g.constInt64([shape.filters, -1])]);
  return { preActivation: conv, features };
}

/** Forward graph: spectrogram (1 x C x T, any T) -> ReLU features (N x T'). */
export function buildFeaturesGraph(shape: NetShape): Uint8Array {
  const g = new GraphBuilder('features');
  const { features } = convRelu(g, shape, 'T');
  g.op('Identity', [features], {}, IO.features);
  g.output(IO.features, [shape.filters, 'Tf']);
  return g.toBytes();
}

/** Gram accumulation graph: spectrogram chunk -> F F^T (N x N, not normalised), so a long style is summarised chunk by chunk. */
export function buildGramSumGraph(shape: NetShape): Uint8Array {
  const g = new GraphBuilder('gram_sum');
  const { features } = convRelu(g, shape, 'T');
  g.op('Gemm', [features, features], { transB: 1 }, IO.gramSum);
  g.output(IO.gramSum, [shape.filters, shape.filters]);
  return g.toBytes();
}

/** ||X^T X||^2 for X (N x T): the constant ||A||^2 of the style loss in kernel form. */
export function buildGramNormGraph(filters: number): Uint8Array {
  const g = new GraphBuilder('gram_norm');
  const x = g.input(IO.styleFeatures, [filters, 'T']);
  const inner = g.op('Gemm', [x, x], { transA: 1 });
  g.op('ReduceSumSquare', [inner], { keepdims: 0 }, IO.gramNormSquared);
  g.output(IO.gramNormSquared, []);
  return g.toBytes();
}

/**
 * The objective and its gradient with respect to the spectrogram, in one graph (no autodiff at run time):
 *   F = relu(conv(S, W)),  Fn = F / sqrt(T'),  G = Fn Fn^T,  L_style = ||G - A||^2,  L_content = w ||F - P||^2,
 *   dL/dF = (4 (G - A) Fn / sqrt(T') + 2 w (F - P)) * [F > 0],   dL/dS = conv(pad(dL/dF, K-1), flip(W^T)).
 * The input gradient is a plain Conv with the weights transposed and flipped in time, measured here ~1.5x faster
 * than ConvTranspose. In kernel mode (G - A) Fn is expanded as Fn (Fn^T Fn) - Fs (Fs^T Fn) with Fs = style features
 * / sqrt(Ts'), and L_style = ||Fn^T Fn||^2 - 2 ||Fs^T Fn||^2 + ||A||^2 (the constant is an input).
 */
export function buildObjectiveGraph(shape: ObjectiveShape): Uint8Array {
  const { filters: N, bins: C, kernel: K, frames: T } = shape;
  const Tf = featureFrames(T, K);
  const g = new GraphBuilder('style_objective');
  const { features: F } = convRelu(g, shape, T);
  const flipped = g.input(IO.flippedWeights, [C, N, K]);
  const invSqrtT = g.scalar(1 / Math.sqrt(Tf));
  const Fn = g.op('Mul', [F, invSqrtT]);

  let styleLoss: string;
  let dFn: string;
  if (shape.mode === 'kernel') {
    const Ts = shape.styleFeatureFrames;
    if (!Ts) throw new Error('kernel mode needs styleFeatureFrames');
    const Fs = g.input(IO.styleFeatures, [N, Ts]);
    const constant = g.input(IO.styleConstant, []);
    const inner = g.op('Gemm', [Fn, Fn], { transA: 1 }); // T' x T'
    const cross = g.op('Gemm', [Fs, Fn], { transA: 1 }); // Ts' x T'
    const selfTerm = g.op('ReduceSumSquare', [inner], { keepdims: 0 });
    const crossTerm = g.op('ReduceSumSquare', [cross], { keepdims: 0 });
    styleLoss = g.op('Add', [g.op('Sub', [selfTerm, g.op('Mul', [crossTerm, g.scalar(2)])]), constant]);
    const diffTimesFn = g.op('Sub', [g.op('MatMul', [Fn, inner]), g.op('MatMul', [Fs, cross])]);
    dFn = g.op('Mul', [diffTimesFn, g.scalar(4)]);
  } else {
    const A = g.input(IO.styleGram, [N, N]);
    const D = g.op('Sub', [g.op('Gemm', [Fn, Fn], { transB: 1 }), A]);
    styleLoss = g.op('ReduceSumSquare', [D], { keepdims: 0 });
    dFn = g.op('MatMul', [D, g.op('Mul', [Fn, g.scalar(4)])]);
  }
  let dF = g.op('Mul', [dFn, invSqrtT]);
  g.op('Identity', [styleLoss], {}, IO.styleLoss);
  g.output(IO.styleLoss, []);

  if (shape.withContent) {
    const P = g.input(IO.contentFeatures, [N, Tf]);
    const w = g.input(IO.contentWeight, []);
    const E = g.op('Sub', [F, P]);
    const contentLoss = g.op('Mul', [g.op('ReduceSumSquare', [E], { keepdims: 0 }), w], {}, IO.contentLoss);
    g.output(IO.contentLoss, []);
    g.op('Add', [styleLoss, contentLoss], {}, IO.loss);
    dF = g.op('Add', [dF, g.op('Mul', [E, g.op('Mul', [w, g.scalar(2)])])]);
  } else {
    g.op('Identity', [styleLoss], {}, IO.loss);
  }
  g.output(IO.loss, []);

  // ReLU's derivative: pass the gradient where the unit was active.
  const active = g.op('Cast', [g.op('Greater', [F, g.scalar(0)])], { to: 1 });
  const dFmasked = g.op('Reshape', [g.op('Mul', [dF, active]), g.constInt64([1, N, Tf])]);
  g.op('Conv', [dFmasked, flipped], { kernel_shape: [K], pads: [K - 1, K - 1] }, IO.grad);
  g.output(IO.grad, [1, C, T]);
  return g.toBytes();
}

/**
 * Gradient of one time chunk of a long spectrogram, given the whole clip's Gram difference D = G - A (N x N):
 *   F = relu(conv(S_c, W)),  dL/dF = (4 D F / T' + 2 w (F - P_c)) * [F > 0],  dL/dS_c = conv(pad(dL/dF, K-1), flip(W^T)),
 * and the chunk's content term w ||F - P_c||^2. Chunks overlap by K-1 input frames so their conv outputs tile the
 * clip; their input gradients add up where they overlap. `featureScale` is 4 / T' for the whole clip's T'.
 */
export function buildChunkGradientGraph(shape: NetShape & { withContent: boolean }): Uint8Array {
  const { filters: N, bins: C, kernel: K } = shape;
  const g = new GraphBuilder('chunk_gradient');
  const { features: F } = convRelu(g, shape, 'T');
  const flipped = g.input(IO.flippedWeights, [C, N, K]);
  const D = g.input(IO.gramDifference, [N, N]);
  const scale = g.input(IO.featureScale, []);
  let dF = g.op('Mul', [g.op('MatMul', [D, F]), scale]);
  if (shape.withContent) {
    const P = g.input(IO.contentFeatures, [N, 'Tf']);
    const w = g.input(IO.contentWeight, []);
    const E = g.op('Sub', [F, P]);
    g.op('Mul', [g.op('ReduceSumSquare', [E], { keepdims: 0 }), w], {}, IO.contentLoss);
    g.output(IO.contentLoss, []);
    dF = g.op('Add', [dF, g.op('Mul', [E, g.op('Mul', [w, g.scalar(2)])])]);
  }
  const active = g.op('Cast', [g.op('Greater', [F, g.scalar(0)])], { to: 1 });
  const dFmasked = g.op('Unsqueeze', [g.op('Mul', [dF, active]), g.constInt64([0])]);
  g.op('Conv', [dFmasked, flipped], { kernel_shape: [K], pads: [K - 1, K - 1] }, IO.grad);
  g.output(IO.grad, [1, C, 'T']);
  return g.toBytes();
}
