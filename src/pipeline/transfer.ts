import { decodeAudio, toMono, type AudioClip } from '../audio/decode.js';
import { resample } from '../audio/resample.js';
import { peak } from '../audio/wav.js';
import { limitPeaks } from '../audio/limiter.js';
import { fastGriffinLim } from '../dsp/griffin-lim.js';
import { Random } from '../dsp/random.js';
import { logMagnitude, magnitudeFromLog, spectralConvergenceDb } from '../dsp/spectrogram.js';
import { StftPlan, frameCount, type Spectrogram } from '../dsp/stft.js';
import { CancelledError, InputError, ResourceError, UsageError } from '../errors.js';
import type { Runtime } from '../model/runtime.js';
import { StyleNet, StyleObjective, type LogSpectrogram, type ObjectiveValue } from '../model/style-net.js';
import { adam } from '../optim/adam.js';
import { lbfgs } from '../optim/lbfgs.js';
import type { IterationReport, MinimizeResult, Objective } from '../optim/types.js';
import { resolveSettings, type TransferSettings } from './settings.js';
import { estimateMemoryBytes, formatBytes } from './memory.js';

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
}

/** Stages of a run, in order. */
export type Stage = 'decode' | 'analyse' | 'optimise' | 'phase';

/**
 * A progress event: the stage, how far it is, and the loss during optimisation. Steps are of equal cost within a
 * stage (objective evaluations while optimising, Griffin-Lim iterations in the phase stage), so step/total drives an ETA.
 */
export interface ProgressEvent {
  /** Current stage. */
  stage: Stage;
  /** Steps done in this stage. */
  step: number;
  /** Steps in this stage (optimise: the evaluation budget; a run that converges early ends below it). */
  total: number;
  /** Optimiser iterations done (optimise stage). */
  iteration?: number;
  /** Objective value (optimise stage). */
  loss?: number;
  /** Objective evaluations so far (optimise stage). */
  evaluations?: number;
  /** Milliseconds since the run started. */
  elapsedMs: number;
}

/** Hooks of a run. */
export interface TransferHooks {
  /** Called as the run progresses. */
  onProgress?: (event: ProgressEvent) => void;
  /** Cancels the run; transfer then rejects with a CancelledError within one optimiser step. */
  signal?: AbortSignal;
  /** When cancelled while optimising, rebuild audio from the last accepted point and attach it to the CancelledError. */
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

/** The result of a transfer. */
export interface TransferResult {
  /** The output, mono, at `sampleRate`; the content's length (or `duration`). Peak at most 1. */
  audio: Float32Array;
  /** Output sample rate. */
  sampleRate: number;
  /** Settings used, defaults filled in. */
  settings: TransferSettings;
  /** Loss after each optimiser iteration (the first entry is the start). */
  lossHistory: number[];
  /** Final loss and its terms. */
  finalLoss: { total: number; style: number; content: number };
  /** Loss at the start, for the reduction ratio. */
  initialLoss: number;
  /** Optimiser iterations and objective evaluations done, and why it stopped. */
  optimiser: { iterations: number; evaluations: number; stopReason: MinimizeResult['stopReason'] };
  /** Median milliseconds per objective evaluation. */
  msPerEvaluation: number;
  /** Spectral convergence (dB) of the output audio against the optimised magnitude: how well the phase was rebuilt. */
  spectralConvergenceDb: number;
  /** Log-magnitude spectrograms (bins x frames) of the content, style and optimised result, for reports and plots. */
  spectrograms: { content?: LogSpectrogram; style: LogSpectrogram; result: LogSpectrogram };
  /** Stage timings. */
  timings: StageTimings;
  /** Things the user should know (e.g. the output was scaled down to avoid clipping). */
  warnings: string[];
}

/** Largest output sample: just under full scale, so 16-bit conversion never clips. */
const CLIP_PEAK = 0.999;

/**
 * The whole job: decode -> mono -> resample -> STFT log1p magnitude -> optimise the spectrogram so that its random-net
 * Gram matrix matches the style's (plus an optional content term) -> fast Griffin-Lim -> audio.
 */
export async function transfer(runtime: Runtime, request: TransferRequest, hooks: TransferHooks = {}): Promise<TransferResult> {
  const { content: contentSource, style: styleSource, duration, memoryLimitBytes, ...rest } = request;
  const settings = resolveSettings(rest);
  const { signal } = hooks;
  const started = now();
  const elapsed = (): number => now() - started;
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

  // Decode and bring both clips to mono at the working rate.
  report({ stage: 'decode', step: 0, total: 1 });
  const style = await loadMono(styleSource, 'style', sr);
  const content = contentSource ? await loadMono(contentSource, 'content', sr) : undefined;
  checkCancel();
  const tDecode = elapsed();

  // Analyse: spectrograms, the net, the style's statistics.
  report({ stage: 'analyse', step: 0, total: 1 });
  const plan = new StftPlan(settings.nFft, settings.hop);
  const minSamples = (settings.kernel - 1) * settings.hop;
  const checkLength = (signal: Float32Array, name: string): void => {
    if (signal.length < minSamples) {
      throw new InputError(
        name,
        `too short: ${(signal.length / sr).toFixed(3)} s, needs at least ${(minSamples / sr).toFixed(3)} s at --hop ${settings.hop} --kernel ${settings.kernel}`,
      );
    }
  };
  checkLength(style, sourceName(styleSource, 'style'));
  if (peak(style) === 0) throw new InputError(sourceName(styleSource, 'style'), 'is silent: there is no style to transfer');
  const outLength = content ? content.length : Math.round((duration as number) * sr);
  if (content) checkLength(content, sourceName(contentSource as AudioSource, 'content'));
  else if (outLength < minSamples) throw new UsageError(`--duration ${duration}: must be at least ${(minSamples / sr).toFixed(3)} s`);

  const frames = frameCount(outLength, settings.hop);
  const needed = estimateMemoryBytes(settings, frames, frameCount(style.length, settings.hop));
  if (memoryLimitBytes !== undefined && needed > memoryLimitBytes) {
    throw new ResourceError(
      `this run needs about ${formatBytes(needed)} of memory but ${formatBytes(memoryLimitBytes)} is available: ` +
        `use fewer --filters (now ${settings.filters}), a larger --hop (now ${settings.hop}) or a shorter content clip`,
    );
  }
  const styleSpec = toLogSpectrogram(plan, style);
  const contentStft = content ? plan.forward(content) : undefined;
  const contentSpec = contentStft ? { data: logMagnitude(contentStft), bins: plan.bins, frames: contentStft.frames } : undefined;

  const net = StyleNet.create(runtime, { bins: plan.bins, filters: settings.filters, kernel: settings.kernel }, settings.seed);
  let objective: StyleObjective | undefined;
  try {
    const target = await net.styleTarget(styleSpec, frames);
    checkCancel();
    const useContent = contentSpec !== undefined && settings.contentWeight > 0;
    objective = await StyleObjective.create(net, {
      frames,
      target,
      content: useContent ? { features: await net.features(contentSpec), weight: settings.contentWeight } : undefined,
    });
    checkCancel();
    const x = initialSpectrogram(settings, contentSpec, styleSpec, frames);
    const tAnalyse = elapsed();

    // Optimise.
    const lossHistory: number[] = [];
    const evalTimes: number[] = [];
    // The optimisers return the total loss at their final point; keep each evaluation's terms to report them.
    const termsByLoss = new Map<number, ObjectiveValue>();
    const obj = objective;
    const evaluate: Objective = async (point, grad) => {
      const t0 = now();
      const value = await obj.evaluate(point, grad);
      evalTimes.push(now() - t0);
      termsByLoss.set(value.loss, value);
      if (lossHistory.length === 0) lossHistory.push(value.loss);
      return value.loss;
    };
    // Progress counts objective evaluations, the unit of cost (L-BFGS may take more than one per iteration), against
    // the budget: 1.25 evaluations per L-BFGS iteration (as PyTorch's max_eval), one per Adam iteration plus a last one.
    const rounds = Math.max(1, Math.min(settings.rounds, settings.iterations));
    const shares = Array.from({ length: rounds }, (_, r) => Math.floor(settings.iterations / rounds) + (r < settings.iterations % rounds ? 1 : 0));
    const budgetOf = (iterations: number): number =>
      iterations === 0 ? 1 : settings.optimizer === 'lbfgs' ? Math.ceil(iterations * 1.25) : iterations + 1;
    const budget = shares.reduce((a, n) => a + budgetOf(n), 0);
    let done = 0; // iterations finished in earlier rounds
    let evaluationsBefore = 0;
    const onIteration = (r: IterationReport): void => {
      lossHistory.push(r.loss);
      const evaluations = evaluationsBefore + r.evaluations;
      report({ stage: 'optimise', step: Math.min(evaluations, budget), total: budget, iteration: done + r.iteration, loss: r.loss, evaluations });
    };
    report({ stage: 'optimise', step: 0, total: budget, iteration: 0, evaluations: 0 });
    const abortSignal = signal ?? new AbortController().signal;
    const gradScratch = new Float32Array(x.length);
    const minimize = async (iterations: number): Promise<MinimizeResult> => {
      try {
        if (iterations === 0) return { loss: await evaluate(x, gradScratch), iterations: 0, evaluations: 1, stopReason: 'iterations' };
        return settings.optimizer === 'lbfgs'
          ? await lbfgs(evaluate, x, { iterations, maxEvaluations: budgetOf(iterations), onIteration, signal: abortSignal })
          : await adam(evaluate, x, { iterations, learningRate: settings.learningRate, onIteration, signal: abortSignal });
      } catch (err) {
        if (signal?.aborted) throw new CancelledError();
        throw err;
      }
    };
    let betweenRoundsMs = 0; // Griffin-Lim time inside the optimise stage, reported as phase reconstruction
    let phase: Spectrogram | undefined;
    // Griffin-Lim from the previous round's phase (random at first), then the spectrogram of the audio it made.
    const reconstruct = (iterations: number, onIteration?: (i: number) => void): { audio: Float32Array; magnitude: Float32Array } => {
      const magnitude = magnitudeFromLog(x);
      const audio = fastGriffinLim(plan, magnitude, { iterations, length: outLength, seed: settings.seed, initialPhase: phase, onIteration });
      phase = plan.forward(audio);
      return { audio, magnitude };
    };

    // Optimise in rounds. Between rounds the spectrogram is replaced by that of real audio (Griffin-Lim's), so the
    // optimiser ends on a spectrogram a signal can have and less of its work is lost in phase reconstruction.
    // Each round starts L-BFGS afresh: carrying its curvature pairs over was measured to move further from the content
    // at the same cost (speech + plucks: style gain 0.710 and content correlation 0.677, against 0.739 and 0.820).
    let result: MinimizeResult = { loss: NaN, iterations: 0, evaluations: 0, stopReason: 'iterations' };
    for (let round = 0; round < rounds; round++) {
      let r: MinimizeResult;
      try {
        r = await minimize(shares[round]);
      } catch (err) {
        if (err instanceof CancelledError && hooks.partialOnCancel) {
          // The optimisers update x only at accepted points, so x is the best point so far: rebuild it as audio.
          const { audio } = reconstruct(settings.phaseIterations);
          // lossHistory holds the start and one entry per iteration, over all rounds.
          const partial = { audio: controlPeaks(audio, settings, warnings), sampleRate: sr, iterations: Math.max(0, lossHistory.length - 1) };
          throw new CancelledError('cancelled', partial);
        }
        throw err;
      }
      done += r.iterations;
      evaluationsBefore += r.evaluations;
      result = { loss: r.loss, iterations: done, evaluations: evaluationsBefore, stopReason: r.stopReason };
      if (round < rounds - 1) {
        const t0 = now();
        reconstruct(settings.phaseIterations);
        x.set(logMagnitude(phase as Spectrogram));
        betweenRoundsMs += now() - t0;
      }
    }
    const finalValue = termsByLoss.get(result.loss) ?? { loss: result.loss, styleLoss: NaN, contentLoss: NaN };
    const tOptimise = elapsed();

    // Phase reconstruction of the final spectrogram.
    report({ stage: 'phase', step: 0, total: settings.phaseIterations });
    const final = reconstruct(settings.phaseIterations, (i) => {
      checkCancel();
      if (i % 8 === 0 || i === settings.phaseIterations) report({ stage: 'phase', step: i, total: settings.phaseIterations });
    });
    const magnitude = final.magnitude;
    // Judge the phase before any gain change: the measure compares against the optimised magnitude itself.
    const convergence = spectralConvergenceDb(phase as Spectrogram, magnitude);
    const audio = controlPeaks(final.audio, settings, warnings);
    const tPhase = elapsed();

    return {
      audio,
      sampleRate: sr,
      settings,
      lossHistory,
      finalLoss: { total: finalValue.loss, style: finalValue.styleLoss, content: finalValue.contentLoss },
      initialLoss: lossHistory[0],
      optimiser: { iterations: result.iterations, evaluations: result.evaluations, stopReason: result.stopReason },
      msPerEvaluation: median(evalTimes),
      spectralConvergenceDb: convergence,
      spectrograms: { content: contentSpec, style: styleSpec, result: { data: x, bins: plan.bins, frames } },
      // Griffin-Lim between rounds ran inside the optimise stage; count it as phase reconstruction.
      timings: {
        decode: tDecode,
        analyse: tAnalyse - tDecode,
        optimise: tOptimise - tAnalyse - betweenRoundsMs,
        phase: tPhase - tOptimise + betweenRoundsMs,
        total: tPhase,
      },
      warnings,
    };
  } finally {
    await objective?.dispose();
    await net.dispose();
  }
}

/** Keeps the output within full scale by the chosen means, adding a warning when it acted. */
function controlPeaks(audio: Float32Array, settings: TransferSettings, warnings: string[]): Float32Array {
  const p = peak(audio);
  if (!Number.isFinite(p)) throw new Error('phase reconstruction produced non-finite samples');
  if (p <= CLIP_PEAK) return audio;
  if (settings.peakControl === 'scale') {
    const gain = CLIP_PEAK / p;
    warnings.push(`output peak ${p.toFixed(2)} exceeds full scale: scaled by ${(20 * Math.log10(gain)).toFixed(1)} dB to avoid clipping`);
    return audio.map((v) => v * gain);
  }
  const limited = limitPeaks(audio, settings.sampleRate, { ceiling: CLIP_PEAK });
  warnings.push(
    `output peak ${p.toFixed(2)} exceeds full scale: peaks limited by up to ${limited.maxReductionDb.toFixed(1)} dB ` +
      `(${(100 * limited.affectedFraction).toFixed(1)}% of samples; --peak scale lowers the whole clip instead)`,
  );
  return limited.audio;
}

/** Decodes (if needed), mixes to mono and resamples to `sampleRate`. */
async function loadMono(source: AudioSource, role: string, sampleRate: number): Promise<Float32Array> {
  const clip = 'bytes' in source ? await decodeAudio(source.bytes, source.name) : checkClip(source, sourceName(source, role));
  return resample(toMono(clip), clip.sampleRate, sampleRate);
}

function checkClip(clip: AudioClip, name: string): AudioClip {
  if (clip.channels.length === 0 || clip.channels[0].length === 0) throw new InputError(name, 'no audio samples');
  if (!(clip.sampleRate > 0)) throw new InputError(name, `invalid sample rate ${clip.sampleRate}`);
  return clip;
}

function sourceName(source: AudioSource, role: string): string {
  return source.name ?? role;
}

/** log1p STFT magnitude of a signal. */
export function toLogSpectrogram(plan: StftPlan, signal: Float32Array): LogSpectrogram {
  const spec = plan.forward(signal);
  return { data: logMagnitude(spec), bins: spec.bins, frames: spec.frames };
}

/**
 * The optimiser's starting point. With content: the content's spectrogram, or 1e-3 Gaussian noise (Ulyanov & Lebedev).
 * Texture mode: Gaussian noise with each bin's mean and spread over the style's frames. Near-zero noise is a poor start
 * there: with F ~ 0 the style gradient 4 (G - A) F vanishes, and L-BFGS spends its iterations leaving that saddle.
 */
function initialSpectrogram(settings: TransferSettings, content: LogSpectrogram | undefined, style: LogSpectrogram, frames: number): Float32Array {
  const size = style.bins * frames;
  const rng = new Random(settings.seed + 1);
  if (content) return settings.init === 'content' ? content.data.slice() : rng.fillNormal(new Float32Array(size), 1e-3);
  const x = new Float32Array(size);
  for (let c = 0; c < style.bins; c++) {
    const row = style.data.subarray(c * style.frames, (c + 1) * style.frames);
    const mean = row.reduce((a, v) => a + v, 0) / row.length;
    const std = Math.sqrt(row.reduce((a, v) => a + (v - mean) ** 2, 0) / row.length);
    for (let t = 0; t < frames; t++) x[c * frames + t] = Math.max(0, mean + std * rng.normal());
  }
  return x;
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function now(): number {
  return performance.now();
}
