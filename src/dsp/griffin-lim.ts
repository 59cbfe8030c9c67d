import { Random, cosSinTurn } from './random.js';
import { StftPlan, type Spectrogram, frameCount } from './stft.js';

/** Options of fastGriffinLim. */
export interface GriffinLimOptions {
  /** Number of projection iterations (each one inverse and one forward STFT). */
  iterations: number;
  /** Output length in samples; must give the magnitude's frame count. */
  length: number;
  /** Momentum of the fast variant (Perraudin et al. 2013); 0 gives classic Griffin-Lim. librosa uses 0.99. */
  momentum?: number;
  /** Seed of the random initial phase. */
  seed?: number;
  /** Initial phase as a complex spectrogram (only its angle is used), e.g. the content's; random when absent. */
  initialPhase?: Spectrogram;
  /** Called after each iteration; return nothing. Lets callers report progress and cancel by throwing. */
  onIteration?: (iteration: number) => void;
}

/**
 * Runs fast Griffin-Lim somewhere: on this thread (fastGriffinLim), or split over threads (the Node entry point's
 * worker pool), with the same result to the bit.
 */
export type GriffinLimRunner = (plan: StftPlan, magnitude: Float32Array, options: GriffinLimOptions) => Promise<Float32Array>;

/**
 * Griffin-Lim's working arrays. The phase (unit phasors) and the previous projection are frame-major (frame t's bins
 * at t * bins), the order the STFT makes and takes them in; the estimate M * phasor is never stored whole (inversePolar
 * forms it frame by frame). Plain arrays, or views of shared memory that several threads work on, each on its own
 * frames and samples.
 */
export interface GriffinLimState {
  /** The magnitude to match, bins x frames (bin-major). */
  magnitude: Float32Array;
  cos: Float32Array;
  sin: Float32Array;
  previousRe: Float32Array;
  previousIm: Float32Array;
  /** The current signal (the inverse STFT of the estimate). */
  signal: Float32Array;
}

/** Throws unless `magnitude` has the plan's bins x the frames of `length` samples. */
export function checkMagnitude(plan: StftPlan, magnitude: Float32Array, length: number): void {
  const frames = frameCount(length, plan.hop);
  if (magnitude.length !== plan.bins * frames) throw new RangeError(`Griffin-Lim: magnitude has ${magnitude.length} values, expected ${plan.bins} x ${frames}`);
}

/** Allocates a state for `magnitude` and `length` samples, in memory from `allocate` (e.g. shared memory). */
export function createGriffinLimState(
  plan: StftPlan,
  magnitude: Float32Array,
  length: number,
  allocate: (floats: number) => Float32Array = (floats) => new Float32Array(floats),
): GriffinLimState {
  checkMagnitude(plan, magnitude, length);
  const n = magnitude.length;
  return { magnitude, cos: allocate(n), sin: allocate(n), previousRe: allocate(n), previousIm: allocate(n), signal: allocate(length) };
}

/** Sets the state's phase from `initialPhase` (its angle), or draws it from `seed`, and clears the previous projection. */
export function startPhase(state: GriffinLimState, bins: number, initialPhase: Spectrogram | undefined, seed = 0): void {
  if (initialPhase) phaseFromBins(state, bins, initialPhase.re, initialPhase.im, 0);
  else drawPhase(state, bins, seed);
  state.previousRe.fill(0);
  state.previousIm.fill(0);
}

/**
 * Sets the phase of bins [first, first + re.length / frames) to the angle of re + i im, which hold those bins' rows
 * (bin-major, as a spectrogram's). Bins are independent, so threads may each take some.
 */
export function phaseFromBins(state: GriffinLimState, bins: number, re: Float32Array, im: Float32Array, first: number): void {
  const { cos, sin } = state;
  const frames = cos.length / bins;
  const end = first + re.length / frames;
  // Read in bin-major order, stored frame-major.
  for (let k = first, i = 0; k < end; k++) {
    for (let t = 0; t < frames; t++, i++) {
      const r = Math.sqrt(re[i] * re[i] + im[i] * im[i]);
      cos[t * bins + k] = r > 0 ? re[i] / r : 1;
      sin[t * bins + k] = r > 0 ? im[i] / r : 0;
    }
  }
}

/** Draws a uniform random phase from `seed`, in bin-major order (so the same seed gives the same phase at any split). */
export function drawPhase(state: GriffinLimState, bins: number, seed: number): void {
  const { cos, sin } = state;
  const frames = cos.length / bins;
  const rng = new Random(seed);
  const phasor = new Float64Array(2);
  for (let k = 0; k < bins; k++) {
    for (let t = 0; t < frames; t++) {
      cosSinTurn(rng.uniform(), phasor);
      cos[t * bins + k] = phasor[0];
      sin[t * bins + k] = phasor[1];
    }
  }
}

/** An iteration's first half on samples [s0, s1) of the signal: the inverse STFT of M * phasor there. */
export function projectSamples(plan: StftPlan, state: GriffinLimState, s0: number, s1: number): void {
  const { magnitude, cos, sin, signal } = state;
  plan.inversePolar(magnitude, cos, sin, signal.length, signal, [s0, s1]);
}

/**
 * An iteration's second half on frames [first, end): the signal's STFT there, from which each frame's phase takes an
 * accelerated step away from the previous projection (zero on the first iteration), with alpha = momentum / (1 +
 * momentum). Reads the signal around those frames, which projectSamples must have finished.
 */
export function updatePhaseFrames(plan: StftPlan, state: GriffinLimState, alpha: number, first: number, end: number): void {
  const { cos, sin, previousRe, previousIm, signal } = state;
  const { bins } = plan;
  plan.forwardFrames(
    signal,
    (t, rebuiltRe, rebuiltIm) => {
      const base = t * bins;
      for (let k = 0; k < bins; k++) {
        const i = base + k;
        const re = rebuiltRe[k] - alpha * previousRe[i];
        const im = rebuiltIm[k] - alpha * previousIm[i];
        const r = Math.sqrt(re * re + im * im);
        if (r > 1e-16) {
          cos[i] = re / r;
          sin[i] = im / r;
        }
        previousRe[i] = rebuiltRe[k];
        previousIm[i] = rebuiltIm[k];
      }
    },
    first,
    end,
  );
}

/**
 * Fast Griffin-Lim: finds a signal whose STFT magnitude matches `magnitude` (bins x frames), by alternating projections
 * with momentum: rebuilt = STFT(ISTFT(M e^{i phase})), phase = angle(rebuilt - m/(1+m) previous_rebuilt).
 */
export function fastGriffinLim(plan: StftPlan, magnitude: Float32Array, options: GriffinLimOptions): Float32Array {
  const { iterations, length } = options;
  const momentum = options.momentum ?? 0.99;
  const state = createGriffinLimState(plan, magnitude, length);
  startPhase(state, plan.bins, options.initialPhase, options.seed);
  const frames = frameCount(length, plan.hop);
  const alpha = momentum / (1 + momentum);
  for (let it = 0; it < iterations; it++) {
    projectSamples(plan, state, 0, length);
    updatePhaseFrames(plan, state, alpha, 0, frames);
    options.onIteration?.(it + 1);
  }
  projectSamples(plan, state, 0, length);
  return state.signal;
}

/** fastGriffinLim as a GriffinLimRunner, on this thread. */
export const griffinLimHere: GriffinLimRunner = async (plan, magnitude, options) => fastGriffinLim(plan, magnitude, options);
