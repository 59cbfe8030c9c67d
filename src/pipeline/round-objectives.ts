import type { LogSpectrogram, StyleNet, StyleTarget } from '../model/style-net.js';
import { ChunkedStyleObjective, GPU_CONTENT_BYTES, StyleObjective, SumObjective, type SpectrogramObjective } from '../model/objectives.js';
import { RhythmObjective, WithRhythmTerm, rhythmTarget, rhythmTermScale, type RhythmTarget } from '../model/rhythm-objective.js';
import { featureFrames } from '../model/shape.js';
import { binOrder, reorderBins } from './bin-order.js';
import { SideWorkTally } from './eta.js';
import { useChunkedObjective } from './memory.js';
import { contentTermWeight, iterationsPerRound, type TransferSettings } from './settings.js';
import { cropFrames } from '../dsp/spectrogram.js';
import { LATER_ROUND_STYLE_SECONDS, STYLE_EXCERPT_SECONDS, styleExcerpts, type FrameSpan } from './style-excerpt.js';

/** What a run's objectives are built from. */
export interface RoundObjectivesOptions {
  /** The run's nets, one per kernel width, drawn (StyleNet.prepare) or not. */
  nets: readonly StyleNet[];
  settings: TransferSettings;
  /** Frames of the optimised spectrogram. */
  frames: number;
  /** The style's log spectrogram (reordered in place for a round and put back). */
  style: LogSpectrogram;
  /** Each content channel's log spectrogram, for the content term (unused at content weight 0). */
  contents?: readonly LogSpectrogram[];
  /** Channels optimised. */
  channels: number;
  /** false: whole-clip objectives keep one N x N Gram difference where they would form it by halves (ObjectiveOptions.gramHalves). */
  gramHalves?: boolean;
  /** Throws CancelledError if the run was cancelled. */
  checkCancel: () => void;
  /** Called as a style pass or an objective build begins (for progress): which, and for which round. */
  onWork?: (work: 'statistics' | 'objective', round: number) => void;
  /** Called during a long style's pass (Gram form, chunk by chunk): the share of it done, over all the round's nets. */
  onStyleProgress?: (round: number, fraction: number) => void;
}

/**
 * The objectives of a run's (round, channel) steps. Each round after the first fits a new net when
 * `roundNets: 'vary'`: the nets read the frequency bins in that round's order (binOrder), and the style's statistics
 * and the content's features are taken in that order too. One objective and one set of style statistics are held at a
 * time (a long clip's objective holds hundreds of MB); each is built when a step first needs it, so a step order that
 * runs the rounds outside the channels takes each round's style statistics once. Counts the side work it does (style
 * passes, objective builds) for the optimise stage's ETA. Lifecycle: construct -> objectiveFor per step -> release (the nets stay the caller's).
 */
export class RoundObjectives {
  /** The order in which each round's nets read the bins (null: as they are). */
  readonly orders: (Int32Array | null)[];
  /** Style passes done and to do, counted in style frames read. */
  readonly stylePasses: SideWorkTally;
  /** Objectives built and to build. */
  readonly objectiveBuilds: SideWorkTally;
  /** For each distinct net round, the style's excerpts its nets read (null: all of it). */
  private readonly spans = new Map<number, FrameSpan[] | null>();
  private current: { channel: number; netRound: number; objective: SpectrogramObjective } | null = null;
  private targets: { netRound: number; list: StyleTarget[] } | null = null;
  /** The style's rhythm, taken once for every round (the term reads the bins by frequency, whatever their order). */
  private rhythm: RhythmTarget | null = null;

  constructor(private readonly options: RoundObjectivesOptions) {
    const { settings, frames, style, channels, nets } = options;
    const rounds = iterationsPerRound(settings).length;
    this.orders = Array.from({ length: rounds }, (_, round) => binOrder(style.bins, settings.seed, this.netRound(round)));
    // A later round's new net reads a long style in excerpts (styleExcerpts): at least a minute, at least twice the
    // output, so that its pass does not cost more than the round it serves. At a very coarse hop 10 s is few frames:
    // each excerpt stays several kernel widths long (most of its frames whole).
    const sr = settings.sampleRate;
    const widest = Math.max(...nets.map((n) => n.shape.kernel));
    const capFrames = Math.max(Math.ceil((LATER_ROUND_STYLE_SECONDS * sr) / settings.hop), 2 * frames);
    const excerptFrames = Math.max(Math.ceil((STYLE_EXCERPT_SECONDS * sr) / settings.hop), 4 * widest);
    for (let round = 0; round < rounds; round++) {
      const key = this.netRound(round);
      if (!this.spans.has(key)) this.spans.set(key, styleExcerpts(style.frames, capFrames, excerptFrames, key, rounds));
    }
    // The first style pass and objective are timed in the analyse stage and stand for the later ones.
    const keys = [...this.spans.keys()];
    this.stylePasses = new SideWorkTally(keys.reduce((sum, key) => sum + this.framesRead(key), 0));
    this.objectiveBuilds = new SideWorkTally(keys.length * channels);
  }

  /** The objective of `channel` in `round`: the one held if it is the same, else built (and the held one released). */
  async objectiveFor(channel: number, round: number): Promise<SpectrogramObjective> {
    const key = this.netRound(round);
    if (this.current && this.current.channel === channel && this.current.netRound === key) return this.current.objective;
    await this.release(false);
    if (this.targets?.netRound !== key) {
      this.targets = null;
      this.options.onWork?.('statistics', round);
      const t0 = performance.now();
      this.targets = { netRound: key, list: await this.styleTargets(key, this.orders[round], round) };
      this.stylePasses.record(performance.now() - t0, this.framesRead(key));
    }
    this.options.onWork?.('objective', round);
    const t0 = performance.now();
    const objective = await this.objective(channel, this.orders[round], this.targets.list);
    this.objectiveBuilds.record(performance.now() - t0);
    this.current = { channel, netRound: key, objective };
    return objective;
  }

  /**
   * Lets go of what the step `next` will not use, before work that needs none of it (Griffin-Lim between rounds): the
   * objective held unless it is `next`'s, and the style statistics unless `next` reads them. Both would go when `next`
   * builds its own anyway; going first, their memory (a long clip's objective keeps its sessions and features, a
   * Gram target is N x N) is free for that work instead of adding to it.
   */
  async releaseUnusedBy(next: { channel: number; round: number }): Promise<void> {
    const key = this.netRound(next.round);
    if (this.current?.channel === next.channel && this.current.netRound === key) return;
    await this.release(this.targets?.netRound !== key);
  }

  /** Disposes the objective held, and with `dropTargets` (the default) lets the style statistics go too. */
  async release(dropTargets = true): Promise<void> {
    const old = this.current;
    this.current = null; // so that, if building the next one fails, a later release does not dispose this one twice
    if (dropTargets) this.targets = null;
    await old?.objective.dispose();
  }

  /** With one net for all rounds every round is round 0 to the nets: the same order, statistics and objective. */
  private netRound(round: number): number {
    return this.options.settings.roundNets === 'vary' ? round : 0;
  }

  private framesRead(netRound: number): number {
    return this.spans.get(netRound)?.reduce((sum, span) => sum + span.frames, 0) ?? this.options.style.frames;
  }

  /**
   * The style's statistics under every net, the nets of `netRound` reading the bins in `order`: of the whole style
   * (reordered in place and put back) or of its excerpts (copies, reordered).
   */
  private async styleTargets(netRound: number, order: Int32Array | null, round: number): Promise<StyleTarget[]> {
    const { style, nets, frames, checkCancel, onStyleProgress } = this.options;
    const excerpts = this.spans.get(netRound)?.map((span) => cropFrames(style, span.start, span.frames));
    const parts = excerpts ?? [style];
    if (order) for (const part of parts) reorderBins(part.data, part.bins, part.frames, order);
    try {
      const list: StyleTarget[] = [];
      for (const [i, net] of nets.entries()) {
        // Long clips run chunk by chunk, with the style as a Gram matrix; short ones in one graph run, in the cheaper form.
        const chunked = useChunkedObjective(featureFrames(frames, net.shape.kernel));
        const onProgress = onStyleProgress && ((fraction: number): void => onStyleProgress(round, (i + fraction) / nets.length));
        list.push(await net.styleTarget(parts, frames, chunked ? 'gram' : undefined, onProgress));
        checkCancel();
      }
      return list;
    } finally {
      if (order && !excerpts) reorderBins(style.data, style.bins, style.frames, order, true);
    }
  }

  /**
   * The objective of one channel against the style statistics `list`, its nets reading the bins in `order`: the
   * content's features are taken in that order too.
   */
  private async objective(channel: number, order: Int32Array | null, list: StyleTarget[]): Promise<SpectrogramObjective> {
    const { settings, nets, frames, contents, checkCancel } = this.options;
    const content = settings.contentWeight > 0 ? contents?.[channel] : undefined;
    const parts: SpectrogramObjective[] = [];
    if (order && content) reorderBins(content.data, content.bins, content.frames, order);
    try {
      for (const [i, net] of nets.entries()) {
        const weight = content ? contentTermWeight(settings.contentWeight, frames, net.shape.kernel) : 0;
        // styleTargets took the style as a Gram matrix exactly where the chunked objective is used. That one takes the
        // content's features itself, a chunk at a time, and keeps them at half precision: the whole clip's are never
        // held in float32 (423 MB at 10 minutes).
        const chunked = useChunkedObjective(featureFrames(frames, net.shape.kernel));
        if (chunked) {
          // On a GPU each net's objective keeps its content features there: GPU_CONTENT_BYTES is shared among them.
          const contentDeviceBytes = GPU_CONTENT_BYTES / nets.length;
          parts.push(await ChunkedStyleObjective.create(net, { frames, target: list[i], content: content && { spectrogram: content, weight }, contentDeviceBytes }));
        } else {
          parts.push(await StyleObjective.create(net, { frames, target: list[i], content: content && { features: await net.features(content), weight }, gramHalves: this.options.gramHalves }));
        }
        checkCancel();
      }
    } catch (err) {
      await Promise.all(parts.map((p) => p.dispose()));
      throw err;
    } finally {
      if (order && content) reorderBins(content.data, content.bins, content.frames, order, true);
    }
    const objective = parts.length === 1 ? parts[0] : new SumObjective(parts);
    if (!(settings.rhythmWeight > 0)) return objective;
    this.rhythm ??= rhythmTarget(this.options.style, frames, settings);
    const scale = rhythmTermScale(settings.filters, this.options.style.bins, nets.length);
    return new WithRhythmTerm(objective, new RhythmObjective(frames, this.rhythm, settings.rhythmWeight, scale, order));
  }
}
