/**
 * The random one-layer conv net the style is seen through: its weights (drawn from a seed), its convolution form
 * (onnxruntime's Conv or DFT blocks), and the sessions that give a spectrogram's features and Gram statistics.
 * The objectives built on it are in objectives.ts.
 */
import {
  IO,
  buildFeaturesGraph,
  buildGramNormGraph,
  buildGramSumGraph,
  buildSpectralWeightsGraph,
  chooseStyleMode,
  featureFrames,
  gpuSafeConvChannels,
  type ConvPlan,
  type GraphShape,
  type NetShape,
  type StyleMode,
} from './graphs.js';
import {
  computesOnGpu,
  createSession,
  disposeResident,
  floatTensor,
  residentTensor,
  int64Tensor,
  scalarOf,
  writesOutputsInPlace,
  type Runtime,
  type Session,
  type OrtTensor,
} from './runtime.js';
import { GramHalvesSums, addHalvesInto, completeFromHalves, gramFromHalves } from './gram-halves.js';
import { blockCount, chooseBlockPlan, blockPlan, frameBlocks, overlapAddBlocks, toBlockColumns, type BlockPlan } from './spectral-conv.js';
import { flipTransposeWeights, floatsFingerprint, randomWeightGroups, randomWeightGroupsDrawn, randomWeights, randomWeightsDrawn } from './weights.js';

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
 * The same for a net in DFT form, whose products and their transposes take ~4x the features' memory per chunk. Measured
 * on a 120 s clip (chunked): 2048 -> 2.39 GB peak RSS, 112 s; 1024 -> 1.90 GB, 120 s; 512 -> 1.69 GB, 126 s (the Conv
 * form at 2048: 1.79 GB, 170 s).
 */
export const DFT_CHUNK_FEATURE_FRAMES = 512;

/**
 * Feature frames per chunk on a GPU, for either form. There the intermediates live in the device's memory, not the
 * process's, and what a chunk used to cost was its run's copies between the two: the N x N Gram sum out, the N x N
 * difference in, the kept features out and in. On an H100 (WebGPU, 4096 filters, 150 s) that was 240-360 ms a chunk,
 * so that 512-frame DFT chunks took 3.45 s an evaluation against 0.29 s for the whole clip in one run. A chunk is
 * therefore as long as the longest clip run whole (LONG_CLIP_FEATURE_FRAMES), whose device memory every clip under
 * ~95 s already needs (about 2.6 GB at 4096 filters); and those copies now cross once an evaluation, not once a chunk
 * (ChunkedStyleObjective): 0.61 s an evaluation at 150 s, 1.36 s at 600 s (docs/benchmarks.md, "Long clips on a GPU").
 */
export const GPU_CHUNK_FEATURE_FRAMES = 4096;

/** Feature frames per chunk for a net of this convolution form, computing on the CPU or (`onGpu`) on a GPU. */
export function chunkFeatureFramesFor(conv: ConvPlan, onGpu = false): number {
  if (onGpu) return GPU_CHUNK_FEATURE_FRAMES;
  return conv ? DFT_CHUNK_FEATURE_FRAMES : CHUNK_FEATURE_FRAMES;
}

/**
 * How a net computes its convolution: 'auto' picks the block form where it saves work (chooseBlockPlan), except on a
 * GPU up to GPU_DIRECT_MAX_KERNEL.
 */
export type ConvolutionChoice = 'auto' | 'direct' | 'dft';

/**
 * The widest kernel for which 'auto' takes onnxruntime's Conv on a GPU. There the block form's evaluations can be
 * faster (22 against 42 ms at 10 s on an H100, kernel 11) but its weights, computed and read back for each net, cost
 * more than that saves at the default 15 evaluations: the Conv form ended first in each of six pairs at width 11, on an
 * H100 and an H200 (10 s: 3.97 against 4.50 s; 60 s: 12.3 against 13.6 s; 150 s in chunks: 23.3 against 29.2 s), and in
 * each of six at the default width 7 on an H100 (10 s: 3.17-3.66 against 4.49-4.76 s; 60 s: 11.6-12.8 against
 * 12.9-15.5 s; 150 s: 32.5 against 37.1 s), with less memory (docs/benchmarks.md, "At kernel 7"). Wider kernels, where
 * the block form saves more, are unmeasured there and keep it.
 */
export const GPU_DIRECT_MAX_KERNEL = 11;

/** The convolution plan for a kernel width and a choice; 'dft' forces the block form even where it is slower. */
export function convPlanFor(kernel: number, choice: ConvolutionChoice): ConvPlan {
  if (choice === 'direct') return null;
  const plan = chooseBlockPlan(kernel);
  if (plan || choice === 'auto') return plan;
  let length = 8;
  while (length <= kernel) length *= 2;
  return blockPlan(kernel, length);
}

/** The two forms a net's weights are kept in: W (N x C x K) for onnxruntime's Conv, the blocks' DFT otherwise. */
type WeightsForm = 'direct' | 'dft';

/** The layout of what StyleNet keeps in a WeightsStore; a new one makes new keys. */
const WEIGHTS_STORE_FORMAT = 1;

/** Fingerprints of the weights' computation by provider, kernel and block length (StyleNet.weightsFingerprint). */
const fingerprints = new Map<string, Promise<string>>();

/** Filters per run when computing the block form's weights: smaller outputs cross into JavaScript faster. */
const SPECTRAL_WEIGHTS_GROUP = 512;

/**
 * One random one-layer conv net (weights drawn once from a seed) and the sessions that evaluate it.
 * Lifecycle: StyleNet.create -> features / styleTarget / objective -> dispose.
 */
export class StyleNet {
  private featuresSession: Session | null = null;
  private gramSumSession: Session | null = null;
  private gramNormSession: Session | null = null;
  private gramSumTensors: GramHalvesSums | null = null;
  private weightsArray: Float32Array | null = null;
  private weightsTensor: OrtTensor | null = null;
  private flippedTensor: OrtTensor | null = null;
  private spectralTensor: OrtTensor | null = null;
  /** The weights' copies on the device, by input name (runtime.residentInputs). */
  private readonly residentWeights = new Map<string, OrtTensor>();

  private constructor(
    /** Where the graphs run. */
    readonly runtime: Runtime,
    /** Net sizes. */
    readonly shape: NetShape,
    /** Seed of the weights. */
    readonly seed: number,
    /** How the convolution is computed: null for onnxruntime's Conv, else DFT blocks (spectral-conv.ts). */
    readonly conv: ConvPlan,
  ) {}

  /** Draws a net's weights from `seed`; sessions are created when first needed. */
  static create(runtime: Runtime, shape: NetShape, seed: number, convolution: ConvolutionChoice = 'auto'): StyleNet {
    for (const [name, v] of Object.entries(shape)) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`net ${name} must be a positive integer, got ${v}`);
    }
    // The weights are drawn when first needed (prepare, or the first graph run), on the runtime's threads where it
    // has some (Runtime.normals).
    const onGpu = computesOnGpu(runtime) && shape.kernel <= GPU_DIRECT_MAX_KERNEL;
    return new StyleNet(runtime, shape, seed, convPlanFor(shape.kernel, convolution === 'auto' && onGpu ? 'direct' : convolution));
  }

  /**
   * Draws the weights in the form the convolution uses (the DFT blocks' weights, or W itself) now instead of at first
   * use, so that the net's first pass can be timed as what every later pass costs. `checkCancel` is called after each
   * group of filters (the whole takes about a second at the defaults here, more in a browser) and may throw to stop,
   * after the runtime's pause. With a store (Runtime.weightsStore) they are read from it where it has them, and saved
   * to it where not.
   */
  async prepare(checkCancel?: () => void): Promise<void> {
    if (this.conv) await this.spectralWeights(checkCancel);
    else if (!this.weightsArray) {
      const { filters: N, bins: C, kernel: K } = this.shape;
      const { normals } = this.runtime;
      this.weightsArray = await this.storedWeights('direct', N * C * K, async () =>
        normals ? randomWeightsDrawn(this.shape, this.seed, normals, checkCancel) : randomWeights(this.shape, this.seed),
      );
    }
  }

  /**
   * Feature frames per chunk where a clip is taken in chunks: by the convolution form on the CPU, larger on a GPU
   * (chunkFeatureFramesFor). Read at each use, since a runtime whose GPU fails falls back to the CPU.
   */
  get chunkFeatureFrames(): number {
    return chunkFeatureFramesFor(this.conv, computesOnGpu(this.runtime));
  }

  /**
   * The sizes its graphs are built with: on a GPU the Conv form's input padded to channels that onnxruntime's WebGPU
   * Conv computes right (gpuSafeConvChannels); on WebAssembly the block form's products in the order its MatMul runs
   * faster (weightsSecond) and a whole clip's Gram difference by halves (gramHalves). Read when a session is made; a
   * padded graph that ends up on the CPU after a fall-back still computes the same values.
   */
  get graphShape(): GraphShape {
    if (this.runtime.executionProviders[0] === 'wasm') return { ...this.shape, gramHalves: true, ...(this.conv ? { weightsSecond: true } : {}) };
    if (this.conv || !computesOnGpu(this.runtime)) return this.shape;
    const convChannels = gpuSafeConvChannels(this.shape);
    return convChannels === this.shape.bins ? this.shape : { ...this.shape, convChannels };
  }

  /**
   * The conv weights N x C x K, drawn from the seed on first use. A net in DFT form never needs them whole: reading
   * them costs their memory (184 MB at 4096 filters) and the time to draw them.
   */
  get weights(): Float32Array {
    this.weightsArray ??= randomWeights(this.shape, this.seed);
    return this.weightsArray;
  }

  /**
   * The block form's weights (Q x N x C) as a tensor, made on first use: read from the runtime's store, or computed
   * (computeSpectralWeights, calling `checkCancel` after each group of filters).
   */
  private async spectralWeights(checkCancel?: () => void): Promise<OrtTensor> {
    if (!this.spectralTensor) {
      const conv = this.conv;
      if (!conv) throw new Error('this net uses the direct convolution');
      const { filters: N, bins: C } = this.shape;
      const out = await this.storedWeights('dft', conv.slots * N * C, () => this.computeSpectralWeights(conv, checkCancel));
      this.spectralTensor = floatTensor(this.runtime, out, [conv.slots, N, C]);
    }
    return this.spectralTensor;
  }

  /** The block form's weights (Q x N x C), computed in onnxruntime SPECTRAL_WEIGHTS_GROUP filters a run. */
  private async computeSpectralWeights(conv: BlockPlan, checkCancel?: () => void): Promise<Float32Array> {
    const { filters: N, bins: C, kernel: K } = this.shape;
    const rows = conv.slots;
    const out = new Float32Array(rows * N * C);
    const session = await createSession(this.runtime, buildSpectralWeightsGraph(this.shape, conv));
    try {
      // Drawn group by group unless someone already asked for the whole array; on the runtime's threads, several
      // groups at once, where it has some.
      const groups =
        this.weightsArray || !this.runtime.normals
          ? randomWeightGroups(this.shape, this.seed, SPECTRAL_WEIGHTS_GROUP, this.weightsArray)
          : randomWeightGroupsDrawn(this.shape, this.seed, SPECTRAL_WEIGHTS_GROUP, this.runtime.normals, undefined, checkCancel);
      for await (const { first: n0, count: n, weights } of groups) {
        const group = floatTensor(this.runtime, weights, [n, C, K]);
        const part = (await session.run({ [IO.weights]: group }))[IO.spectralWeights].data as Float32Array;
        // Row q of the group goes to filters n0 .. n0 + n of product q.
        for (let r = 0; r < rows; r++) out.set(part.subarray(r * n * C, (r + 1) * n * C), (r * N + n0) * C);
        await this.runtime.pause?.();
        checkCancel?.();
      }
    } finally {
      await session.release();
    }
    return out;
  }

  /**
   * The weights in `form` (W itself, or the block form's) from the runtime's store where it has them, else computed by
   * `compute` and saved there. Without a store, just computed.
   */
  private async storedWeights(form: WeightsForm, length: number, compute: () => Promise<Float32Array>): Promise<Float32Array> {
    const store = this.runtime.weightsStore;
    if (!store) return compute();
    const key = await this.storeKey(form);
    const kept = await store.load(key, length);
    if (kept) return kept;
    const computed = await compute();
    // Keyed again: a GPU that failed meanwhile left the DFT to the CPU, whose rounding the key must then name.
    store.save(await this.storeKey(form), computed);
    return computed;
  }

  /**
   * A store key that names everything the weights in `form` depend on: the seed and sizes, the block plan, the
   * provider that computes the DFT (providers round differently), and a fingerprint of the same computation for a
   * tiny net of this kernel width (weightsFingerprint). A change to the draw or the transform thus makes new keys
   * instead of reading weights the code would no longer compute.
   */
  private async storeKey(form: WeightsForm): Promise<string> {
    const { filters, bins, kernel } = this.shape;
    const conv = form === 'dft' ? this.conv : null;
    const provider = conv ? (this.runtime.executionProviders[0] ?? 'cpu') : 'javascript';
    const fingerprint = await StyleNet.weightsFingerprint(this.runtime, kernel, conv);
    const block = conv && { length: conv.length, slots: conv.slots };
    return JSON.stringify({ format: WEIGHTS_STORE_FORMAT, form, seed: this.seed, filters, bins, kernel, block, provider, fingerprint });
  }

  /**
   * The fingerprint (floatsFingerprint) of a 2-filter, 3-bin net's weights, seed 1, in the form `conv` gives (W, or
   * the blocks' DFT computed by `runtime`'s provider, without its store): once per process, provider and plan.
   */
  private static weightsFingerprint(runtime: Runtime, kernel: number, conv: ConvPlan): Promise<string> {
    const tiny = { bins: 3, filters: 2, kernel };
    if (!conv) return Promise.resolve(floatsFingerprint(randomWeights(tiny, 1)));
    const key = `${runtime.executionProviders[0]} ${kernel} ${conv.length}`;
    let fingerprint = fingerprints.get(key);
    if (!fingerprint) {
      fingerprint = (async () => {
        const net = new StyleNet({ ...runtime, weightsStore: undefined, normals: undefined }, tiny, 1, conv);
        try {
          return floatsFingerprint(await net.computeSpectralWeights(conv));
        } finally {
          await net.dispose();
        }
      })();
      fingerprints.set(key, fingerprint);
      fingerprint.catch(() => fingerprints.delete(key));
    }
    return fingerprint;
  }

  /**
   * The inputs that carry frames [start, start + frames) of a C x rowLength spectrogram to a graph of this net:
   * the frames and W for the Conv form (plus flip(W^T) with `gradient`), their blocks and the DFT weights otherwise.
   */
  async specFeeds(data: Float32Array, rowLength: number, start: number, frames: number, gradient = false): Promise<Record<string, OrtTensor>> {
    const { bins: C } = this.shape;
    const weights = await this.weightFeeds(gradient);
    if (!this.conv) {
      const slice = start === 0 && frames === rowLength ? data : sliceFrames({ data, bins: C, frames: rowLength }, start, frames);
      return { [IO.spec]: floatTensor(this.runtime, slice, [1, C, frames]), ...weights };
    }
    const blocks = blockCount(this.conv, featureFrames(frames, this.shape.kernel));
    return { [IO.blocks]: floatTensor(this.runtime, frameBlocks(this.conv, data, C, rowLength, start, frames), [C, blocks, this.conv.length]), ...weights };
  }

  /**
   * The weights a graph of this net takes, the same on every run: W for the Conv form (plus flip(W^T) with
   * `gradient`), the DFT weights otherwise; on a GPU, their copies there (runtime.residentInputs).
   */
  async weightFeeds(gradient = false): Promise<Record<string, OrtTensor>> {
    const feeds: Record<string, OrtTensor> = this.conv
      ? { [IO.spectralWeights]: await this.spectralWeights() }
      : gradient
        ? { [IO.weights]: this.weightsInput(), [IO.flippedWeights]: this.flippedWeights() }
        : { [IO.weights]: this.weightsInput() };
    if (this.runtime.residentInputs) {
      for (const [name, tensor] of Object.entries(feeds)) {
        let copy = this.residentWeights.get(name);
        if (!copy) this.residentWeights.set(name, (copy = await residentTensor(this.runtime, tensor)));
        feeds[name] = copy;
      }
    }
    return feeds;
  }

  /**
   * Features N x featureFrames (frames [start, start + featureFrames) of rows of rowLength) laid out as the objective
   * graphs' feature columns: unchanged for the Conv form, in block column order otherwise.
   */
  featureColumnsOf(features: Float32Array, featureFrameCount: number, rowLength = featureFrameCount, start = 0): Float32Array {
    if (this.conv) return toBlockColumns(this.conv, features, this.shape.filters, featureFrameCount, rowLength, start);
    if (start === 0 && rowLength === featureFrameCount) return features;
    return sliceFrames({ data: features, bins: this.shape.filters, frames: rowLength }, start, featureFrameCount);
  }

  /** Adds a graph's input gradient for frames [start, start + frames) onto `grad` (C x rowLength), in the net's conv form. */
  addInputGradient(out: OrtTensor, grad: Float32Array, rowLength: number, start: number, frames: number): void {
    const { bins: C } = this.shape;
    const g = out.data as Float32Array;
    if (this.conv) {
      overlapAddBlocks(this.conv, g, C, grad, rowLength, start, frames);
      return;
    }
    for (let c = 0; c < C; c++) {
      const row = c * rowLength + start;
      for (let t = 0; t < frames; t++) grad[row + t] += g[c * frames + t];
    }
  }

  /** The weights a graph that only takes the input gradient needs: the block form's, or W flipped and transposed. */
  async gradientWeightFeeds(): Promise<Record<string, OrtTensor>> {
    if (this.conv) return this.weightFeeds();
    return { [IO.flippedWeights]: (await this.weightFeeds(true))[IO.flippedWeights] };
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
    this.weightsTensor ??= floatTensor(this.runtime, this.weights, [this.shape.filters, this.shape.bins, this.shape.kernel]);
    return this.weightsTensor;
  }

  /**
   * ReLU features of a spectrogram: N x (T - K + 1), filter-major. A clip longer than a chunk (chunkFeatureFrames) is
   * run chunk by chunk, as the Gram sums are: in one run a 60 s content's intermediates kept 316 MB in the session's
   * arena, and a 150 s run with a content weight peaked at 3.51 GiB against an estimate of 1.81 GiB.
   */
  async features(spec: LogSpectrogram, chunkFeatureFrames = this.chunkFeatureFrames): Promise<Float32Array> {
    const total = featureFrames(spec.frames, this.shape.kernel);
    let whole: Float32Array = new Float32Array(0);
    await this.eachFeatureChunk(spec, chunkFeatureFrames, ({ start, chunkOut }, features) => {
      if (chunkOut === total) whole = features; // one chunk: the run's own output, not a copy
      else {
        if (start === 0) whole = new Float32Array(this.shape.filters * total);
        placeColumns(whole, total, features, start);
      }
    });
    return whole;
  }

  /**
   * The ReLU features of a spectrogram a chunk at a time (chunksOf): `each` gets every chunk in order with its
   * N x chunkOut features, so that a caller can keep them in its own form without the whole clip's ever being held.
   */
  async eachFeatureChunk(
    spec: LogSpectrogram,
    chunkFeatureFrames: number,
    each: (chunk: ReturnType<typeof chunksOf>[number], features: Float32Array) => void,
  ): Promise<void> {
    this.checkSpec(spec);
    const session = (this.featuresSession ??= await createSession(this.runtime, buildFeaturesGraph(this.graphShape, this.conv)));
    for (const chunk of chunksOf(spec.frames, this.shape.kernel, chunkFeatureFrames)) {
      const out = await session.run(await this.wholeFeeds(spec.data, spec.frames, chunk.start, chunk.chunkIn));
      each(chunk, out[IO.features].data as Float32Array);
      await this.runtime.pause?.();
    }
  }

  /**
   * The style's statistics for an objective over `contentFrames` frames. Short styles are kept as scaled features
   * (kernel form); long ones are summarised as their N x N Gram, accumulated chunk by chunk so that the features of a
   * whole song are never held at once. Several spectrograms (excerpts of one style) are pooled: the statistics of all
   * their frames together, each excerpt's features its own (none spans two excerpts). `forceMode` overrides the choice
   * (tests compare the two forms). In the Gram form, `onProgress` gets the share of the style's frames read so far after
   * each chunk: a 10-minute style's pass takes 20 s.
   */
  async styleTarget(
    style: LogSpectrogram | LogSpectrogram[],
    contentFrames: number,
    forceMode?: StyleMode,
    onProgress?: (fraction: number) => void,
  ): Promise<StyleTarget> {
    const parts = Array.isArray(style) ? style : [style];
    if (parts.length === 0) throw new RangeError('styleTarget needs at least one spectrogram');
    for (const part of parts) this.checkSpec(part);
    const { filters, kernel } = this.shape;
    const Ts = parts.reduce((sum, part) => sum + featureFrames(part.frames, kernel), 0);
    const mode = forceMode ?? chooseStyleMode(filters, featureFrames(contentFrames, kernel), Ts);
    if (mode === 'kernel') {
      const features = parts.length === 1 ? await this.features(parts[0]) : await this.pooledFeatures(parts, Ts);
      const scale = 1 / Math.sqrt(Ts);
      for (let i = 0; i < features.length; i++) features[i] *= scale;
      this.gramNormSession ??= await createSession(this.runtime, buildGramNormGraph(filters));
      const out = await this.gramNormSession.run({ [IO.styleFeatures]: floatTensor(this.runtime, features, [filters, Ts]) });
      return { mode, features, featureFrames: Ts, constant: scalarOf(out[IO.gramNormSquared]) };
    }
    const total = new Float64Array(filters * filters);
    const part = new Float64Array(parts.length > 1 ? filters * filters : 0);
    let before = 0;
    for (const [k, spec] of parts.entries()) {
      const onChunk = onProgress && ((done: number): void => onProgress((before + done) / Ts));
      if (k === 0) await this.gramSumInto(spec, total, undefined, onChunk);
      else {
        await this.gramSumInto(spec, part, undefined, onChunk);
        for (let i = 0; i < total.length; i++) total[i] += part[i];
      }
      before += featureFrames(spec.frames, kernel);
    }
    // The in-place Gram sums served this pass; an objective never needs them (a chunked one sums in tensors of its own),
    // and holding one cost a 60 s run 86 MiB of peak. A later style pass or quality measure makes them again.
    this.gramSumTensors = null;
    // The sum rounded to float32 before dividing, as it always was: one style's target stays bit for bit the same.
    const gram = Float32Array.from(total);
    let constant = 0;
    for (let i = 0; i < gram.length; i++) {
      gram[i] /= Ts;
      constant += gram[i] * gram[i];
    }
    return { mode, gram, constant };
  }

  /** The features of several spectrograms side by side in time (N x Ts), each computed on its own. */
  private async pooledFeatures(parts: LogSpectrogram[], Ts: number): Promise<Float32Array> {
    const out = new Float32Array(this.shape.filters * Ts);
    let column = 0;
    for (const part of parts) column += placeColumns(out, Ts, await this.features(part), column);
    return out;
  }

  /** Sum over all frames of F F^T (N x N), computed on overlapping chunks whose conv outputs tile the whole clip. */
  async gramSum(spec: LogSpectrogram, chunkFeatureFrames = this.chunkFeatureFrames): Promise<Float32Array> {
    return Float32Array.from(await this.gramSumInto(spec, new Float64Array(this.shape.filters ** 2), chunkFeatureFrames));
  }

  /**
   * gramSum into a float64 accumulator (zeroed here), which callers that sum every evaluation keep and reuse. Its
   * session runs without onnxruntime's memory arena (see ChunkedStyleObjective.create). `onChunk` gets the feature
   * frames done after each chunk. The graph computes the symmetric Gram's three distinct blocks (GRAM_HALVES). Where the
   * runtime writes outputs in place (onnxruntime-node on the CPU) it adds them to their sums so far, in float32, two
   * sets taking turns (gramSumTensors), and the total is copied out once. Elsewhere each chunk's blocks come out and
   * are added here, in float64.
   */
  async gramSumInto(
    spec: LogSpectrogram,
    total: Float64Array,
    chunkFeatureFrames = this.chunkFeatureFrames,
    onChunk?: (featureFramesDone: number) => void,
  ): Promise<Float64Array> {
    const { filters: N, kernel: K } = this.shape;
    if (spec.bins !== this.shape.bins) throw new RangeError(`spectrogram has ${spec.bins} bins, the net expects ${this.shape.bins}`);
    if (total.length !== N * N) throw new RangeError('gramSumInto: the accumulator must hold N x N values');
    const sums = this.gramSums();
    this.gramSumSession ??= await createSession(this.runtime, buildGramSumGraph(this.graphShape, this.conv, { halves: true, accumulate: sums !== null }), {
      memoryArena: false,
    });
    if (sums) sums.reset();
    else total.fill(0);
    for (const { start, chunkIn, chunkOut } of chunksOf(spec.frames, K, chunkFeatureFrames)) {
      const feeds = await this.wholeFeeds(spec.data, spec.frames, start, chunkIn);
      if (sums) {
        await this.gramSumSession.run({ ...feeds, ...sums.feeds() }, sums.fetches());
        sums.advance();
      } else {
        const out = await this.gramSumSession.run(feeds);
        addHalvesInto(out, N, total);
      }
      onChunk?.(start + chunkOut);
      await this.runtime.pause?.();
    }
    return sums ? gramFromHalves(sums.blocks(), N, total) : completeFromHalves(total, N);
  }

  /**
   * The sums for gramSumInto's chunks to go between where the runtime writes outputs in place (writesOutputsInPlace),
   * kept by the net until its style pass is done, else null. Written in place rather than returned afresh, a chunk's
   * sum made a chunked evaluation 5-11% shorter at 150 s and 10% at 600 s, with a quarter fewer page faults
   * (docs/how-it-works.md); added up in the graph, they took 0.2-0.45 s off a 60 s run (6 chunks of style in each of
   * its 3 rounds).
   */
  private gramSums(): GramHalvesSums | null {
    if (!writesOutputsInPlace(this.runtime)) return null;
    this.gramSumTensors ??= new GramHalvesSums(this.runtime, this.shape.filters);
    return this.gramSumTensors;
  }

  /** Feeds of the features and Gram graphs: the block form also needs the number of real outputs. */
  private async wholeFeeds(data: Float32Array, rowLength: number, start: number, frames: number): Promise<Record<string, OrtTensor>> {
    const feeds = await this.specFeeds(data, rowLength, start, frames);
    if (this.conv) feeds[IO.featureFrames] = int64Tensor(this.runtime, [featureFrames(frames, this.shape.kernel)], [1]);
    return feeds;
  }

  /** Releases the sessions; the net cannot be used afterwards. */
  async dispose(): Promise<void> {
    // The device's copies go first: their buffers belong to the backend that the sessions keep alive.
    disposeResident(this.residentWeights.values());
    this.residentWeights.clear();
    const sessions = [this.featuresSession, this.gramSumSession, this.gramNormSession];
    this.featuresSession = this.gramSumSession = this.gramNormSession = null;
    this.gramSumTensors = null;
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

/**
 * Writes `part` (rows x its own columns, row-major) into columns [column, ...) of `out` (the same rows x `columns`);
 * returns the columns written.
 */
function placeColumns(out: Float32Array, columns: number, part: Float32Array, column: number): number {
  const rows = out.length / columns;
  const width = part.length / rows;
  for (let r = 0; r < rows; r++) out.set(part.subarray(r * width, (r + 1) * width), r * columns + column);
  return width;
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
