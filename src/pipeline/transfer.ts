import { decodeAudio, toMono, type AudioClip } from '../audio/decode.js';
import { CONTENT_PEAK_DBFS, MIN_LEFT_OUT_SILENCE_SECONDS, QUIET_CONTENT_DBFS, peakGainDb, silentEnds, withGain, withoutDc } from '../audio/level.js';
import { resample } from '../audio/resample.js';
import { peak } from '../audio/wav.js';
import { loadFastFft } from '../dsp/fft.js';
import { griffinLimHere } from '../dsp/griffin-lim.js';
import { Random } from '../dsp/random.js';
import { bandMaxima, bandMoments, levelGainForMeanLog, logMagnitude, magnitude, meanLogMagnitude, spectralConvergenceDb } from '../dsp/spectrogram.js';
import { StftPlan, frameCount, type Spectrogram } from '../dsp/stft.js';
import { textureStart } from '../dsp/texture-start.js';
import { CancelledError, InputError, ResourceError, UsageError } from '../errors.js';
import { computesOnGpu, type Runtime } from '../model/runtime.js';
import type { LogSpectrogram } from '../model/style-net.js';
import type { MinimizeResult } from '../optim/types.js';
import { DEFAULT_SETTINGS, kernelWidths, resolveSettings, type TransferSettings } from './settings.js';
import { SideWorkTally, optimiseRemainingMs } from './eta.js';
import { RoundObjectives } from './round-objectives.js';
import { betweenRounds, optimiseRound, reconstruct, roundPlan, roundSchedule, type ChannelState, type RunContext } from './rounds.js';
import { estimateMemory, formatBytes, type MemoryEstimate } from './memory.js';
import { controlPeaks, peakWarning, type PeakReport } from './peaks.js';
import { runNets } from './prepare.js';

/** Audio given to transfer: encoded file bytes (any format decodeAudio reads), or decoded channels. */
export type AudioSource = { bytes: Uint8Array; name: string } | (AudioClip & { name?: string });

/** What to restyle: a content clip (or a duration, for texture synthesis) and a style clip, plus any settings. */
export interface TransferRequest extends Partial<TransferSettings> {
  /** The audio whose structure is kept. Omit it and give `duration` to synthesise the style's texture. */
  content?: AudioSource;
  /** The audio whose timbre and texture are imposed. Any length. */
  style: AudioSource;
  /** Output length in seconds in texture mode (no content). */
  duration?: number;
  /** Refuse runs whose estimated peak memory exceeds this many bytes (the Node binding passes the available memory). */
  memoryLimitBytes?: number;
  /** Mix stereo content to mono (one optimisation instead of two). */
  mono?: boolean;
}

/**
 * Stages of a run, in order. transfer() goes through the first four; 'assess' is assessResult's (the held-out quality
 * measures the CLI and the web app take after it), which on a long clip takes seconds in Node and a minute in a browser.
 */
export type Stage = 'decode' | 'analyse' | 'optimise' | 'phase' | 'assess';

/**
 * A progress event: the stage, how far it is, and the loss during optimisation. Steps are of equal cost within a
 * stage (objective evaluations while optimising, Griffin-Lim iterations in the phase stage), so step/total drives an ETA.
 */
export interface ProgressEvent {
  /** Current stage. */
  stage: Stage;
  /** Steps done in this stage. */
  step: number;
  /**
   * Steps in this stage. Optimise: the evaluation budget, in which each finished round counts as its share even when it
   * converged early or its last line search ran past it; `evaluations` is the true count.
   */
  total: number;
  /** Optimiser iterations done (optimise stage). */
  iteration?: number;
  /**
   * Objective value at the optimiser's current point (optimise stage): that of the last accepted iteration, or of the
   * round's start. Sent after each evaluation, and again, at the same evaluation count, when an iteration is accepted.
   * Each round optimises a new objective (a new net, from Griffin-Lim's audio), so a new round's loss may start above
   * the last one's end: compare losses within a round.
   */
  loss?: number;
  /** The optimisation round this loss belongs to, counting from 1 (optimise stage, with a loss). */
  round?: number;
  /** The output channel this loss belongs to, counting from 0 (optimise stage, with a loss; channels run in turn). */
  channel?: number;
  /** Objective evaluations so far (optimise stage). */
  evaluations?: number;
  /**
   * The run's estimated peak memory, once the inputs are decoded and the run is known to fit what was allowed (one
   * analyse event carries it, before any large allocation): for a display to warn where the machine may be short.
   */
  memory?: MemoryEstimate;
  /** Milliseconds since the run started. */
  elapsedMs: number;
  /**
   * Estimated milliseconds left in this stage, where the pipeline knows better than step/total: in the optimise stage
   * it counts the work between evaluations still to come (later rounds' style statistics, Griffin-Lim between rounds);
   * in the analyse stage, during a long style's pass, the rest of that pass at its pace so far.
   */
  remainingMs?: number;
  /**
   * What the optimise stage is doing between evaluations, for display, e.g. 'round 2: style statistics 40%' or 'round
   * 1: phase reconstruction', or how far an evaluation of a long clip (past ~95 s, run in chunks) is: 'evaluation 3:
   * 40%'. Such an event carries no loss. On a long clip this work can take a minute, an evaluation several, with no
   * other event. In the analyse stage, a long style's pass: 'style statistics 40%' (then step/total are that
   * percentage of 100).
   */
  activity?: string;
}

/** Channels of content kept apart at most; content with more is mixed to mono (each channel costs a full optimisation). */
export const MAX_KEPT_CHANNELS = 2;

/** Hooks of a run. */
export interface TransferHooks {
  /** Called as the run progresses. */
  onProgress?: (event: ProgressEvent) => void;
  /** Cancels the run; transfer then rejects with a CancelledError within one optimiser step. */
  signal?: AbortSignal;
  /**
   * When cancelled while optimising, rebuild audio from the last accepted point and attach it to the CancelledError;
   * when cancelled while rebuilding the final audio, finish that (it is the result) and attach it.
   */
  partialOnCancel?: boolean;
}

/** Wall-clock milliseconds per stage. */
export interface StageTimings {
  decode: number;
  analyse: number;
  optimise: number;
  phase: number;
  total: number;
}

/** A clip as it came in, before it was brought to the working rate. */
export interface InputDescription {
  /** Its file name, or 'content' / 'style' for samples passed without one. */
  name: string;
  /** Its own sample rate in Hz. */
  sampleRate: number;
  /** Its own channels. */
  channels: number;
  /** Its length in seconds. */
  seconds: number;
  /**
   * The content's gain before analysis, in dB, one per channel analysed (`contentLevel: 'normalise'`: each channel's
   * peak brought to CONTENT_PEAK_DBFS; 0 where it was there already, kept as recorded or silent). Absent for the
   * style, which is analysed at its own level.
   */
  gainDb?: number[];
  /**
   * The style's silence left out before analysis, in seconds at its start and end (`styleSilence: 'trim'`; 0 where
   * none was). Absent for the content, whose length is the result's.
   */
  silenceLeftOut?: { start: number; end: number };
}

/** The result of a transfer. */
export interface TransferResult {
  /** What went in: the content (absent in texture synthesis) and the style, at their own rates and channels. */
  inputs: { content?: InputDescription; style: InputDescription };
  /** The output channels (the content's: mono, or stereo unless `mono`), at `sampleRate`, the content's length (or `duration`). Peak at most 1. */
  channels: Float32Array[];
  /** Output sample rate. */
  sampleRate: number;
  /** Settings used, defaults filled in. */
  settings: TransferSettings;
  /** Loss after each optimiser iteration (the first entry is the start), of the first channel. */
  lossHistory: number[];
  /**
   * Where each round after the first begins in `lossHistory`: the index of its first iteration's loss. With a new net
   * each round (`roundNets: 'vary'`) the loss there is another net's, so the curve jumps.
   */
  roundStarts: number[];
  /** Final loss and its terms, summed over channels. */
  finalLoss: { total: number; style: number; content: number; rhythm: number };
  /** Loss at the start, summed over channels, for the reduction ratio. */
  initialLoss: number;
  /** Optimiser iterations and objective evaluations done (all channels), and why the last one stopped. */
  optimiser: { iterations: number; evaluations: number; stopReason: MinimizeResult['stopReason'] };
  /** Median milliseconds per objective evaluation. */
  msPerEvaluation: number;
  /** Spectral convergence (dB) of the output audio against the optimised magnitude (worst channel): how well the phase was rebuilt. */
  spectralConvergenceDb: number;
  /** Log-magnitude spectrograms (bins x frames) of the content (mono mix), the style and the optimised result (first channel). */
  spectrograms: { content?: LogSpectrogram; style: LogSpectrogram; result: LogSpectrogram };
  /** Stage timings. */
  timings: StageTimings;
  /**
   * The output's peak before its control, and what the control did (`--peak`): the quality measures read a quieter
   * result as less styled.
   */
  peaks: PeakReport;
  /** Things the user should know (e.g. the limiter cut the output's peaks by 3 dB or more). */
  warnings: string[];
}

/**
 * The whole job: decode -> resample -> STFT log1p magnitude -> optimise each content channel's spectrogram so that its
 * random-net Gram matrix matches the style's (plus an optional content term) -> fast Griffin-Lim -> audio.
 * Stereo content keeps its two channels unless `mono`: each is optimised against the one style target, round by round
 * (roundSchedule), at twice the optimisation cost.
 */
export async function transfer(runtime: Runtime, request: TransferRequest, hooks: TransferHooks = {}): Promise<TransferResult> {
  const { content: contentSource, style: styleSource, duration, memoryLimitBytes, mono, ...rest } = request;
  const settings = resolveSettings(rest, contentSource ? 'transfer' : 'texture');
  const { signal } = hooks;
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  const report = (event: Omit<ProgressEvent, 'elapsedMs'>): void => hooks.onProgress?.({ ...event, elapsedMs: elapsed() });
  const checkCancel = (): void => {
    if (signal?.aborted) throw new CancelledError();
  };
  if (!contentSource && (duration === undefined || !(duration > 0))) {
    throw new UsageError('texture mode needs --duration SECONDS > 0 when no content is given');
  }
  if (contentSource && duration !== undefined) throw new UsageError('give either a content clip or --duration, not both');
  const warnings: string[] = [];
  const sr = settings.sampleRate;
  if (!contentSource) {
    // Settings about the content, given for a texture: say so rather than ignore them without a word.
    const unused = [...(settings.contentWeight > 0 ? ['--content-weight'] : []), ...(settings.init !== DEFAULT_SETTINGS.init ? ['--init'] : [])];
    if (unused.length > 0) warnings.push(`${unused.join(' and ')} ${unused.length > 1 ? 'have' : 'has'} no effect in texture synthesis (there is no content)`);
  }

  // Decode and bring both clips to the working rate: the style's distinct channels, and the content's channels (or
  // their mix), each brought to one peak level.
  report({ stage: 'decode', step: 0, total: 1 });
  const styleClip = await loadClip(styleSource, 'style');
  const styleInput = describeInput(styleClip, sourceName(styleSource, 'style'));
  let contentInput: InputDescription | undefined;
  // Its channels kept apart (identical ones as one), for a spectrogram without the cancellation a mix would have
  // (styleLogSpectrogram); without a DC offset, inaudible but a steady magnitude the result would be fitted to.
  const distinct = styleClip.channels.filter((c, k) => k === 0 || !sameSamples(c, styleClip.channels[0]));
  let style = await Promise.all(distinct.map(async (c) => withoutDc(await resample(c, styleClip.sampleRate, sr))));
  let contentChannels: Float32Array[] | undefined;
  let outputChannelCount = 1;
  if (contentSource) {
    const clip = await loadClip(contentSource, 'content');
    contentInput = describeInput(clip, sourceName(contentSource, 'content'));
    let channels = clip.channels;
    const mixToMono = mono || channels.length > MAX_KEPT_CHANNELS;
    outputChannelCount = mixToMono ? 1 : channels.length;
    if (mixToMono) {
      if (!mono) warnings.push(`content has ${channels.length} channels: mixed to mono (stereo is kept, more is not)`);
      channels = [toMono(clip)];
    } else if (channels.length === 2 && sameSamples(channels[0], channels[1])) {
      channels = [channels[0]]; // dual mono: one optimisation, copied to both channels at the end
    }
    const resampled = await Promise.all(channels.map(async (c) => withoutDc(await resample(c, clip.sampleRate, sr))));
    // Its level, unlike the style's, is not part of what is transferred: each channel is brought to one peak, which
    // the content term, the matched start and the content correlation all then read. Each on its own, as a mono run
    // of it would be: a result's channels take the style's level whatever their balance was (a stereo content with its
    // right channel 22 dB down came out with its channels 2.2 dB apart, a balanced one 2.1 dB), and a quieter channel
    // kept less of itself under one gain for both (docs/defaults.md, "The content's level").
    const gainsDb = resampled.map((c) => (settings.contentLevel === 'normalise' ? peakGainDb(c, CONTENT_PEAK_DBFS) : 0));
    contentChannels = resampled.map((c, k) => withGain(c, gainsDb[k]));
    contentInput.gainDb = gainsDb;
    const { name } = contentInput;
    gainsDb.forEach((gainDb, k) => {
      if (gainDb <= CONTENT_PEAK_DBFS - QUIET_CONTENT_DBFS) return;
      const which = resampled.length === 2 ? ` (${k === 0 ? 'left' : 'right'} channel)` : '';
      warnings.push(
        `${name}${which}: peaks at ${(CONTENT_PEAK_DBFS - gainDb).toFixed(0)} dBFS: raised by ${gainDb.toFixed(0)} dB to ${CONTENT_PEAK_DBFS} dBFS, ` +
          `its noise with it (--content-level keep analyses it as recorded)`,
      );
    });
  }
  checkCancel();
  const tDecode = elapsed();

  // Analyse: spectrograms, the net, the style's statistics.
  report({ stage: 'analyse', step: 0, total: 1 });
  await loadFastFft(); // PFFFT for every STFT from here on (fft.js if its wasm cannot load)
  const plan = new StftPlan(settings.nFft, settings.hop);
  const widths = kernelWidths(settings);
  const widest = Math.max(...widths);
  const minSamples = (widest - 1) * settings.hop;
  const checkLength = (samples: Float32Array, name: string): void => {
    if (samples.length < minSamples) {
      throw new InputError(
        name,
        `too short: ${(samples.length / sr).toFixed(3)} s, needs at least ${(minSamples / sr).toFixed(3)} s at --hop ${settings.hop} --kernel ${widest}`,
      );
    }
  };
  checkLength(style[0], sourceName(styleSource, 'style'));
  if (style.every((c) => peak(c) === 0)) throw new InputError(sourceName(styleSource, 'style'), 'is silent: there is no style to transfer');
  if (settings.styleSilence === 'trim') {
    const { kept, leftOut } = withoutSilentEnds(style, sr, minSamples);
    style = kept;
    styleInput.silenceLeftOut = leftOut;
    if (leftOut.start > 0 || leftOut.end > 0) {
      const parts = [...(leftOut.start > 0 ? [`${leftOut.start.toFixed(1)} s at its start`] : []), ...(leftOut.end > 0 ? [`${leftOut.end.toFixed(1)} s at its end`] : [])];
      warnings.push(`${styleInput.name}: silence left out, ${parts.join(' and ')} (--style-silence keep analyses it as given)`);
    }
  }
  const outLength = contentChannels ? contentChannels[0].length : Math.round((duration as number) * sr);
  if (contentChannels) {
    const name = sourceName(contentSource as AudioSource, 'content');
    checkLength(contentChannels[0], name);
    // Not refused: it still makes audio, the style's texture; but a silent content is most often the wrong file.
    if (contentChannels.every((c) => peak(c) === 0)) warnings.push(`${name}: is silent: the result is a texture of the style alone (--duration makes one without a content file)`);
  }
  else if (outLength < minSamples) throw new UsageError(`--duration ${duration}: must be at least ${(minSamples / sr).toFixed(3)} s`);

  const frames = frameCount(outLength, settings.hop);
  const channelCount = contentChannels?.length ?? 1;
  // A runtime that may still fall back to the CPU is estimated as the CPU: the fall-back comes after this check.
  const gpu = computesOnGpu(runtime) && !runtime.fallbackToCpu;
  const styleFrames = frameCount(style[0].length, settings.hop);
  let arrays = estimateMemory(settings, frames, styleFrames, channelCount, { gpu });
  // The whole-clip Gram difference by halves is faster on WebAssembly but holds more of its heap: a run that fits the
  // heap only with one N x N difference runs so (8192 filters at 44.1 kHz, 90 s against 150 s: a heap of 3560 MiB with
  // the halves, 3332 without, estimated at 4253 and 3883 MiB against the 4096 there are).
  let gramHalves = true;
  if (runtime.heapLimitBytes !== undefined && arrays.runtimeBytes > runtime.heapLimitBytes) {
    const lean = estimateMemory(settings, frames, styleFrames, channelCount, { gpu, gramHalves: false });
    if (lean.runtimeBytes < arrays.runtimeBytes) [arrays, gramHalves] = [lean, false];
  }
  const needed = { ...arrays, totalBytes: arrays.totalBytes + (runtime.threadBytes ?? 0) };
  if (memoryLimitBytes !== undefined && needed.totalBytes > memoryLimitBytes) {
    throw new ResourceError(
      `this run needs about ${formatBytes(needed.totalBytes)} of memory but ${formatBytes(memoryLimitBytes)} is available: ` +
        `use fewer --filters (now ${settings.filters}), a larger --hop (now ${settings.hop}) or a shorter content clip`,
    );
  }
  if (runtime.heapLimitBytes !== undefined && needed.runtimeBytes > runtime.heapLimitBytes) {
    // Past about 95 s the objective runs in chunks, so the clip's length hardly matters here: the nets' weights do
    // (filters x bins x kernel points, for each kernel width).
    const cures = [
      `fewer --filters (now ${settings.filters})`,
      `a smaller --n-fft (now ${settings.nFft})`,
      ...(widths.length > 1 ? [`one --kernels width (now ${widths.join(',')})`] : []),
      ...(settings.sampleRate > DEFAULT_SETTINGS.sampleRate ? [`a lower --sr (now ${settings.sampleRate})`] : []),
    ];
    throw new ResourceError(
      `this run needs about ${formatBytes(needed.runtimeBytes)} inside onnxruntime, whose memory here stops at ` +
        `${formatBytes(runtime.heapLimitBytes)}: use ${cures.slice(0, -1).join(', ')} or ${cures[cures.length - 1]}`,
    );
  }
  report({ stage: 'analyse', step: 0, total: 1, memory: needed });
  let t0 = performance.now();
  const styleSpec = styleLogSpectrogram(plan, style);
  // The time of one STFT of the output's length, to estimate Griffin-Lim's: the content's (the style's first STFT
  // also pays for warming up the FFT, several times an STFT's cost on a short clip), else one of the style's channels'.
  let stftMs = ((performance.now() - t0) * frames) / (styleSpec.frames * style.length);
  t0 = performance.now();
  const contentSpecs = contentChannels?.map((c) => toLogSpectrogram(plan, c));
  if (contentSpecs) stftMs = (performance.now() - t0) / contentSpecs.length;
  const contentMixSpec = contentChannels ? (contentChannels.length === 1 ? contentSpecs![0] : toLogSpectrogram(plan, mixDown(contentChannels))) : undefined;

  // One net per kernel width (one by default); the first keeps the user's seed, so a single net is unchanged.
  const nets = runNets(runtime, settings, plan.bins);
  // One objective at a time, built as the schedule first needs it (round-objectives.ts).
  let announce: (activity: string) => void = () => {};
  // A long style's pass, chunk by chunk: in the analyse stage (round 1) as the stage's own steps (percent of the pass)
  // with an ETA from the pass's pace; in later rounds (from where `announce` is set) as the activity between
  // evaluations.
  let passStartedAt = performance.now();
  let styleProgress = (_round: number, fraction: number): void => {
    const percent = Math.floor(100 * fraction);
    const spent = performance.now() - passStartedAt;
    report({ stage: 'analyse', step: percent, total: 100, activity: `style statistics ${percent}%`, remainingMs: fraction > 0 ? (spent / fraction) * (1 - fraction) : undefined });
  };
  const objectives = new RoundObjectives({
    nets,
    settings,
    frames,
    style: styleSpec,
    contents: contentSpecs,
    channels: channelCount,
    gramHalves,
    checkCancel,
    onWork: (work, round) => {
      if (work === 'statistics') passStartedAt = performance.now();
      announce(`round ${round + 1}: ${work === 'statistics' ? 'style statistics' : 'building the objective'}`);
    },
    onStyleProgress: (round, fraction) => styleProgress(round, fraction),
  });
  try {
    const { shares, budget: channelBudget } = roundPlan(settings);
    const { orders, stylePasses, objectiveBuilds } = objectives;
    // Griffin-Lim between rounds, for the ETA: priced at one log-magnitude STFT of the output's length per iteration
    // (measured: 20 ms an iteration against 21 ms an STFT, 5 s) until one has been timed.
    const reconstructions = new SideWorkTally(channelCount * (shares.length - 1), (settings.phaseIterations + 1) * stftMs);
    // The first objective belongs to the analyse stage: drawing the nets is most of its cost. They are drawn first, so
    // that the style pass and objective after them are timed as the later rounds' will be.
    for (const net of nets) await net.prepare(checkCancel);
    await objectives.objectiveFor(0, 0);
    // A texture stays under its style's loudest moment in every frequency bin (ceiling.ts).
    const ceiling = contentSpecs ? undefined : bandMaxima(styleSpec);
    const states: ChannelState[] = Array.from({ length: channelCount }, (_, c) => ({
      channel: c,
      x: initialSpectrogram(settings, contentSpecs?.[c], styleSpec, frames),
      lossHistory: [],
      roundStarts: [],
      evalTimes: [],
      iterations: 0,
      evaluations: 0,
      stopReason: 'iterations',
      final: { loss: NaN, styleLoss: NaN, contentLoss: NaN, rhythmLoss: NaN },
      betweenRoundsMs: 0,
      ceiling,
    }));
    // The audio as it is written: a texture at its spectrogram's level, the peaks controlled, the channels widened.
    const finish = (audio: Float32Array[]): { channels: Float32Array[]; peaks: PeakReport } => {
      if (!contentSpecs) matchOptimisedLevel(audio, states);
      const controlled = controlPeaks(audio, settings);
      const warning = peakWarning(controlled.peaks);
      if (warning) warnings.push(warning);
      return { channels: widen(controlled.channels, outputChannelCount), peaks: controlled.peaks };
    };
    const cancelledWith = (channels: Float32Array[]): CancelledError =>
      new CancelledError('cancelled', { channels, sampleRate: sr, iterations: states.reduce((a, st) => a + Math.max(0, st.lossHistory.length - 1), 0) });
    const tAnalyse = elapsed();

    // Optimise every channel in rounds. Progress counts objective evaluations, the unit of cost, against the budget.
    const budget = channelBudget * channelCount;
    const ctx: RunContext = {
      settings,
      plan,
      outLength,
      griffinLim: runtime.griffinLim ?? griffinLimHere,
      signal,
      evaluationsDone: 0,
      budgetDone: 0,
      optimisingMs: 0,
      roundStartMs: NaN,
      progress: (evaluations, budgetSteps, at, partial = 0) => {
        const optimising = ctx.optimisingMs + (Number.isNaN(ctx.roundStartMs) ? 0 : performance.now() - ctx.roundStartMs);
        const side = [stylePasses.work, objectiveBuilds.work, reconstructions.work];
        // Within an evaluation, its done share counts: the first one's ETA need not wait for its end.
        const remainingMs = optimiseRemainingMs(optimising, evaluations + partial, budget - budgetSteps - partial, side);
        report({ stage: 'optimise', step: budgetSteps, total: budget, ...at, evaluations, remainingMs });
      },
    };
    // From here on, the work between evaluations is announced (the first objective was the analyse stage's).
    announce = (activity) => ctx.progress(ctx.evaluationsDone, ctx.budgetDone, { activity });
    styleProgress = (round, fraction) => announce(`round ${round + 1}: style statistics ${Math.floor(100 * fraction)}%`);
    report({ stage: 'optimise', step: 0, total: budget, iteration: 0, evaluations: 0 });
    const schedule = roundSchedule(shares.length, channelCount, settings.roundNets);
    for (const [step, { round, channel }] of schedule.entries()) {
      try {
        await optimiseRound(ctx, states[channel], round, await objectives.objectiveFor(channel, round), orders[round]);
      } catch (err) {
        if (err instanceof CancelledError && hooks.partialOnCancel) {
          // The optimisers update x only at accepted points, so each x is the best point so far: rebuild them as audio.
          await objectives.release();
          const audio: Float32Array[] = [];
          for (const state of states) audio.push((await reconstruct(ctx, state, settings.phaseIterations)).audio);
          throw cancelledWith(finish(audio).channels);
        }
        throw err;
      }
      if (round < shares.length - 1) {
        // A later round of this channel follows, so there is a next step. What it will not use goes before Griffin-Lim
        // makes its arrays, and is collected: at 150 s, 140 MB of a released objective's arrays were still held then.
        await objectives.releaseUnusedBy(schedule[step + 1]);
        runtime.collectGarbage?.();
        announce(`round ${round + 1}: phase reconstruction`);
        reconstructions.record(await betweenRounds(ctx, states[channel]));
      }
    }
    await objectives.release();
    runtime.collectGarbage?.(); // the objectives' arrays, before the phase stage makes Griffin-Lim's
    // The stage ends at its total, also when the last round converged early, with where the optimiser ended: the last
    // channel's accepted point (a display's last line of the stage would otherwise show the one before the final
    // evaluation's).
    const last = states[states.length - 1];
    report({
      stage: 'optimise',
      step: budget,
      total: budget,
      iteration: last.iterations,
      loss: last.lossHistory[last.lossHistory.length - 1],
      round: shares.length,
      channel: last.channel,
      evaluations: ctx.evaluationsDone,
      remainingMs: 0,
    });
    const tOptimise = elapsed();

    // Phase reconstruction of the final spectrograms.
    const phaseTotal = settings.phaseIterations * channelCount;
    report({ stage: 'phase', step: 0, total: phaseTotal });
    let convergence = -Infinity;
    const audio: Float32Array[] = [];
    for (let c = 0; c < channelCount; c++) {
      const final = await reconstruct(ctx, states[c], settings.phaseIterations, {
        onIteration: (i) => {
          // With partialOnCancel this reconstruction is the step a cancel waits for: its audio is the result.
          if (!hooks.partialOnCancel) checkCancel();
          const step = c * settings.phaseIterations + i;
          if (i % 8 === 0 || i === settings.phaseIterations) report({ stage: 'phase', step, total: phaseTotal });
        },
      });
      // Judge the phase before any gain change: the measure compares against the optimised magnitude itself.
      convergence = Math.max(convergence, spectralConvergenceDb(states[c].phase as Spectrogram, final.magnitude));
      audio.push(final.audio);
    }
    const { channels, peaks } = finish(audio);
    if (hooks.partialOnCancel && signal?.aborted) throw cancelledWith(channels);
    const tPhase = elapsed();
    const sum = (f: (st: ChannelState) => number): number => states.reduce((a, st) => a + f(st), 0);
    const betweenRoundsMs = sum((st) => st.betweenRoundsMs);

    return {
      inputs: { content: contentInput, style: styleInput },
      channels,
      sampleRate: sr,
      settings,
      lossHistory: states[0].lossHistory,
      roundStarts: states[0].roundStarts,
      finalLoss: { total: sum((st) => st.final.loss), style: sum((st) => st.final.styleLoss), content: sum((st) => st.final.contentLoss), rhythm: sum((st) => st.final.rhythmLoss) },
      initialLoss: sum((st) => st.lossHistory[0]),
      optimiser: { iterations: sum((st) => st.iterations), evaluations: sum((st) => st.evaluations), stopReason: states[channelCount - 1].stopReason },
      msPerEvaluation: median(states.flatMap((st) => st.evalTimes)),
      spectralConvergenceDb: convergence,
      spectrograms: { content: contentMixSpec, style: styleSpec, result: { data: states[0].x, bins: plan.bins, frames } },
      // Griffin-Lim between rounds ran inside the optimise stage; count it as phase reconstruction.
      timings: {
        decode: tDecode,
        analyse: tAnalyse - tDecode,
        optimise: tOptimise - tAnalyse - betweenRoundsMs,
        phase: tPhase - tOptimise + betweenRoundsMs,
        total: tPhase,
      },
      peaks,
      warnings,
    };
  } finally {
    await objectives.release();
    await Promise.all(nets.map((n) => n.dispose()));
  }
}

/** Copies a single optimised channel to `count` output channels (dual-mono content). */
function widen(channels: Float32Array[], count: number): Float32Array[] {
  return channels.length >= count ? channels : Array.from({ length: count }, () => channels[0]);
}

function sameSamples(a: Float32Array, b: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function mixDown(channels: Float32Array[]): Float32Array {
  return toMono({ channels, sampleRate: 0 });
}

/**
 * Brings a texture's audio (in place, one gain for all channels) to the level of the spectrogram it was rebuilt from:
 * the same mean log magnitude. Griffin-Lim's audio is a little louder there than its target, because it fills the
 * valleys of a magnitude no signal has exactly; the held-out measures read that as distance from the style. Matched,
 * 8 s of the bundled drums came 0.118 from its style instead of 0.144, the plucks 0.141 instead of 0.198 (gains of
 * -0.6 and -1.0 dB; docs/defaults.md, "Texture synthesis"). Not in style transfer, where it moved the six bundled pairs by
 * -0.001 to +0.009 of style gain.
 */
function matchOptimisedLevel(audio: Float32Array[], states: readonly ChannelState[]): void {
  const target = states.reduce((sum, st) => sum + meanLogMagnitude(st.x), 0) / states.length;
  const gain = levelGainForMeanLog(states.map((st) => magnitude(st.phase as Spectrogram)), target);
  for (const channel of audio) for (let i = 0; i < channel.length; i++) channel[i] *= gain;
}

/** Decodes `source` if it is encoded bytes, or checks decoded channels. */
async function loadClip(source: AudioSource, role: string): Promise<AudioClip> {
  return 'bytes' in source ? decodeAudio(source.bytes, source.name) : checkClip(source, sourceName(source, role));
}

function checkClip(clip: AudioClip, name: string): AudioClip {
  if (clip.channels.length === 0 || clip.channels[0].length === 0) throw new InputError(name, 'no audio samples');
  if (!(clip.sampleRate > 0)) throw new InputError(name, `invalid sample rate ${clip.sampleRate}`);
  return clip;
}

function sourceName(source: AudioSource, role: string): string {
  return source.name ?? role;
}

/**
 * The style's channels without their silent ends (silentEnds of the loudest channel at each sample) where either lasts
 * over MIN_LEFT_OUT_SILENCE_SECONDS, and how many seconds of each were left out. A shorter end is kept: a loop's
 * closing rest is part of its rhythm. So is all of it if what remains would be shorter than `minSamples`, the net's
 * receptive field.
 */
function withoutSilentEnds(style: Float32Array[], sampleRate: number, minSamples: number): { kept: Float32Array[]; leftOut: { start: number; end: number } } {
  let loudest = style[0];
  if (style.length > 1) {
    loudest = style[0].map(Math.abs);
    for (const c of style.slice(1)) for (let i = 0; i < c.length; i++) loudest[i] = Math.max(loudest[i], Math.abs(c[i]));
  }
  const ends = silentEnds(loudest);
  const longest = MIN_LEFT_OUT_SILENCE_SECONDS * sampleRate;
  const start = ends.start > longest ? ends.start : 0;
  const end = ends.end > longest ? ends.end : 0;
  const length = style[0].length;
  if ((start === 0 && end === 0) || length - start - end < minSamples) return { kept: style, leftOut: { start: 0, end: 0 } };
  return { kept: style.map((c) => c.subarray(start, length - end)), leftOut: { start: start / sampleRate, end: end / sampleRate } };
}

/**
 * The style's log1p magnitude: of its one channel, or of the power mean of its channels' magnitudes. Their mix would
 * cancel where they differ in phase: a stereo style whose right channel is its left 1 ms later (a spaced pair of
 * microphones, a Haas widening) mixes to a comb filter, whose notches every 1 kHz the result then took as the
 * style's timbre (docs/defaults.md, "Stereo styles").
 */
function styleLogSpectrogram(plan: StftPlan, channels: Float32Array[]): LogSpectrogram {
  if (channels.length === 1) return toLogSpectrogram(plan, channels[0]);
  let power: Float32Array | undefined;
  let shape = { bins: 0, frames: 0 };
  for (const channel of channels) {
    const { re, im, bins, frames } = plan.forward(channel); // one channel's STFT at a time: a long style's are large
    power ??= new Float32Array(re.length);
    for (let i = 0; i < re.length; i++) power[i] += re[i] * re[i] + im[i] * im[i];
    shape = { bins, frames };
  }
  const data = power as Float32Array;
  for (let i = 0; i < data.length; i++) data[i] = Math.log1p(Math.sqrt(data[i] / channels.length));
  return { data, ...shape };
}

function describeInput(clip: AudioClip, name: string): InputDescription {
  return { name, sampleRate: clip.sampleRate, channels: clip.channels.length, seconds: clip.channels[0].length / clip.sampleRate };
}

/** log1p STFT magnitude of a signal. */
export function toLogSpectrogram(plan: StftPlan, signal: Float32Array): LogSpectrogram {
  const spec = plan.forward(signal);
  return { data: logMagnitude(spec), bins: spec.bins, frames: spec.frames };
}

/**
 * The optimiser's starting point. With content: the content's spectrogram with each bin moved to the style's average
 * level ('matched', the default: the held-out measures rate this EQ alone at 0.71 style gain and 0.85 content
 * correlation on speech + plucks, so the optimiser spends its iterations on texture, not on the spectral balance), the
 * content's spectrogram as it is, or 1e-3 Gaussian noise (Ulyanov & Lebedev).
 * Texture mode: textureStart, noise with each bin's mean and spread over the style's frames that follows pieces of
 * the style's envelope as each bin does. Near-zero noise is a poor start there: with F ~ 0 the style gradient 4 (G - A) F
 * vanishes, and L-BFGS spends its iterations leaving that saddle.
 */
function initialSpectrogram(settings: TransferSettings, content: LogSpectrogram | undefined, style: LogSpectrogram, frames: number): Float32Array {
  const size = style.bins * frames;
  const rng = new Random(settings.seed + 1);
  if (content && settings.init === 'matched') {
    // The content with each frequency bin moved to the style's average level (an EQ match in the log domain).
    const x = content.data.slice();
    const styleMean = bandMoments(style).mean;
    const contentMean = bandMoments(content).mean;
    for (let c = 0; c < style.bins; c++) {
      const shift = styleMean[c] - contentMean[c];
      for (let t = 0; t < frames; t++) x[c * frames + t] = Math.max(0, x[c * frames + t] + shift);
    }
    return x;
  }
  if (content) return settings.init === 'content' ? content.data.slice() : rng.fillNormal(new Float32Array(size), 1e-3);
  return textureStart(style, frames, rng);
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
