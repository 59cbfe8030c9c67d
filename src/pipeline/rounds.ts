/**
 * The optimise stage's round machinery: each (round, channel) step's L-BFGS or Adam run on the round's objective, the
 * order the steps run in, and the Griffin-Lim re-analysis between rounds. transfer() drives it.
 */
import { peak } from '../audio/wav.js';
import { limitPeaks } from '../audio/limiter.js';
import type { GriffinLimRunner } from '../dsp/griffin-lim.js';
import { logMagnitude, magnitudeFromLog } from '../dsp/spectrogram.js';
import type { StftPlan, Spectrogram } from '../dsp/stft.js';
import { CancelledError } from '../errors.js';
import type { ObjectiveValue, SpectrogramObjective } from '../model/objectives.js';
import { adam } from '../optim/adam.js';
import { lbfgs } from '../optim/lbfgs.js';
import type { IterationReport, MinimizeResult, Objective } from '../optim/types.js';
import { iterationsPerRound, type TransferSettings } from './settings.js';
import { yieldToEventLoop } from './yield.js';
import { reorderBins } from './bin-order.js';
import { lbfgsHistoryFor } from './memory.js';
import { ceilingInOrder, clampRows, underCeiling } from './ceiling.js';
import { CLIP_PEAK } from './peaks.js';

/**
 * L-BFGS's smallest step worth trying, as the largest change of any log magnitude: 1e-4 is a gain of 0.0009 dB. A clip
 * restyled with itself starts at the loss's rounding noise, where no step can decrease it for real; the line search
 * then narrowed its bracket to a step of 5e-7 through all its 25 trials.
 */
export const LOG_MAGNITUDE_STEP_TOLERANCE = 1e-4;

/** Everything one run shares between its channels. */
export interface RunContext {
  settings: TransferSettings;
  plan: StftPlan;
  outLength: number;
  /** Where Griffin-Lim runs (runtime.griffinLim, or this thread). */
  griffinLim: GriffinLimRunner;
  signal?: AbortSignal;
  /**
   * Progress of the optimise stage over all channels, after an evaluation, at work between them, or during an
   * evaluation that runs in parts: the evaluations done, the steps of the evaluation budget done (see budgetDone), and
   * the share of the current evaluation done (`partial`).
   */
  progress: (
    evaluations: number,
    budgetSteps: number,
    at: { iteration: number; loss: number; round: number; channel: number } | { activity: string },
    partial?: number,
  ) => void;
  /** Objective evaluations finished so far, over all channels and rounds. */
  evaluationsDone: number;
  /**
   * The evaluation budgets of the finished (round, channel) steps, summed. A round may end under its budget (converged)
   * or over it (L-BFGS checks the budget after each iteration, as PyTorch's does, so a line search can run past it); the
   * progress counts each finished round as its budget, so that neither shifts the later rounds' count and the stage's
   * count ends at its total.
   */
  budgetDone: number;
  /** Milliseconds spent inside finished rounds (evaluations and the optimiser's own work), and when this one began (NaN between rounds). */
  optimisingMs: number;
  roundStartMs: number;
}

/** One channel's optimisation: its spectrogram (updated in place), Griffin-Lim state, and statistics. */
export interface ChannelState {
  /** Which channel of the output this is (0 = left or mono). */
  channel: number;
  x: Float32Array;
  phase?: Spectrogram;
  lossHistory: number[];
  roundStarts: number[];
  evalTimes: number[];
  iterations: number;
  evaluations: number;
  stopReason: MinimizeResult['stopReason'];
  final: ObjectiveValue;
  betweenRoundsMs: number;
  /**
   * Texture synthesis's bound on each frequency bin's log magnitude (the style's loudest there, in bin order): the
   * objective is flat above it and x is clamped to it after each round (ceiling.ts). Absent in style transfer, where
   * it cost content (speech + drums: content correlation 0.533 -> 0.299).
   */
  ceiling?: Float32Array;
}

/**
 * Griffin-Lim on x from the channel's previous phase (random at first); keeps the new phase. With `limit`, peaks over
 * full scale are limited (in place) before the new phase is taken, so the spectrogram read from it is one the output
 * can have.
 */
export async function reconstruct(
  ctx: RunContext,
  state: ChannelState,
  iterations: number,
  { onIteration, limit = false }: { onIteration?: (i: number) => void; limit?: boolean } = {},
): Promise<{ audio: Float32Array; magnitude: Float32Array }> {
  const magnitude = magnitudeFromLog(state.x);
  const audio = await ctx.griffinLim(ctx.plan, magnitude, {
    iterations,
    length: ctx.outLength,
    seed: ctx.settings.seed,
    initialPhase: state.phase,
    onIteration,
  });
  if (limit && peak(audio) > CLIP_PEAK) limitPeaks([audio], ctx.settings.sampleRate, { ceiling: CLIP_PEAK, inPlace: true });
  // Griffin-Lim read the previous phase only at its start: overwrite it in place rather than allocate a new one.
  state.phase = ctx.plan.forward(audio, state.phase);
  return { audio, magnitude };
}

/** Each round's iterations (iterationsPerRound) and evaluation budget (PyTorch's max_eval = 1.25 x iterations). */
export function roundPlan(settings: TransferSettings): { shares: number[]; budgetOf: (iterations: number) => number; budget: number } {
  const shares = iterationsPerRound(settings);
  const budgetOf = (iterations: number): number => (iterations === 0 ? 1 : settings.optimizer === 'lbfgs' ? Math.ceil(iterations * 1.25) : iterations + 1);
  return { shares, budgetOf, budget: shares.reduce((a, n) => a + budgetOf(n), 0) };
}

/**
 * The order in which the (round, channel) steps run. The channels are independent, so any order gives the same
 * result; the order decides what is computed once. With a new net each round the rounds go outside the channels, so
 * each round's style statistics (a forward pass over the whole style) are taken once and serve every channel. With one
 * net for all rounds each channel runs all its rounds on one objective, built once.
 */
export function roundSchedule(rounds: number, channels: number, roundNets: TransferSettings['roundNets']): { round: number; channel: number }[] {
  const steps: { round: number; channel: number }[] = [];
  if (roundNets === 'vary') {
    for (let round = 0; round < rounds; round++) for (let channel = 0; channel < channels; channel++) steps.push({ round, channel });
  } else {
    for (let channel = 0; channel < channels; channel++) for (let round = 0; round < rounds; round++) steps.push({ round, channel });
  }
  return steps;
}

/**
 * One optimisation round of one channel, on `objective`, whose nets read the bins in `order`. The round starts
 * L-BFGS afresh: carrying its curvature pairs over was measured to move further from the content at the same cost
 * (speech + plucks: style gain 0.710 and content correlation 0.677, against 0.739 and 0.820).
 */
export async function optimiseRound(
  ctx: RunContext,
  state: ChannelState,
  round: number,
  objective: SpectrogramObjective,
  order: Int32Array | null,
): Promise<void> {
  const { settings, signal } = ctx;
  const frames = state.x.length / ctx.plan.bins;
  const bounded = state.ceiling ? underCeiling(objective, ceilingInOrder(state.ceiling, order)) : objective;
  const { shares, budgetOf } = roundPlan(settings);
  const iterations = shares[round];
  const roundBudget = budgetOf(iterations);
  // The optimisers return the total loss at their final point; keep each evaluation's terms to report them.
  const termsByLoss = new Map<number, ObjectiveValue>();
  // Progress after every evaluation, not only every iteration: on a long clip one line search can take minutes.
  let evaluationsInRound = 0;
  let lastIteration = state.iterations;
  // The loss at the round's current point: its start's (the first evaluation's) until an iteration is accepted. Line
  // search trials are not shown: a trial that overshoots would look like the optimiser going backwards.
  let lastLoss = NaN;
  const evaluate: Objective = async (point, grad) => {
    // A cancel that arrived as a message is seen here, before the next evaluation, even inside a line search (the
    // optimisers change x only at accepted points, so x stays the best point so far).
    await yieldToEventLoop();
    if (signal?.aborted) throw new CancelledError();
    const t0 = performance.now();
    const value = await bounded.evaluate(point, grad, showPartial);
    state.evalTimes.push(performance.now() - t0);
    termsByLoss.set(value.loss, value);
    if (state.lossHistory.length === 0) state.lossHistory.push(value.loss);
    evaluationsInRound++;
    shownPercent = -1;
    if (Number.isNaN(lastLoss)) lastLoss = value.loss;
    showProgress();
    return value.loss;
  };
  // The run's evaluations so far, and its budget steps: this round counts at most its budget (see budgetDone).
  const counts = (): [evaluations: number, steps: number] => [
    ctx.evaluationsDone + evaluationsInRound,
    ctx.budgetDone + Math.min(evaluationsInRound, roundBudget),
  ];
  const showProgress = (): void =>
    ctx.progress(...counts(), {
      iteration: lastIteration,
      loss: lastLoss,
      round: round + 1,
      channel: state.channel,
    });
  // A long clip's evaluation runs in chunks and can take minutes (one on a 10-minute clip at 44.1 kHz in a browser took
  // over five): say how far it is, each whole percent, so that the ETA need not wait for its end.
  let shownPercent = -1;
  const showPartial = (fraction: number): void => {
    const percent = Math.floor(100 * fraction);
    if (percent === shownPercent || percent >= 100) return;
    shownPercent = percent;
    const [evaluations, steps] = counts();
    ctx.progress(evaluations, steps, { activity: `evaluation ${evaluations + 1}: ${percent}%` }, fraction);
  };
  const iterationsBefore = state.iterations;
  if (round > 0) state.roundStarts.push(state.lossHistory.length);
  const onIteration = (r: IterationReport): void => {
    state.lossHistory.push(r.loss);
    lastIteration = iterationsBefore + r.iteration;
    lastLoss = r.loss;
    // The accepted point, at the evaluation count of the evaluation that found it: otherwise a round's last iteration
    // would never be shown.
    showProgress();
  };
  const abortSignal = signal ?? new AbortController().signal;
  // The round's nets read the bins in `order`: optimise x in that order, and put it back (also when cancelled, so a
  // partial result is rebuilt from the right bins).
  if (order) reorderBins(state.x, ctx.plan.bins, frames, order);
  ctx.roundStartMs = performance.now();
  let r: MinimizeResult;
  try {
    r =
      iterations === 0
        ? { loss: await evaluate(state.x, new Float32Array(state.x.length)), iterations: 0, evaluations: 1, stopReason: 'iterations' }
        : settings.optimizer === 'lbfgs'
          ? await lbfgs(evaluate, state.x, {
              iterations,
              maxEvaluations: roundBudget,
              historySize: lbfgsHistoryFor(state.x.length, settings.history),
              firstStepMaxChange: settings.firstStep > 0 ? settings.firstStep : undefined,
              stepTolerance: LOG_MAGNITUDE_STEP_TOLERANCE,
              onIteration,
              signal: abortSignal,
            })
          : await adam(evaluate, state.x, { iterations, learningRate: settings.learningRate, onIteration, signal: abortSignal });
  } catch (err) {
    if (signal?.aborted) throw new CancelledError();
    throw err;
  } finally {
    ctx.optimisingMs += performance.now() - ctx.roundStartMs;
    ctx.roundStartMs = NaN;
    if (order) reorderBins(state.x, ctx.plan.bins, frames, order, true);
    if (state.ceiling) clampRows(state.x, state.ceiling, frames);
  }
  state.iterations += r.iterations;
  state.evaluations += r.evaluations;
  ctx.evaluationsDone += r.evaluations;
  ctx.budgetDone += roundBudget;
  state.stopReason = r.stopReason;
  state.final = termsByLoss.get(r.loss) ?? { loss: r.loss, styleLoss: NaN, contentLoss: NaN, rhythmLoss: NaN };
}

/**
 * Between rounds the spectrogram is replaced by that of real audio (Griffin-Lim's), so the optimiser ends on a
 * spectrogram a signal can have and less of its work is lost in phase reconstruction. In limit mode the next round
 * starts from the limited audio's spectrogram: the optimiser then rebuilds the texture at a level the output can keep,
 * and the final limiter takes less of it (speech + noise texture: style gain 0.956 against 0.932, docs/defaults.md). Not in
 * scale mode, where lowering the whole clip compounds from round to round (speech + plucks 0.176 against 0.406). Each
 * channel is limited alone here; the output's limiter links them.
 */
export async function betweenRounds(ctx: RunContext, state: ChannelState): Promise<number> {
  const t0 = performance.now();
  await reconstruct(ctx, state, ctx.settings.phaseIterations, { limit: ctx.settings.peakControl === 'limit' });
  state.x.set(logMagnitude(state.phase as Spectrogram));
  const ms = performance.now() - t0;
  state.betweenRoundsMs += ms;
  return ms;
}
