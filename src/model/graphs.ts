import { GraphBuilder } from './onnx-graph.js';
import { featureFrames, type GramExpansion, type NetShape, type StyleMode } from './shape.js';
import { blockAnalysisMatrix, blockCount, blockSynthesisMatrix, kernelSlotMatrix, transposeMatrix, validOutputMask, type BlockPlan } from './spectral-conv.js';

// The sizes (shape.ts) carry no ONNX code, so that settings and pages can use them alone; re-exported for the model.
export { chooseStyleMode, featureFrames, gramExpansion, type GramExpansion, type NetShape, type StyleMode } from './shape.js';

/** Shape of one objective graph: the net, the length of the optimised spectrogram, and how the style enters. */
export interface ObjectiveShape extends NetShape {
  /** As in GraphShape: the Conv form's input channels with zero padding. */
  convChannels?: number;
  /** Frames of the optimised spectrogram. */
  frames: number;
  /** 'kernel': the style enters as scaled features (N x styleFrames'); 'gram': as its N x N Gram matrix. */
  mode: StyleMode;
  /** Conv output frames of the style (kernel mode only). */
  styleFeatureFrames?: number;
  /** Gram mode: through N x N matrices (the default) or the T' x T' inner products (gramExpansion). */
  expansion?: GramExpansion;
  /** Gram mode through matrices: the difference formed by halves (as in GraphShape). */
  gramHalves?: boolean;
  /** Whether the graph has a content term (its weight is a graph input). */
  withContent: boolean;
  /** The convolution's form (default: onnxruntime's Conv). */
  conv?: ConvPlan;
}

/** Columns of the objective's feature matrices: T' for the Conv form, S x B block outputs (T' real, the rest 0) in block form. */
export function featureColumns(plan: ConvPlan, featureFrameCount: number): number {
  return plan ? blockCount(plan, featureFrameCount) * plan.hop : featureFrameCount;
}

/**
 * The sum of the squares of a matrix's entries, taken row by row and then over the rows. onnxruntime sums a whole
 * tensor into one float32 accumulator: over the 16.7M entries of an N x N Gram difference at 4096 filters that came out
 * 1.0e-3 low on the CPU and 2.4e-2 low on WebAssembly (uniform random entries; onnxruntime 1.30); in two stages each
 * sum has at most a few thousand terms, and both came within 3e-7 of a float64 sum.
 */
export function sumOfSquares(g: GraphBuilder, matrix: string, output?: string): string {
  return g.op('ReduceSum', [g.op('ReduceSumSquare', [matrix], { axes: [1], keepdims: 0 })], { keepdims: 0 }, output);
}

/** The sum of the products of two matrices' entries (their Frobenius inner product), in two stages as sumOfSquares. */
export function sumOfProducts(g: GraphBuilder, a: string, b: string): string {
  return g.op('ReduceSum', [g.op('ReduceSum', [g.op('Mul', [a, b]), g.constInt64([1])], { keepdims: 0 })], { keepdims: 0 });
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
  gramSoFar: 'gram_so_far',
  gramNormSquared: 'gram_norm_sq',
  gramDifference: 'gram_difference',
  featureScale: 'feature_scale',
  blocks: 'spec_blocks',
  spectralWeights: 'weights_spectral',
  featureFrames: 'feature_frames',
  outputMask: 'output_mask',
} as const;

/** How the graphs compute the net's convolution: null for onnxruntime's Conv, or a plan of DFT blocks (spectral-conv.ts). */
export type ConvPlan = BlockPlan | null;

/** The net's convolution inside one graph: its output and, on demand, the adjoint that gives the input gradient. */
interface ConvFragment {
  /** Conv output before the ReLU, N x columns (T' columns, or B x S block outputs in block form). */
  output: string;
  /** Adds the input gradient as the graph output IO.grad, given the gradient of `output`. */
  inputGradient(dOutput: string): void;
}

/**
 * A net's sizes as its graphs are built: `convChannels` (> bins) pads the Conv form's input with zero channels;
 * `weightsSecond` computes the block form's forward products with the weights as MatMul's second operand (blockConv);
 * `gramHalves` forms a whole clip's N x N Gram difference by halves (buildObjectiveGraph).
 */
export type GraphShape = NetShape & { convChannels?: number; weightsSecond?: boolean; gramHalves?: boolean };

/**
 * Input channels the Conv form's Conv gets on a GPU: `bins`, or the next multiple of 4 where onnxruntime's WebGPU Conv
 * (1.30, native and on SwiftShader alike) computes wrong outputs. Found by comparing it with the CPU's Conv over input
 * channels 1-149 and output channels 4-64: wrong (relative error 0.6-0.8) exactly when the output channels are a
 * multiple of 4, the input channels a multiple of 3 but not of 4 and not 3, and the kernel wider than 1. Spectrograms
 * of 256, 1024 or 4096 points (129, 513, 2049 bins, the last the default at 44.1 kHz) are such inputs at 4096 filters.
 * Zero channels, with zero weights, leave every output as it was. The input gradient's Conv has `bins` (odd) outputs.
 */
export function gpuSafeConvChannels(shape: NetShape): number {
  const { bins: C, filters: N, kernel: K } = shape;
  const broken = N % 4 === 0 && C % 3 === 0 && C % 4 !== 0 && C !== 3 && K > 1;
  return broken ? Math.ceil(C / 4) * 4 : C;
}

/**
 * The Conv form: input IO.spec (1 x C x T), weights IO.weights (N x C x K). The input gradient is a plain Conv with the
 * weights transposed and flipped in time (IO.flippedWeights), measured here ~1.5x faster than ConvTranspose. With
 * `convChannels` both are padded with zero channels inside the graph (gpuSafeConvChannels), a copy on the device.
 */
function directConv(g: GraphBuilder, shape: GraphShape, frames: number | string): ConvFragment {
  const { filters: N, bins: C, kernel: K } = shape;
  let spec = g.input(IO.spec, [1, C, frames]);
  let weights = g.input(IO.weights, [N, C, K]);
  const extra = (shape.convChannels ?? C) - C;
  if (extra > 0) {
    const pads = g.constInt64([0, 0, 0, 0, extra, 0]); // the channel axis, at its end
    spec = g.op('Pad', [spec, pads]);
    weights = g.op('Pad', [weights, pads]);
  }
  const conv = g.op('Conv', [spec, weights], { kernel_shape: [K] });
  return {
    output: g.op('Reshape', [conv, g.constInt64([N, -1])]),
    inputGradient: (dOutput) => directConvGradient(g, shape, frames, dOutput),
  };
}

/** The Conv form's input gradient alone: IO.grad (1 x C x T) from the gradient of the conv output (N x T'). */
function directConvGradient(g: GraphBuilder, shape: NetShape, frames: number | string, dOutput: string): void {
  const { filters: N, bins: C, kernel: K } = shape;
  const flipped = g.input(IO.flippedWeights, [C, N, K]);
  const d = g.op('Unsqueeze', [dOutput, g.constInt64([0])]);
  g.op('Conv', [d, flipped], { kernel_shape: [K], pads: [K - 1, K - 1] }, IO.grad);
  g.output(IO.grad, [1, C, frames]);
}

/**
 * The block form (overlap-save DFT, spectral-conv.ts): input IO.blocks (C x B x L, cut by frameBlocks), weights
 * IO.spectralWeights (Q x N x C: each real product's kernel side, blockSlots). Output N x (S B), its columns in the
 * order (j, b) for output frame b S + j: every use of the features (Gram matrices, sums of squares, the ReLU) is
 * indifferent to the order of time columns, and this order keeps every transpose here a move of whole rows. The input
 * gradient is IO.grad in block form (C x B x L), to be added back with overlapAddBlocks.
 */
function blockConv(g: GraphBuilder, shape: GraphShape, plan: BlockPlan, blocks: number | string): ConvFragment {
  const { filters: N, bins: C } = shape;
  const { length: L, hop: S, slots: Q } = plan;
  const x = g.input(IO.blocks, [C, blocks, L]);
  const weights = g.input(IO.spectralWeights, [Q, N, C]);
  // C x B x L -> C x B x Q (each product's block side).
  const spectrum = g.op('MatMul', [x, g.constFloat(blockAnalysisMatrix(plan), [L, Q])]);
  // N x Q x B: the real products for every filter and block (and through the inverse below: N x S x B).
  let byFilter: string;
  if (shape.weightsSecond) {
    // As X_q^T W_q^T (Q x B x N): onnxruntime folds the Transpose into the MatMul, which then packs the weights as its
    // second operand. onnxruntime-web's WebAssembly MatMul is faster so (188 against 260 ms at 10 s, 760 against 844
    // at 60 s; 45 against 38 ms natively, which keeps W X).
    const perSlotT = g.op('Transpose', [spectrum], { perm: [2, 1, 0] });
    const productsT = g.op('MatMul', [perSlotT, g.op('Transpose', [weights], { perm: [0, 2, 1] })]);
    byFilter = g.op('Transpose', [productsT], { perm: [2, 0, 1] });
  } else {
    // Q x C x B, then the products Q x N x B.
    const perSlot = g.op('Transpose', [spectrum], { perm: [2, 0, 1] });
    byFilter = g.op('Transpose', [g.op('MatMul', [weights, perSlot])], { perm: [1, 0, 2] });
  }
  const synthesisT = g.constFloat(transposeMatrix(blockSynthesisMatrix(plan), Q, S), [S, Q]);
  const outputs = g.op('MatMul', [synthesisT, byFilter]);
  return {
    output: g.op('Reshape', [outputs, g.constInt64([N, -1])]),
    inputGradient: (dOutput) => blockConvGradient(g, shape, plan, blocks, weights, dOutput),
  };
}

/**
 * The block form's input gradient alone: IO.grad (C x B x L) from the gradient of the conv output (N x S B), with the
 * weights `weights` (IO.spectralWeights, declared here when not given). Every step of blockConv, transposed and in
 * reverse order.
 */
function blockConvGradient(g: GraphBuilder, shape: NetShape, plan: BlockPlan, blocks: number | string, weights: string | null, dOutput: string): void {
  const { filters: N, bins: C } = shape;
  const { length: L, hop: S, slots: Q } = plan;
  const w = weights ?? g.input(IO.spectralWeights, [Q, N, C]);
  const dByFilter = g.op('MatMul', [g.constFloat(blockSynthesisMatrix(plan), [Q, S]), g.op('Reshape', [dOutput, g.constInt64([N, S, -1])])]);
  // Per product dZ_q^T W_q (B x C), with the weights as stored (no transposed copy): Q x B x N times Q x N x C.
  const dProductsT = g.op('Transpose', [dByFilter], { perm: [1, 2, 0] });
  const dPerSlot = g.op('MatMul', [dProductsT, w]);
  // Q x B x C -> C x B x Q -> the block side's transpose: C x B x L.
  const dSpectrum = g.op('Transpose', [dPerSlot], { perm: [2, 1, 0] });
  g.op('MatMul', [dSpectrum, g.constFloat(transposeMatrix(blockAnalysisMatrix(plan), L, Q), [Q, L])], {}, IO.grad);
  g.output(IO.grad, [C, blocks, L]);
}

/** The convolution in the form `plan` asks for. */
function convFragment(g: GraphBuilder, shape: GraphShape, plan: ConvPlan, frames: number | string, blocks: number | string): ConvFragment {
  return plan ? blockConv(g, shape, plan, blocks) : directConv(g, shape, frames);
}

/**
 * The kernels' side of the block form's products for a group of n filters: weights n x C x K -> Q x (n C), row q
 * holding product q's (blockSlots). StyleNet runs it on groups of filters and places the rows into the block form's
 * Q x N x C weights. (Measured at 4096 filters with the four-product form's 2P rows: 0.8 s in groups of 512, 1.8 s in
 * one run, most of it the 571 MB output crossing into JavaScript; with the small matrix read transposed, or MatMul
 * then Transpose, slower still.)
 */
export function buildSpectralWeightsGraph(shape: NetShape, plan: BlockPlan): Uint8Array {
  const { bins: C, kernel: K } = shape;
  const Q = plan.slots;
  const g = new GraphBuilder('spectral_weights');
  const w = g.op('Reshape', [g.input(IO.weights, ['n', C, K]), g.constInt64([-1, K])]);
  const slotsT = transposeMatrix(kernelSlotMatrix(plan), K, Q);
  g.op('Gemm', [g.constFloat(slotsT, [Q, K]), w], { transB: 1 }, IO.spectralWeights);
  g.output(IO.spectralWeights, [Q, 'nC']);
  return g.toBytes();
}

/**
 * ReLU features N x T' of a whole input: in block form the B x S outputs are cut to the T' real ones (IO.featureFrames,
 * an int64 input, since T varies between runs of one session).
 */
function reluFeatures(g: GraphBuilder, shape: GraphShape, plan: ConvPlan): string {
  const conv = convFragment(g, shape, plan, 'T', 'B').output;
  if (!plan) return g.op('Relu', [conv]);
  // Block columns (j, b) back to time order (b, j), then the padding after T' cut off.
  const byTime = g.op('Transpose', [g.op('Reshape', [conv, g.constInt64([shape.filters, plan.hop, -1])])], { perm: [0, 2, 1] });
  const frames = g.inputInt64(IO.featureFrames, [1]);
  const flat = g.op('Reshape', [byTime, g.constInt64([shape.filters, -1])]);
  return g.op('Relu', [g.op('Slice', [flat, g.constInt64([0]), frames, g.constInt64([1])])]);
}

/** Forward graph: spectrogram (1 x C x T, any T; or its blocks) -> ReLU features (N x T'). */
export function buildFeaturesGraph(shape: GraphShape, plan: ConvPlan = null): Uint8Array {
  const g = new GraphBuilder('features');
  g.op('Identity', [reluFeatures(g, shape, plan)], {}, IO.features);
  g.output(IO.features, [shape.filters, 'Tf']);
  return g.toBytes();
}

/**
 * How a graph gives a Gram sum F F^T: as one N x N output (IO.gramSum), or with `halves` as its three distinct blocks
 * (GRAM_HALVES: F F^T is symmetric, so three quarters of the products); with `accumulate`, added to the sum(s) so far
 * that come in as inputs (IO.gramSoFar, or the blocks' own).
 */
export interface GramSumForm {
  halves?: boolean;
  accumulate?: boolean;
}

/** Rows of the Gram's top half when it is summed by halves: its blocks are H x H, H x (N - H) and (N - H) x (N - H). */
export function gramHalf(filters: number): number {
  return Math.floor(filters / 2);
}

/**
 * The inputs and outputs of a Gram summed by halves: the three distinct blocks of the symmetric F F^T, the top rows
 * against the top and the bottom ones, and the bottom rows against themselves.
 */
export const GRAM_HALVES = [
  { soFar: 'gram_so_far_top_left', sum: 'gram_sum_top_left', rows: 'top', columns: 'top' },
  { soFar: 'gram_so_far_top_right', sum: 'gram_sum_top_right', rows: 'top', columns: 'bottom' },
  { soFar: 'gram_so_far_bottom_right', sum: 'gram_sum_bottom_right', rows: 'bottom', columns: 'bottom' },
] as const;

/** The [rows, columns] of each of GRAM_HALVES' blocks at `filters` filters. */
export function gramHalvesSizes(filters: number): [number, number][] {
  const H = gramHalf(filters);
  const size = { top: H, bottom: filters - H };
  return GRAM_HALVES.map((block) => [size[block.rows], size[block.columns]]);
}

/** A part of `x` as a graph value (Slice, a copy): indices [starts, ends) along `axes`. */
function slice(g: GraphBuilder, x: string, starts: number[], ends: number[], axes: number[]): string {
  return g.op('Slice', [x, g.constInt64(starts), g.constInt64(ends), g.constInt64(axes)]);
}

/** The index ranges of GRAM_HALVES' top and bottom halves at `filters` filters. */
function halfRanges(filters: number): { top: [number, number]; bottom: [number, number] } {
  const H = gramHalf(filters);
  return { top: [0, H], bottom: [H, filters] };
}

/** The top and bottom halves of the rows of `x` (filters x columns), as GRAM_HALVES splits them. */
function rowHalves(g: GraphBuilder, x: string, filters: number): { top: string; bottom: string } {
  const range = halfRanges(filters);
  return { top: slice(g, x, [range.top[0]], [range.top[1]], [0]), bottom: slice(g, x, [range.bottom[0]], [range.bottom[1]], [0]) };
}

/**
 * Adds the Gram sum of `features` (N x columns) to the graph in the form asked for. By halves, each of the three
 * blocks is one Gemm over the features' top or bottom rows: a 512-frame chunk's sum took 62-65 ms against 79-88 ms as
 * one N x N Gemm at 4096 filters (onnxruntime-node, 2 threads), and 219-233 against 275-294 ms with its float64 sum in
 * JavaScript on onnxruntime-web's WebAssembly.
 */
function addGramSum(g: GraphBuilder, features: string, filters: number, { halves = false, accumulate = false }: GramSumForm): void {
  if (!halves) {
    const sumSoFar = accumulate ? [g.input(IO.gramSoFar, [filters, filters])] : [];
    g.op('Gemm', [features, features, ...sumSoFar], { transB: 1 }, IO.gramSum);
    g.output(IO.gramSum, [filters, filters]);
    return;
  }
  const half = rowHalves(g, features, filters);
  const sizes = gramHalvesSizes(filters);
  for (const [k, block] of GRAM_HALVES.entries()) {
    const sumSoFar = accumulate ? [g.input(block.soFar, sizes[k])] : [];
    g.op('Gemm', [half[block.rows], half[block.columns], ...sumSoFar], { transB: 1 }, block.sum);
    g.output(block.sum, sizes[k]);
  }
}

/** The graph name's suffix for a Gram-sum form. */
function formName({ halves = false, accumulate = false }: GramSumForm): string {
  return `${halves ? 'halves' : 'whole'}${accumulate ? '_accumulate' : ''}`;
}

/** Gram accumulation graph: spectrogram chunk -> F F^T (N x N, not normalised), so a long style is summarised chunk by chunk. */
export function buildGramSumGraph(shape: GraphShape, plan: ConvPlan = null, form: GramSumForm = {}): Uint8Array {
  const g = new GraphBuilder(`gram_sum_${formName(form)}`);
  addGramSum(g, reluFeatures(g, shape, plan), shape.filters, form);
  return g.toBytes();
}

/** ||X^T X||^2 for X (N x T): the constant ||A||^2 of the style loss in kernel form. */
export function buildGramNormGraph(filters: number): Uint8Array {
  const g = new GraphBuilder('gram_norm');
  const x = g.input(IO.styleFeatures, [filters, 'T']);
  const inner = g.op('Gemm', [x, x], { transA: 1 });
  sumOfSquares(g, inner, IO.gramNormSquared);
  g.output(IO.gramNormSquared, []);
  return g.toBytes();
}

/**
 * The objective and its gradient with respect to the spectrogram, in one graph (no autodiff at run time):
 *   F = relu(conv(S, W)),  Fn = F / sqrt(T'),  G = Fn Fn^T,  L_style = ||G - A||^2,  L_content = w ||F - P||^2,
 *   dL/dF = (4 (G - A) Fn / sqrt(T') + 2 w (F - P)) * [F > 0],   dL/dS = the convolution's adjoint applied to dL/dF
 * (see directConv and blockConv; in block form F has S x B columns, those past T' masked to 0). In kernel mode
 * (G - A) Fn is expanded as Fn (Fn^T Fn) - Fs (Fs^T Fn) with Fs = style features / sqrt(Ts'), and
 * L_style = ||Fn^T Fn||^2 - 2 ||Fs^T Fn||^2 + ||A||^2 (the constant is an input). In gram mode expanded through frames
 * (a short clip against a long style), (G - A) Fn is Fn (Fn^T Fn) - A Fn and L_style = ||Fn^T Fn||^2 - 2 <Fn, A Fn> +
 * ||A||^2: no N x N product is formed.
 */
export function buildObjectiveGraph(shape: ObjectiveShape): Uint8Array {
  const { filters: N, kernel: K, frames: T } = shape;
  const plan = shape.conv ?? null;
  const Tf = featureFrames(T, K);
  const columns = featureColumns(plan, Tf);
  const g = new GraphBuilder('style_objective');
  const conv = convFragment(g, shape, plan, T, plan ? blockCount(plan, Tf) : 0);
  // In block form the outputs past T' are not conv outputs: masking them to 0 leaves every sum below unchanged.
  const F = plan ? g.op('Mul', [g.op('Relu', [conv.output]), g.constFloat(validOutputMask(plan, Tf), [1, columns])]) : g.op('Relu', [conv.output]);
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
    const selfTerm = sumOfSquares(g, inner);
    const crossTerm = sumOfSquares(g, cross);
    styleLoss = g.op('Add', [g.op('Sub', [selfTerm, g.op('Mul', [crossTerm, g.scalar(2)])]), constant]);
    const diffTimesFn = g.op('Sub', [g.op('MatMul', [Fn, inner]), g.op('MatMul', [Fs, cross])]);
    dFn = g.op('Mul', [diffTimesFn, g.scalar(4)]);
  } else if (shape.expansion === 'frames') {
    const A = g.input(IO.styleGram, [N, N]);
    const constant = g.input(IO.styleConstant, []);
    const inner = g.op('Gemm', [Fn, Fn], { transA: 1 }); // T' x T'
    const styleTimesFn = g.op('MatMul', [A, Fn]); // N x T'
    const selfTerm = sumOfSquares(g, inner);
    const crossTerm = sumOfProducts(g, Fn, styleTimesFn);
    styleLoss = g.op('Add', [g.op('Sub', [selfTerm, g.op('Mul', [crossTerm, g.scalar(2)])]), constant]);
    dFn = g.op('Mul', [g.op('Sub', [g.op('MatMul', [Fn, inner]), styleTimesFn]), g.scalar(4)]);
  } else if (shape.gramHalves) {
    // By halves: G - A is symmetric, so of its blocks over the features' top and bottom rows only three are formed,
    // three quarters of G's products (GRAM_HALVES); the gradient's products need all four, the bottom-left block as the
    // top-right one transposed. At 60 s (4096 x 2578 features) these terms alone took 2.1 against 2.65 s on
    // WebAssembly, and a whole evaluation 7.4 against 8.7 s (onnxruntime-web in Node); on the CPU 386 against 415 ms,
    // but the run's peak RSS rose by 90 MB (the slices and blocks in the session's arena) for 2% of an evaluation, so
    // the CPU and the GPU keep one N x N difference (StyleNet.graphShape).
    const A = g.input(IO.styleGram, [N, N]);
    const half = rowHalves(g, Fn, N);
    const range = halfRanges(N);
    const [D11, D12, D22] = GRAM_HALVES.map((block) => {
      const [[r0, r1], [c0, c1]] = [range[block.rows], range[block.columns]];
      return g.op('Sub', [g.op('Gemm', [half[block.rows], half[block.columns]], { transB: 1 }), slice(g, A, [r0, c0], [r1, c1], [0, 1])]);
    });
    styleLoss = g.op('Add', [g.op('Add', [sumOfSquares(g, D11), sumOfSquares(g, D22)]), g.op('Mul', [sumOfSquares(g, D12), g.scalar(2)])]);
    const top = g.op('Add', [g.op('MatMul', [D11, half.top]), g.op('MatMul', [D12, half.bottom])]);
    const bottom = g.op('Add', [g.op('Gemm', [D12, half.top], { transA: 1 }), g.op('MatMul', [D22, half.bottom])]);
    dFn = g.op('Mul', [g.op('Concat', [top, bottom], { axis: 0 }), g.scalar(4)]);
  } else {
    const A = g.input(IO.styleGram, [N, N]);
    const D = g.op('Sub', [g.op('Gemm', [Fn, Fn], { transB: 1 }), A]);
    styleLoss = sumOfSquares(g, D);
    dFn = g.op('MatMul', [D, g.op('Mul', [Fn, g.scalar(4)])]);
  }
  let dF = g.op('Mul', [dFn, invSqrtT]);
  g.op('Identity', [styleLoss], {}, IO.styleLoss);
  g.output(IO.styleLoss, []);

  if (shape.withContent) {
    const P = g.input(IO.contentFeatures, [N, columns]);
    const w = g.input(IO.contentWeight, []);
    const E = g.op('Sub', [F, P]);
    const contentLoss = g.op('Mul', [sumOfSquares(g, E), w], {}, IO.contentLoss);
    g.output(IO.contentLoss, []);
    g.op('Add', [styleLoss, contentLoss], {}, IO.loss);
    dF = g.op('Add', [dF, g.op('Mul', [E, g.op('Mul', [w, g.scalar(2)])])]);
  } else {
    g.op('Identity', [styleLoss], {}, IO.loss);
  }
  g.output(IO.loss, []);

  // ReLU's derivative: pass the gradient where the unit was active.
  const active = g.op('Cast', [g.op('Greater', [F, g.scalar(0)])], { to: 1 });
  conv.inputGradient(g.op('Mul', [dF, active]));
  return g.toBytes();
}

/**
 * Gradient of one time chunk of a long spectrogram, given the whole clip's Gram difference D = G - A (N x N):
 *   F = relu(conv(S_c, W)),  dL/dF = (4 D F / T' + 2 w (F - P_c)) * [F > 0],  dL/dS_c = conv(pad(dL/dF, K-1), flip(W^T)),
 * and the chunk's content term w ||F - P_c||^2. Chunks overlap by K-1 input frames so their conv outputs tile the
 * clip; their input gradients add up where they overlap. `featureScale` is 4 / T' for the whole clip's T'. In block
 * form IO.outputMask (1 x S B) zeroes the chunk's padding outputs.
 */
export function buildChunkGradientGraph(shape: GraphShape & { withContent: boolean; conv?: ConvPlan; fromFeatures?: boolean }): Uint8Array {
  const { filters: N } = shape;
  const plan = shape.conv ?? null;
  const g = new GraphBuilder(shape.fromFeatures ? 'chunk_gradient_from_features' : 'chunk_gradient');
  // With `fromFeatures` the chunk's features come in (IO.features, as buildChunkFeaturesGraph gave them), so the
  // forward convolution is not done again; otherwise they are computed here from the chunk.
  let F: string;
  let inputGradient: (dOutput: string) => void;
  if (shape.fromFeatures) {
    F = g.input(IO.features, [N, 'BS']);
    inputGradient = (dOutput) => (plan ? blockConvGradient(g, shape, plan, 'B', null, dOutput) : directConvGradient(g, shape, 'T', dOutput));
  } else {
    const conv = convFragment(g, shape, plan, 'T', 'B');
    const relu = g.op('Relu', [conv.output]);
    F = plan ? g.op('Mul', [relu, g.input(IO.outputMask, [1, 'BS'])]) : relu;
    inputGradient = conv.inputGradient;
  }
  const D = g.input(IO.gramDifference, [N, N]);
  const scale = g.input(IO.featureScale, []);
  let dF = g.op('Mul', [g.op('MatMul', [D, F]), scale]);
  if (shape.withContent) {
    const P = g.input(IO.contentFeatures, [N, 'Tf']);
    const w = g.input(IO.contentWeight, []);
    const E = g.op('Sub', [F, P]);
    g.op('Mul', [sumOfSquares(g, E), w], {}, IO.contentLoss);
    g.output(IO.contentLoss, []);
    dF = g.op('Add', [dF, g.op('Mul', [E, g.op('Mul', [w, g.scalar(2)])])]);
  }
  const active = g.op('Cast', [g.op('Greater', [F, g.scalar(0)])], { to: 1 });
  inputGradient(g.op('Mul', [dF, active]));
  return g.toBytes();
}

/**
 * A chunk's features as the chunk-gradient graph computes them (ReLU, in block form with the padding outputs zeroed by
 * IO.outputMask, in its column order) and their Gram sum F F^T: the first pass of a chunked evaluation, when the
 * features are kept for the second (buildChunkGradientGraph with `fromFeatures`). With `gramSum.accumulate` the sum
 * so far comes in (IO.gramSoFar) and the output is it plus this chunk's F F^T, so that on a GPU the chunks' sums add up
 * there and only the total is copied out; with `halves` the sum is the three blocks of GRAM_HALVES.
 */
export function buildChunkFeaturesGraph(shape: GraphShape & { conv?: ConvPlan; gramSum?: GramSumForm }): Uint8Array {
  const plan = shape.conv ?? null;
  const form = shape.gramSum ?? {};
  const g = new GraphBuilder(`chunk_features_${formName(form)}`);
  const relu = g.op('Relu', [convFragment(g, shape, plan, 'T', 'B').output]);
  g.op('Identity', [plan ? g.op('Mul', [relu, g.input(IO.outputMask, [1, 'BS'])]) : relu], {}, IO.features);
  g.output(IO.features, [shape.filters, 'BS']);
  addGramSum(g, IO.features, shape.filters, form);
  return g.toBytes();
}
