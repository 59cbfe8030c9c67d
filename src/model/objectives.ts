/**
 * The objectives the optimiser minimises over a spectrogram, built on a StyleNet: one graph run per evaluation
 * (StyleObjective), chunk by chunk for long clips (ChunkedStyleObjective), or a sum over several nets (SumObjective).
 */
import {
  IO,
  buildObjectiveGraph,
  buildChunkGradientGraph,
  buildChunkFeaturesGraph,
  featureColumns,
  featureFrames,
  gramExpansion,
  type GramExpansion,
  type StyleMode,
} from './graphs.js';
import {
  computesOnGpu,
  createSession,
  disposeResident,
  floatTensor,
  hostTensor,
  residentTensor,
  scalarOf,
  writesOutputsInPlace,
  type Session,
  type OrtTensor,
} from './runtime.js';
import { decodeHalf, encodeHalf, type HalfBlock } from './half-float.js';
import { GramHalvesSums, addHalvesInto, completeFromHalves, differenceFromHalves } from './gram-halves.js';
import { validOutputMask, type BlockPlan } from './spectral-conv.js';
import { chunksOf, type LogSpectrogram, type StyleNet, type StyleTarget } from './style-net.js';

/** The value of the objective at one point, by term. */
export interface ObjectiveValue {
  /** Total loss: style + content + rhythm. */
  loss: number;
  /** Style term ||G - A||^2. */
  styleLoss: number;
  /** Content term w ||F - P||^2 (0 without content). */
  contentLoss: number;
  /** Rhythm term (0 without one; RhythmObjective). */
  rhythmLoss: number;
}

/** Options of StyleObjective.create. */
export interface ObjectiveOptions {
  /** Frames of the optimised spectrogram. */
  frames: number;
  /** The style statistics, from StyleNet.styleTarget. */
  target: StyleTarget;
  /** Content features P (N x T') and weight w; omitted or w = 0 for style loss only. */
  content?: { features: Float32Array; weight: number };
  /** With a Gram target, overrides gramExpansion's choice (tests and benches compare the two). */
  expansion?: GramExpansion;
  /**
   * false: one N x N Gram difference even where the runtime forms it by halves (StyleNet.graphShape, on WebAssembly),
   * which holds less in onnxruntime's heap; transfer() asks for it when only that fits the heap.
   */
  gramHalves?: boolean;
}

/** Options of ChunkedStyleObjective.create. */
export interface ChunkedObjectiveOptions extends Omit<ObjectiveOptions, 'content'> {
  /**
   * The content term: the content's features P (N x T', kept as given), or its spectrogram, whose features the
   * objective takes chunk by chunk and keeps at half precision (about half the memory: 218 MB against 423 MB for a
   * 10-minute clip at 4096 filters; each value within 2^-11 of the float32 one, relative). Omitted or w = 0: none.
   */
  content?: { features: Float32Array; weight: number } | { spectrogram: LogSpectrogram; weight: number };
  /** Feature frames per chunk (default: the net's). */
  chunkFeatureFrames?: number;
  /** Bytes of chunk features kept between the two passes (default FEATURE_CACHE_BYTES, on the device GPU_FEATURE_CACHE_BYTES); 0 computes every chunk twice. */
  featureCacheBytes?: number;
  /** On a device, bytes of content features kept there for the objective's life (default GPU_CONTENT_BYTES); 0 sends each chunk's with it. */
  contentDeviceBytes?: number;
}

/** A loss and its gradient over spectrograms of one length: StyleObjective or ChunkedStyleObjective. */
export interface SpectrogramObjective {
  /** Frames of the optimised spectrogram. */
  readonly frames: number;
  /**
   * Evaluates the objective at spectrogram `x` (bins x frames) and writes its gradient into `grad`. Where it runs in
   * parts (a long clip's chunks), `onProgress` hears the share of it done after each part (0-1).
   */
  evaluate(x: Float32Array, grad: Float32Array, onProgress?: (fraction: number) => void): Promise<ObjectiveValue>;
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
    /** In the Gram form, how the loss is expanded (gramExpansion); null in the kernel form. */
    readonly expansion: GramExpansion | null,
    /** Whether the Gram difference is formed by halves (GraphShape.gramHalves; only with the matrices expansion). */
    readonly gramHalves: boolean,
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
    const columns = featureColumns(net.conv, Tf);
    const feeds: Record<string, OrtTensor> = {};
    if (target.mode === 'kernel') {
      feeds[IO.styleFeatures] = floatTensor(runtime, target.features, [shape.filters, target.featureFrames]);
      feeds[IO.styleConstant] = floatTensor(runtime, Float32Array.of(target.constant), []);
    } else {
      feeds[IO.styleGram] = floatTensor(runtime, target.gram, [shape.filters, shape.filters]);
    }
    // A short clip against a long style (Gram form) takes its own Gram through T' x T' inner products when that is cheaper.
    const expansion = target.mode === 'gram' ? (options.expansion ?? gramExpansion(shape.filters, columns)) : null;
    if (expansion === 'frames') feeds[IO.styleConstant] = floatTensor(runtime, Float32Array.of(target.constant), []);
    if (withContent && options.content) {
      if (options.content.features.length !== shape.filters * Tf) throw new RangeError('content features have the wrong size');
      feeds[IO.contentFeatures] = floatTensor(runtime, net.featureColumnsOf(options.content.features, Tf), [shape.filters, columns]);
      feeds[IO.contentWeight] = floatTensor(runtime, Float32Array.of(options.content.weight), []);
    }
    // On a GPU the statistics and the weights are copied there once, now, so that every evaluation costs the same
    // (runtime.residentInputs).
    for (const [name, tensor] of Object.entries(feeds)) feeds[name] = await residentTensor(runtime, tensor);
    await net.weightFeeds(true);
    const graphShape = { ...net.graphShape, ...(options.gramHalves === false ? { gramHalves: false } : {}) };
    const model = buildObjectiveGraph({
      ...graphShape,
      frames,
      mode: target.mode,
      styleFeatureFrames: target.mode === 'kernel' ? target.featureFrames : undefined,
      expansion: expansion ?? undefined,
      withContent,
      conv: net.conv,
    });
    const session = await createSession(runtime, model);
    const byHalves = expansion === 'matrices' && graphShape.gramHalves === true;
    return new StyleObjective(net, session, frames, target.mode, expansion, byHalves, feeds);
  }

  /** Evaluates the objective at spectrogram `x` (bins x frames) and writes its gradient into `grad`. */
  async evaluate(x: Float32Array, grad: Float32Array): Promise<ObjectiveValue> {
    const { bins } = this.net.shape;
    if (x.length !== bins * this.frames || grad.length !== x.length) throw new RangeError('objective: input or gradient has the wrong size');
    const feeds = await this.net.specFeeds(x, this.frames, 0, this.frames, true);
    const out = await this.session.run({ ...this.feeds, ...feeds });
    grad.fill(0);
    this.net.addInputGradient(out[IO.grad], grad, this.frames, 0, this.frames);
    const styleLoss = scalarOf(out[IO.styleLoss]);
    const contentLoss = out[IO.contentLoss] ? scalarOf(out[IO.contentLoss]) : 0;
    return { loss: styleLoss + contentLoss, styleLoss, contentLoss, rhythmLoss: 0 };
  }

  /** Releases the session and the device's copies of its inputs. */
  async dispose(): Promise<void> {
    disposeResident(Object.values(this.feeds)); // before the session: their buffers belong to its backend
    await this.session.release();
  }
}

/**
 * Bytes of chunk features a chunked objective may keep from its first pass to its second, so that the second need not
 * compute them again: a clip's features are kept when all of them fit, up to 3.7 minutes at the defaults (19 chunks of
 * 512 frames, 8.25 MB each). At 180 s an evaluation took 11% less (11.2 s against 12.6 s, four alternating pairs), and
 * the run's peak RSS rose from 1.73 to 1.87 GB. Keeping only the first 37% of a 10-minute clip's chunks saved nothing
 * measurable (36.0 s an evaluation against 36.3) and raised its peak by 220 MB, to 2.97 million KiB: longer clips
 * keep none.
 */
export const FEATURE_CACHE_BYTES = 160 * 2 ** 20;

/**
 * Bytes of chunk features a chunked objective on a GPU may keep in the device's memory between its passes (when the
 * runtime keeps inputs there, Runtime.residentInputs): a clip's features are kept when all of them fit, up to ~25
 * minutes at the defaults (4096 filters, 0.7 MB a second of audio), on top of the ~2.6 GB a 4096-frame chunk needs
 * there. At 600 s on an H100 the run's GPU memory went from 2.7 to 4.0 GB with them and the Gram sums kept there, and
 * an evaluation from 4.5 to 1.36 s (DFT form; docs/benchmarks.md, "Long clips on a GPU"). Keeping them rather than computing them
 * again on the device: 2.44 against 2.81 s an evaluation at 600 s in the Conv form, for 56 MiB more of the GPU's peak.
 */
export const GPU_FEATURE_CACHE_BYTES = 2 ** 30;

/**
 * Bytes of the content's features a chunked objective on a GPU keeps in the device's memory for its whole life (when
 * the runtime keeps inputs there): all of them when they fit, else every chunk's are sent with it at every evaluation,
 * as on the CPU. At the defaults that is up to ~25 minutes of content (423 MB at 600 s); a run of several nets
 * (--kernels) shares it among them.
 */
export const GPU_CONTENT_BYTES = 2 ** 30;

/**
 * The same objective for long clips, evaluated chunk by chunk so that no tensor spans the whole clip (a 10-minute clip
 * has 4096 x 25,830 features, 423 MB each, and the one-shot graph holds several). Two passes per evaluation: the Gram
 * matrix summed over chunks gives D = G - A, then each chunk's input gradient given D. The second pass needs each
 * chunk's features again: the first pass keeps them when the whole clip's fit in FEATURE_CACHE_BYTES, else the second
 * pass runs the conv forward again. Memory does not grow with the clip's length beyond the spectrogram and that
 * bounded cache. Needs the style in Gram form.
 *
 * On a GPU whose runtime keeps inputs there, what crosses between the device and the process is the least it can be:
 * the chunks' Gram sums add up on the device and only the total comes out, D goes in once an evaluation, and the kept
 * features stay there (GPU_FEATURE_CACHE_BYTES). Copied out and in per chunk, those N x N and N x T' arrays made a
 * 4096-frame chunk cost ~650 ms on an H100, against ~150 ms for its arithmetic. The content's features, constant for
 * the objective's life, go there once when they fit (GPU_CONTENT_BYTES), as the one-shot objective's do.
 */
export class ChunkedStyleObjective implements SpectrogramObjective {
  private gramTotal: Float64Array | null = null;
  /** On the CPU (outputs written in place): the Gram's three distinct blocks that the chunks' sums go between (gramPass). */
  private gramSums: GramHalvesSums | null = null;
  private difference: Float32Array | null = null;

  private constructor(
    private readonly net: StyleNet,
    /** The second pass: each chunk's input gradient, from the kept features or from the chunk itself. */
    private readonly gradientSession: Session,
    /**
     * The first pass when the clip's features are kept (features and Gram), or when the Gram sums add up in the graph
     * (features and the Gram sum so far: on the device, or written in place on the CPU); null otherwise
     * (StyleNet.gramSumInto).
     */
    private readonly featuresSession: Session | null,
    /** Whether the features of the first pass are kept for the second. */
    private readonly keep: boolean,
    /** The device's N x N zeros that start the Gram sum there; null off the device. */
    private readonly zeroGram: OrtTensor | null,
    /** Whether the features session adds each chunk's Gram sum to the sum so far (on the device, or in place on the CPU). */
    private readonly accumulates: boolean,
    /** Frames of the optimised spectrogram. */
    readonly frames: number,
    private readonly styleGram: Float32Array,
    private readonly contentWeight: number,
    /** Chunk k's content features in the net's column form (N x columns), or null without a content term. */
    private readonly contentFeed: ((k: number, chunk: ReturnType<typeof chunksOf>[number]) => OrtTensor) | null,
    /** The device's copies of the chunks' content features, freed with the objective (empty off the device). */
    private readonly contentOnDevice: OrtTensor[],
    private readonly chunkFeatureFrames: number,
  ) {}

  /** Builds the chunk-gradient graphs and opens their sessions; takes the content's features when given its spectrogram. */
  static async create(net: StyleNet, options: ChunkedObjectiveOptions): Promise<ChunkedStyleObjective> {
    const { target, frames } = options;
    const { runtime } = net;
    if (target.mode !== 'gram') throw new Error('the chunked objective needs the style as a Gram matrix');
    if (frames < net.shape.kernel) throw new RangeError(`the optimised spectrogram needs at least ${net.shape.kernel} frames, got ${frames}`);
    const content = options.content && options.content.weight > 0 ? options.content : undefined;
    const withContent = content !== undefined;
    const chunkFeatureFrames = options.chunkFeatureFrames ?? net.chunkFeatureFrames;
    await net.weightFeeds(true); // on a GPU, copied there now rather than in the first evaluation
    const onDevice = computesOnGpu(runtime) && runtime.residentInputs === true;
    // The clip's features are kept between the passes when all of them fit: then the kept-features sessions are made.
    const chunks = chunksOf(frames, net.shape.kernel, chunkFeatureFrames);
    const featureBytes = chunks.reduce(
      (sum, c) => sum + 4 * net.shape.filters * featureColumns(net.conv, c.chunkOut),
      0,
    );
    const keep = featureBytes <= (options.featureCacheBytes ?? (onDevice ? GPU_FEATURE_CACHE_BYTES : FEATURE_CACHE_BYTES));
    // Without onnxruntime's memory arena: the Gram pass and the gradient pass run one after the other, and their
    // arenas would each keep their peak for the whole run (measured on a 120 s clip: 1.69 -> 1.48 GB peak RSS, 4% slower).
    const noArena = { memoryArena: false };
    const shape = { ...net.graphShape, withContent, conv: net.conv };
    const gradientSession = await createSession(runtime, buildChunkGradientGraph({ ...shape, fromFeatures: keep }), noArena);
    // The chunks' Gram sums add up inside the graph (Gemm's C) on the device, and on the CPU where outputs are written
    // into given tensors: there the sum so far and the next one take turns in two sets of tensors, the symmetric Gram's
    // three distinct blocks (three quarters of the products). That replaced a float64 sum in JavaScript, 16.7M
    // additions a chunk on one thread, 7% of a 150 s run (docs/how-it-works.md). Where the features are not kept, this
    // session's features output is let go at once.
    const accumulates = onDevice || writesOutputsInPlace(runtime);
    const featuresSession =
      keep || accumulates
        ? await createSession(runtime, buildChunkFeaturesGraph({ ...shape, gramSum: { accumulate: accumulates, halves: !onDevice } }), {
            ...noArena,
            outputsOnDevice: onDevice,
          })
        : null;
    const N = net.shape.filters;
    const contentOnDevice: OrtTensor[] = [];
    let contentFeed: ((k: number, chunk: ReturnType<typeof chunksOf>[number]) => OrtTensor) | null = null;
    if (content) {
      const columnsOf = await contentColumnsOf(net, content, frames, chunkFeatureFrames);
      const tensorOf = (k: number, chunk: ReturnType<typeof chunksOf>[number]): OrtTensor =>
        floatTensor(runtime, columnsOf(k, chunk), [N, featureColumns(net.conv, chunk.chunkOut)]);
      // The content's features in column form are the size of the clip's (featureBytes).
      if (onDevice && featureBytes <= (options.contentDeviceBytes ?? GPU_CONTENT_BYTES)) {
        // Sent once, now: fed with every chunk of every evaluation, they were 423 MB a 600 s clip's evaluation. The host's
        // copy (half precision when computed here) is then let go.
        try {
          for (const [k, chunk] of chunks.entries()) {
            contentOnDevice.push(await residentTensor(runtime, tensorOf(k, chunk)));
          }
        } catch (error) {
          disposeResident(contentOnDevice);
          throw error;
        }
        contentFeed = (k) => contentOnDevice[k];
      } else {
        contentFeed = tensorOf;
      }
    }
    const zeroGram = onDevice ? await residentTensor(runtime, floatTensor(runtime, new Float32Array(N * N), [N, N])) : null;
    return new ChunkedStyleObjective(
      net,
      gradientSession,
      featuresSession,
      keep,
      zeroGram,
      accumulates,
      frames,
      target.gram,
      content?.weight ?? 0,
      contentFeed,
      contentOnDevice,
      chunkFeatureFrames,
    );
  }

  /**
   * Evaluates the objective at spectrogram `x` (bins x frames) and writes its gradient into `grad`. `onProgress` hears
   * the share done after each chunk: a feature frame costs about the same in either pass (150 s clip: 4.3 s for the
   * Gram pass, 3.7 s for the gradient pass; 400 s, features not kept: 11.7 s and 13.0 s).
   */
  async evaluate(x: Float32Array, grad: Float32Array, onProgress?: (fraction: number) => void): Promise<ObjectiveValue> {
    const { runtime, shape } = this.net;
    const { bins: C, filters: N, kernel: K } = shape;
    const T = this.frames;
    if (x.length !== C * T || grad.length !== x.length) throw new RangeError('objective: input or gradient has the wrong size');
    const Tf = featureFrames(T, K);
    const plan = this.net.conv;
    const chunks = chunksOf(T, K, this.chunkFeatureFrames);
    const keep = this.keep;
    const maskOf = (chunkOut: number): OrtTensor => floatTensor(runtime, validOutputMask(plan as BlockPlan, chunkOut), [1, featureColumns(plan, chunkOut)]);
    const done = onProgress && ((featureFramesDone: number): void => onProgress(featureFramesDone / (2 * Tf)));
    // Tensors that may live on the device, freed however the evaluation ends.
    const features: OrtTensor[] = [];
    const onDevice: OrtTensor[] = [];
    try {
      // Pass 1: D = G - A and the style loss, in float64.
      const gram = await this.gramPass(x, chunks, maskOf, features, done);
      this.difference ??= new Float32Array(N * N); // kept across evaluations, as the Gram sum (67 MB each at 4096 filters)
      const D = this.difference;
      let styleLoss = 0;
      if (Array.isArray(gram)) {
        styleLoss = differenceFromHalves(gram, N, Tf, this.styleGram, D);
      } else {
        const whole = gram as ArrayLike<number>;
        for (let i = 0; i < D.length; i++) {
          const d = whole[i] / Tf - this.styleGram[i];
          D[i] = d;
          styleLoss += d * d;
        }
      }
      // Pass 2: each chunk's input gradient, added where chunks overlap.
      grad.fill(0);
      let contentLoss = 0;
      const difference = await residentTensor(runtime, floatTensor(runtime, D, [N, N])); // on a GPU, sent once
      onDevice.push(difference);
      const common: Record<string, OrtTensor> = {
        [IO.gramDifference]: difference,
        [IO.featureScale]: floatTensor(runtime, Float32Array.of(4 / Tf), []),
      };
      if (this.contentFeed) common[IO.contentWeight] = floatTensor(runtime, Float32Array.of(this.contentWeight), []);
      const weightFeeds = keep ? await this.net.gradientWeightFeeds() : {};
      for (const [k, chunk] of chunks.entries()) {
        const { start, chunkIn, chunkOut } = chunk;
        let feeds: Record<string, OrtTensor>;
        if (keep) {
          feeds = { ...weightFeeds, [IO.features]: features[k] };
        } else {
          feeds = await this.net.specFeeds(x, T, start, chunkIn, true);
          if (plan) feeds[IO.outputMask] = maskOf(chunkOut);
        }
        if (this.contentFeed) feeds[IO.contentFeatures] = this.contentFeed(k, chunk);
        const out = await this.gradientSession.run({ ...common, ...feeds });
        if (keep) disposeResident([features[k]]); // done with on the device
        this.net.addInputGradient(out[IO.grad], grad, T, start, chunkIn);
        if (out[IO.contentLoss]) contentLoss += scalarOf(out[IO.contentLoss]);
        done?.(Tf + start + chunkOut);
        await runtime.pause?.();
      }
      return { loss: styleLoss + contentLoss, styleLoss, contentLoss, rhythmLoss: 0 };
    } finally {
      disposeResident(onDevice);
      disposeResident(features); // a device tensor disposed twice is left alone the second time
    }
  }

  /**
   * The first pass: the Gram sum over every chunk (N x N, not normalised; on the CPU as its three distinct blocks,
   * GRAM_HALVES), with the chunks' features pushed onto `features` when they are kept. On the device the sums add up
   * there and only the total is copied out.
   */
  private async gramPass(
    x: Float32Array,
    chunks: ReturnType<typeof chunksOf>,
    maskOf: (chunkOut: number) => OrtTensor,
    features: OrtTensor[],
    done?: (featureFramesDone: number) => void,
  ): Promise<ArrayLike<number> | Float32Array[]> {
    const { runtime, shape } = this.net;
    const T = this.frames;
    const runChunk = async (
      { start, chunkIn, chunkOut }: (typeof chunks)[number],
      extra: Record<string, OrtTensor>,
      inPlace: Record<string, OrtTensor> | null,
    ): Promise<Record<string, OrtTensor>> => {
      const feeds = await this.net.specFeeds(x, T, start, chunkIn);
      if (this.net.conv) feeds[IO.outputMask] = maskOf(chunkOut);
      const session = this.featuresSession as Session;
      const out = inPlace ? await session.run({ ...feeds, ...extra }, { [IO.features]: null, ...inPlace }) : await session.run({ ...feeds, ...extra });
      if (this.keep) features.push(out[IO.features]);
      else disposeResident([out[IO.features]]);
      done?.(start + chunkOut);
      await runtime.pause?.();
      return out;
    };
    if (this.zeroGram) {
      let sum = this.zeroGram;
      try {
        for (const chunk of chunks) {
          const next = (await runChunk(chunk, { [IO.gramSoFar]: sum }, null))[IO.gramSum];
          if (sum !== this.zeroGram) disposeResident([sum]);
          sum = next;
        }
        return (await hostTensor(runtime, sum)).data as Float32Array;
      } finally {
        if (sum !== this.zeroGram) disposeResident([sum]);
      }
    }
    if (this.accumulates) {
      // On the CPU: each run reads the sums so far and writes them plus its chunk's into the other set, by halves. The
      // tensors are kept across evaluations (allocated per evaluation they only added to the peak until the garbage
      // collector came by).
      const sums = (this.gramSums ??= new GramHalvesSums(runtime, shape.filters));
      sums.reset();
      for (const chunk of chunks) {
        await runChunk(chunk, sums.feeds(), sums.fetches());
        sums.advance();
      }
      return sums.blocks();
    }
    // Otherwise (onnxruntime-web's WebAssembly) the chunks' Gram blocks are added here, in float64, kept across evaluations.
    const N = shape.filters;
    const gram = (this.gramTotal ??= new Float64Array(N * N));
    if (!this.keep) return this.net.gramSumInto({ data: x, bins: shape.bins, frames: T }, gram, this.chunkFeatureFrames, done);
    gram.fill(0);
    for (const chunk of chunks) {
      const out = await runChunk(chunk, {}, null);
      addHalvesInto(out, N, gram);
    }
    return completeFromHalves(gram, N);
  }

  /** Whether the chunks' Gram sums add up on the device (a GPU whose runtime keeps inputs there). */
  get gramOnDevice(): boolean {
    return this.zeroGram !== null;
  }

  /** Releases the sessions and the device's zeros and content features. */
  async dispose(): Promise<void> {
    // Before the sessions: the device's buffers belong to their backend.
    disposeResident(this.zeroGram ? [this.zeroGram, ...this.contentOnDevice] : this.contentOnDevice);
    await Promise.all([this.gradientSession.release(), this.featuresSession?.release()]);
  }
}

/**
 * A chunked objective's content features, chunk by chunk in the net's column form. Given as features, they are kept as
 * they are and each chunk's columns are cut from them when needed; given as a spectrogram, each chunk's are computed
 * once and kept at half precision, and decoded when needed.
 */
async function contentColumnsOf(
  net: StyleNet,
  content: NonNullable<ChunkedObjectiveOptions['content']>,
  frames: number,
  chunkFeatureFrames: number,
): Promise<(k: number, chunk: ReturnType<typeof chunksOf>[number]) => Float32Array> {
  const { filters: N, kernel: K } = net.shape;
  const Tf = featureFrames(frames, K);
  if ('features' in content) {
    const { features } = content;
    if (features.length !== N * Tf) throw new RangeError('content features have the wrong size');
    return (_k, { start, chunkOut }) => net.featureColumnsOf(features, chunkOut, Tf, start);
  }
  if (content.spectrogram.frames !== frames) {
    throw new RangeError(`the content spectrogram has ${content.spectrogram.frames} frames, the objective ${frames}`);
  }
  const kept: HalfBlock[] = [];
  await net.eachFeatureChunk(content.spectrogram, chunkFeatureFrames, ({ chunkOut }, features) => {
    kept.push(encodeHalf(net.featureColumnsOf(features, chunkOut)));
  });
  // One buffer for every chunk's decoded columns: a graph run is done with its inputs when it returns, and a new array
  // a chunk would be garbage that the process's peak carries until the collector comes by.
  let decoded = new Float32Array(0);
  return (k) => {
    const { length } = kept[k].bits;
    if (decoded.length < length) decoded = new Float32Array(length);
    return decodeHalf(kept[k], decoded.subarray(0, length));
  };
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

  /** Evaluates every part and adds their values and gradients; `onProgress` counts each part as an equal share. */
  async evaluate(x: Float32Array, grad: Float32Array, onProgress?: (fraction: number) => void): Promise<ObjectiveValue> {
    const n = this.parts.length;
    const partProgress = (i: number) => onProgress && ((fraction: number): void => onProgress((i + fraction) / n));
    const total = await this.parts[0].evaluate(x, grad, partProgress(0));
    if (this.scratch.length !== grad.length) this.scratch = new Float32Array(grad.length);
    const scratch = this.scratch;
    for (const [k, part] of this.parts.slice(1).entries()) {
      const v = await part.evaluate(x, scratch, partProgress(k + 1));
      for (let i = 0; i < grad.length; i++) grad[i] += scratch[i];
      total.loss += v.loss;
      total.styleLoss += v.styleLoss;
      total.contentLoss += v.contentLoss;
      total.rhythmLoss += v.rhythmLoss;
    }
    return total;
  }

  /** Releases every part. */
  async dispose(): Promise<void> {
    await Promise.all(this.parts.map((p) => p.dispose()));
  }
}
