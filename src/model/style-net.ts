import {
  IO,
  buildFeaturesGraph,
  buildGramNormGraph,
  buildGramSumGraph,
  buildObjectiveGraph,
  buildChunkGradientGraph,
  chooseStyleMode,
  featureFrames,
  type NetShape,
  type StyleMode,
} from './graphs.js';
import { createSession, floatTensor, scalarOf, type Runtime, type Session, type OrtTensor } from './runtime.js';
import { flipTransposeWeights, randomWeights } from './weights.js';

/** A log-magnitude spectrogram as the model sees it: bins x frames, bin-major. */
export interface LogSpectrogram {
  /** Values, bins x frames. */
  data: Float32Array;
  /** Frequency bins (C). */
  bins: number;
  /** Frames (T). */
  frames: number;
}

/** What the objective compares against: the style's Gram statistics in the form chosen for the lengths at hand. */
export type StyleTarget =
  | { mode: 'kernel'; features: Float32Array; featureFrames: number; constant: number }
  | { mode: 'gram'; gram: Float32Array; constant: number };

/** Feature frames per chunk when summarising a long clip: bounds memory to N x 2048 features at a time. */
export const CHUNK_FEATURE_FRAMES = 2048;

/**
 * One random one-layer conv net (weights drawn once from a seed) and the sessions that evaluate it.
 * Lifecycle: StyleNet.create -> features / styleTarget / objective -> dispose.
 */
export class StyleNet {
  private featuresSession: Session | null = null;
  private gramSumSession: Session | null = null;
  private gramNormSession: Session | null = null;
  private readonly weightsTensor: OrtTensor;
  private flippedTensor: OrtTensor | null = null;

  private constructor(
    /** Where the graphs run. */
    readonly runtime: Runtime,
    /** Net sizes. */
    readonly shape: NetShape,
    /** Conv weights N x C x K. */
    readonly weights: Float32Array,
  ) {
    this.weightsTensor = floatTensor(runtime, weights, [shape.filters, shape.bins, shape.kernel]);
  }

  /** Draws a net's weights from `seed`; sessions are created when first needed. */
  static create(runtime: Runtime, shape: NetShape, seed: number): StyleNet {
    for (const [name, v] of Object.entries(shape)) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`net ${name} must be a positive integer, got ${v}`);
    }
    return new StyleNet(runtime, shape, randomWeights(shape, seed));
  }

  /** The weights of the input-gradient convolution, computed on first use. */
  flippedWeights(): OrtTensor {
    if (!this.flippedTensor) {
      const { filters, bins, kernel } = this.shape;
      this.flippedTensor = floatTensor(this.runtime, flipTransposeWeights(this.weights, this.shape), [bins, filters, kernel]);
    }
    return this.flippedTensor;
  }

  /** Tensor of the conv weights, shared by every session of this net. */
  weightsInput(): OrtTensor {
    return this.weightsTensor;
  }

  /** ReLU features of a spectrogram: N x (T - K + 1), filter-major. */
  async features(spec: LogSpectrogram): Promise<Float32Array> {
    this.checkSpec(spec);
    this.featuresSession ??= await createSession(this.runtime, buildFeaturesGraph(this.shape));
    const out = await this.featuresSession.run({
      [IO.spec]: floatTensor(this.runtime, spec.data, [1, spec.bins, spec.frames]),
      [IO.weights]: this.weightsTensor,
    });
    return out[IO.features].data as Float32Array;
  }

  /**
   * The style's statistics for an objective over `contentFrames` frames. Short styles are kept as scaled features
   * (kernel form); long ones are summarised as their N x N Gram, accumulated chunk by chunk so that the features of a
   * whole song are never held at once. `forceMode` overrides the choice (tests compare the two forms).
   */
  async styleTarget(style: LogSpectrogram, contentFrames: number, forceMode?: StyleMode): Promise<StyleTarget> {
    this.checkSpec(style);
    const { filters, kernel } = this.shape;
    const Ts = featureFrames(style.frames, kernel);
    const mode = forceMode ?? chooseStyleMode(filters, featureFrames(contentFrames, kernel), Ts);
    if (mode === 'kernel') {
      const features = await this.features(style);
      const scale = 1 / Math.sqrt(Ts);
      for (let i = 0; i < features.length; i++) features[i] *= scale;
      this.gramNormSession ??= await createSession(this.runtime, buildGramNormGraph(filters));
      const out = await this.gramNormSession.run({ [IO.styleFeatures]: floatTensor(this.runtime, features, [filters, Ts]) });
      return { mode, features, featureFrames: Ts, constant: scalarOf(out[IO.gramNormSquared]) };
    }
    const gram = await this.gramSum(style);
    let constant = 0;
    for (let i = 0; i < gram.length; i++) {
      gram[i] /= Ts;
      constant += gram[i] * gram[i];
    }
    return { mode, gram, constant };
  }

  /** Sum over all frames of F F^T (N x N), computed on overlapping chunks whose conv outputs tile the whole clip. */
  async gramSum(spec: LogSpectrogram, chunkFeatureFrames = CHUNK_FEATURE_FRAMES): Promise<Float32Array> {
    const { filters: N, kernel: K } = this.shape;
    const { bins: C } = spec;
    this.gramSumSession ??= await createSession(this.runtime, buildGramSumGraph(this.shape));
    const total = new Float64Array(N * N);
    for (const { start, chunkIn } of chunksOf(spec.frames, K, chunkFeatureFrames)) {
      const chunk = sliceFrames(spec, start, chunkIn);
      const out = await this.gramSumSession.run({
        [IO.spec]: floatTensor(this.runtime, chunk, [1, C, chunkIn]),
        [IO.weights]: this.weightsTensor,
      });
      const g = out[IO.gramSum].data as Float32Array;
      for (let i = 0; i < g.length; i++) total[i] += g[i];
    }
    return Float32Array.from(total);
  }

  /** Releases the sessions; the net cannot be used afterwards. */
  async dispose(): Promise<void> {
    const sessions = [this.featuresSession, this.gramSumSession, this.gramNormSession];
    this.featuresSession = this.gramSumSession = this.gramNormSession = null;
    await Promise.all(sessions.map((s) => s?.release()));
  }

  private checkSpec(spec: LogSpectrogram): void {
    if (spec.bins !== this.shape.bins) throw new RangeError(`spectrogram has ${spec.bins} bins, the net expects ${this.shape.bins}`);
    if (spec.frames < this.shape.kernel) {
      throw new RangeError(`spectrogram has ${spec.frames} frames, fewer than the kernel width ${this.shape.kernel}`);
    }
    if (spec.data.length !== spec.bins * spec.frames) throw new RangeError('spectrogram data length differs from bins x frames');
  }
}

/** Chunks of a clip of `frames` input frames whose conv outputs (at most `chunkFeatureFrames` each) tile the clip. */
export function chunksOf(frames: number, kernel: number, chunkFeatureFrames: number): { start: number; chunkIn: number; chunkOut: number }[] {
  const out = [];
  const total = featureFrames(frames, kernel);
  for (let start = 0; start < total; start += chunkFeatureFrames) {
    const chunkOut = Math.min(chunkFeatureFrames, total - start);
    out.push({ start, chunkIn: chunkOut + kernel - 1, chunkOut });
  }
  return out;
}

/** Frames [start, start + count) of a bins x frames spectrogram, as a contiguous bins x count array. */
function sliceFrames(spec: { data: Float32Array; bins: number; frames: number }, start: number, count: number): Float32Array {
  const { bins: C, frames: T, data } = spec;
  const out = new Float32Array(C * count);
  for (let c = 0; c < C; c++) out.set(data.subarray(c * T + start, c * T + start + count), c * count);
  return out;
}

/** The value of the objective at one point, by term. */
export interface ObjectiveValue {
  /** Total loss: style + content. */
  loss: number;
  /** Style term ||G - A||^2. */
  styleLoss: number;
  /** Content term w ||F - P||^2 (0 without content). */
  contentLoss: number;
}

/** Options of StyleObjective.create. */
export interface ObjectiveOptions {
  /** Frames of the optimised spectrogram. */
  frames: number;
  /** The style statistics, from StyleNet.styleTarget. */
  target: StyleTarget;
  /** Content features P (N x T') and weight w; omitted or w = 0 for style loss only. */
  content?: { features: Float32Array; weight: number };
}

/** A loss and its gradient over spectrograms of one length: StyleObjective or ChunkedStyleObjective. */
export interface SpectrogramObjective {
  /** Frames of the optimised spectrogram. */
  readonly frames: number;
  /** Evaluates the objective at spectrogram `x` (bins x frames) and writes its gradient into `grad`. */
  evaluate(x: Float32Array, grad: Float32Array): Promise<ObjectiveValue>;
  /** Replaces the content features P (another channel of the same length). */
  setContentFeatures(features: Float32Array): void;
  /** Releases its sessions. */
  dispose(): Promise<void>;
}

/**
 * The loss and its gradient with respect to a spectrogram of fixed length, on one onnxruntime session.
 * Lifecycle: create -> evaluate (many times) -> dispose.
 */
export class StyleObjective implements SpectrogramObjective {
  private readonly feeds: Record<string, OrtTensor>;

  private constructor(
    private readonly net: StyleNet,
    private readonly session: Session,
    /** Frames of the optimised spectrogram. */
    readonly frames: number,
    /** The Gram form in use. */
    readonly mode: StyleMode,
    feeds: Record<string, OrtTensor>,
  ) {
    this.feeds = feeds;
  }

  /** Builds the objective graph for these sizes and opens its session. */
  static async create(net: StyleNet, options: ObjectiveOptions): Promise<StyleObjective> {
    const { shape, runtime } = net;
    const { frames, target } = options;
    if (frames < shape.kernel) throw new RangeError(`the optimised spectrogram needs at least ${shape.kernel} frames, got ${frames}`);
    const withContent = options.content !== undefined && options.content.weight > 0;
    const Tf = featureFrames(frames, shape.kernel);
    const feeds: Record<string, OrtTensor> = {
      [IO.weights]: net.weightsInput(),
      [IO.flippedWeights]: net.flippedWeights(),
    };
    if (target.mode === 'kernel') {
      feeds[IO.styleFeatures] = floatTensor(runtime, target.features, [shape.filters, target.featureFrames]);
      feeds[IO.styleConstant] = floatTensor(runtime, Float32Array.of(target.constant), []);
    } else {
      feeds[IO.styleGram] = floatTensor(runtime, target.gram, [shape.filters, shape.filters]);
    }
    if (withContent && options.content) {
      if (options.content.features.length !== shape.filters * Tf) throw new RangeError('content features have the wrong size');
      feeds[IO.contentFeatures] = floatTensor(runtime, options.content.features, [shape.filters, Tf]);
      feeds[IO.contentWeight] = floatTensor(runtime, Float32Array.of(options.content.weight), []);
    }
    const model = buildObjectiveGraph({
      ...shape,
      frames,
      mode: target.mode,
      styleFeatureFrames: target.mode === 'kernel' ? target.featureFrames : undefined,
      withContent,
    });
    const session = await createSession(runtime, model);
    return new StyleObjective(net, session, frames, target.mode, feeds);
  }

  /** Evaluates the objective at spectrogram `x` (bins x frames) and writes its gradient into `grad`. */
  async evaluate(x: Float32Array, grad: Float32Array): Promise<ObjectiveValue> {
    const { bins } = this.net.shape;
    if (x.length !== bins * this.frames || grad.length !== x.length) throw new RangeError('objective: input or gradient has the wrong size');
    const out = await this.session.run({ ...this.feeds, [IO.spec]: floatTensor(this.net.runtime, x, [1, bins, this.frames]) });
    grad.set(out[IO.grad].data as Float32Array);
    const styleLoss = scalarOf(out[IO.styleLoss]);
    const contentLoss = out[IO.contentLoss] ? scalarOf(out[IO.contentLoss]) : 0;
    return { loss: styleLoss + contentLoss, styleLoss, contentLoss };
  }

  /** Replaces the content features P (another channel of the same length); the objective must have a content term. */
  setContentFeatures(features: Float32Array): void {
    const current = this.feeds[IO.contentFeatures];
    if (!current) throw new Error('this objective has no content term');
    if (features.length !== current.size) throw new RangeError('content features have the wrong size');
    this.feeds[IO.contentFeatures] = floatTensor(this.net.runtime, features, current.dims);
  }

  /** Releases the session. */
  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/**
 * The same objective for long clips, evaluated chunk by chunk so that no tensor spans the whole clip (a 10-minute clip
 * has 4096 x 25,830 features, 423 MB each, and the one-shot graph holds several). Two passes per evaluation: the Gram
 * matrix summed over chunks gives D = G - A, then each chunk's input gradient given D. The conv forward runs twice,
 * which costs about a third more per evaluation than the one-shot graph, in exchange for memory that does not grow
 * with the clip's length beyond the spectrogram itself. Needs the style in Gram form.
 */
export class ChunkedStyleObjective implements SpectrogramObjective {
  private contentFeatures: Float32Array | null;

  private constructor(
    private readonly net: StyleNet,
    private readonly session: Session,
    /** Frames of the optimised spectrogram. */
    readonly frames: number,
    private readonly styleGram: Float32Array,
    private readonly contentWeight: number,
    contentFeatures: Float32Array | null,
    private readonly chunkFeatureFrames: number,
  ) {
    this.contentFeatures = contentFeatures;
  }

  /** Builds the chunk-gradient graph and opens its session. */
  static async create(net: StyleNet, options: ObjectiveOptions & { chunkFeatureFrames?: number }): Promise<ChunkedStyleObjective> {
    const { target, frames } = options;
    if (target.mode !== 'gram') throw new Error('the chunked objective needs the style as a Gram matrix');
    if (frames < net.shape.kernel) throw new RangeError(`the optimised spectrogram needs at least ${net.shape.kernel} frames, got ${frames}`);
    const withContent = options.content !== undefined && options.content.weight > 0;
    const session = await createSession(net.runtime, buildChunkGradientGraph({ ...net.shape, withContent }));
    return new ChunkedStyleObjective(
      net,
      session,
      frames,
      target.gram,
      withContent ? (options.content as { weight: number }).weight : 0,
      withContent ? (options.content as { features: Float32Array }).features : null,
      options.chunkFeatureFrames ?? CHUNK_FEATURE_FRAMES,
    );
  }

  /** Evaluates the objective at spectrogram `x` (bins x frames) and writes its gradient into `grad`. */
  async evaluate(x: Float32Array, grad: Float32Array): Promise<ObjectiveValue> {
    const { runtime, shape } = this.net;
    const { bins: C, filters: N, kernel: K } = shape;
    const T = this.frames;
    if (x.length !== C * T || grad.length !== x.length) throw new RangeError('objective: input or gradient has the wrong size');
    const spec = { data: x, bins: C, frames: T };
    const Tf = featureFrames(T, K);
    // Pass 1: D = G - A and the style loss, in float64.
    const gram = await this.net.gramSum(spec, this.chunkFeatureFrames);
    const D = new Float32Array(N * N);
    let styleLoss = 0;
    for (let i = 0; i < D.length; i++) {
      const d = gram[i] / Tf - this.styleGram[i];
      D[i] = d;
      styleLoss += d * d;
    }
    // Pass 2: each chunk's input gradient, added where chunks overlap.
    grad.fill(0);
    let contentLoss = 0;
    const feeds: Record<string, OrtTensor> = {
      [IO.weights]: this.net.weightsInput(),
      [IO.flippedWeights]: this.net.flippedWeights(),
      [IO.gramDifference]: floatTensor(runtime, D, [N, N]),
      [IO.featureScale]: floatTensor(runtime, Float32Array.of(4 / Tf), []),
    };
    if (this.contentFeatures) feeds[IO.contentWeight] = floatTensor(runtime, Float32Array.of(this.contentWeight), []);
    for (const { start, chunkIn, chunkOut } of chunksOf(T, K, this.chunkFeatureFrames)) {
      feeds[IO.spec] = floatTensor(runtime, sliceFrames(spec, start, chunkIn), [1, C, chunkIn]);
      if (this.contentFeatures) {
        feeds[IO.contentFeatures] = floatTensor(runtime, sliceFrames({ data: this.contentFeatures, bins: N, frames: Tf }, start, chunkOut), [N, chunkOut]);
      }
      const out = await this.session.run(feeds);
      const g = out[IO.grad].data as Float32Array;
      for (let c = 0; c < C; c++) {
        const row = c * T + start;
        for (let t = 0; t < chunkIn; t++) grad[row + t] += g[c * chunkIn + t];
      }
      if (out[IO.contentLoss]) contentLoss += scalarOf(out[IO.contentLoss]);
    }
    return { loss: styleLoss + contentLoss, styleLoss, contentLoss };
  }

  /** Replaces the content features P (N x T'). */
  setContentFeatures(features: Float32Array): void {
    if (!this.contentFeatures) throw new Error('this objective has no content term');
    if (features.length !== this.contentFeatures.length) throw new RangeError('content features have the wrong size');
    this.contentFeatures = features;
  }

  /** Releases the session. */
  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/**
 * The sum of several objectives over the same spectrogram, e.g. nets of different kernel widths (Antognini et al.
 * 2019: several one-layer nets of different widths capture texture at several time scales).
 */
export class SumObjective implements SpectrogramObjective {
  private scratch = new Float32Array(0);

  /** Sums `parts`, which must share the spectrogram's length. */
  constructor(readonly parts: SpectrogramObjective[]) {
    if (parts.length === 0 || parts.some((p) => p.frames !== parts[0].frames)) throw new RangeError('SumObjective needs parts of one length');
    this.frames = parts[0].frames;
  }

  /** Frames of the optimised spectrogram. */
  readonly frames: number;

  /** Evaluates every part and adds their values and gradients. */
  async evaluate(x: Float32Array, grad: Float32Array): Promise<ObjectiveValue> {
    const total = await this.parts[0].evaluate(x, grad);
    if (this.scratch.length !== grad.length) this.scratch = new Float32Array(grad.length);
    const scratch = this.scratch;
    for (const part of this.parts.slice(1)) {
      const v = await part.evaluate(x, scratch);
      for (let i = 0; i < grad.length; i++) grad[i] += scratch[i];
      total.loss += v.loss;
      total.styleLoss += v.styleLoss;
      total.contentLoss += v.contentLoss;
    }
    return total;
  }

  /** Not meaningful for a sum (each net has its own content features): set them on the parts. */
  setContentFeatures(): void {
    throw new Error('set content features on each part of a SumObjective');
  }

  /** Releases every part. */
  async dispose(): Promise<void> {
    await Promise.all(this.parts.map((p) => p.dispose()));
  }
}
