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
 * Fast Griffin-Lim: finds a signal whose STFT magnitude matches `magnitude` (bins x frames), by alternating projections
 * with momentum: rebuilt = STFT(ISTFT(M e^{i phase})), phase = angle(rebuilt - m/(1+m) previous_rebuilt).
 */
export function fastGriffinLim(plan: StftPlan, magnitude: Float32Array, options: GriffinLimOptions): Float32Array {
  const { iterations, length } = options;
  const momentum = options.momentum ?? 0.99;
  const frames = frameCount(length, plan.hop);
  const n = plan.bins * frames;
  if (magnitude.length !== n) throw new RangeError(`Griffin-Lim: magnitude has ${magnitude.length} values, expected ${plan.bins} x ${frames}`);

  // Unit phasors; the estimate M * phasor is never stored whole (inversePolar forms it frame by frame).
  const cosP = new Float32Array(n);
  const sinP = new Float32Array(n);
  if (options.initialPhase) {
    const { re, im } = options.initialPhase;
    for (let i = 0; i < n; i++) {
      const r = Math.sqrt(re[i] * re[i] + im[i] * im[i]);
      cosP[i] = r > 0 ? re[i] / r : 1;
      sinP[i] = r > 0 ? im[i] / r : 0;
    }
  } else {
    const rng = new Random(options.seed ?? 0);
    const phasor = new Float64Array(2);
    for (let i = 0; i < n; i++) {
      cosSinTurn(rng.uniform(), phasor);
      cosP[i] = phasor[0];
      sinP[i] = phasor[1];
    }
  }
  const rebuilt = plan.allocate(length);
  const previous: Spectrogram = plan.allocate(length);
  const signal = new Float32Array(length);
  const alpha = momentum / (1 + momentum);

  for (let it = 0; it < iterations; it++) {
    plan.inversePolar(magnitude, cosP, sinP, length, signal);
    plan.forward(signal, rebuilt);
    for (let i = 0; i < n; i++) {
      // Accelerated step: extrapolate away from the previous projection (it is zero on the first iteration).
      const re = rebuilt.re[i] - alpha * previous.re[i];
      const im = rebuilt.im[i] - alpha * previous.im[i];
      const r = Math.sqrt(re * re + im * im);
      if (r > 1e-16) {
        cosP[i] = re / r;
        sinP[i] = im / r;
      }
      previous.re[i] = rebuilt.re[i];
      previous.im[i] = rebuilt.im[i];
    }
    options.onIteration?.(it + 1);
  }
  return plan.inversePolar(magnitude, cosP, sinP, length, signal);
}
