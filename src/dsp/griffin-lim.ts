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
  const { bins } = plan;
  const frames = frameCount(length, plan.hop);
  const n = bins * frames;
  if (magnitude.length !== n) throw new RangeError(`Griffin-Lim: magnitude has ${magnitude.length} values, expected ${bins} x ${frames}`);

  // Unit phasors, frame-major (frame t's bins at t * bins), the order the STFT makes and takes them in; the estimate
  // M * phasor is never stored whole (inversePolar forms it frame by frame). Drawn and read in bin-major order.
  const cosP = new Float32Array(n);
  const sinP = new Float32Array(n);
  if (options.initialPhase) {
    const { re, im } = options.initialPhase;
    for (let k = 0, i = 0; k < bins; k++) {
      for (let t = 0; t < frames; t++, i++) {
        const r = Math.sqrt(re[i] * re[i] + im[i] * im[i]);
        cosP[t * bins + k] = r > 0 ? re[i] / r : 1;
        sinP[t * bins + k] = r > 0 ? im[i] / r : 0;
      }
    }
  } else {
    const rng = new Random(options.seed ?? 0);
    const phasor = new Float64Array(2);
    for (let k = 0; k < bins; k++) {
      for (let t = 0; t < frames; t++) {
        cosSinTurn(rng.uniform(), phasor);
        cosP[t * bins + k] = phasor[0];
        sinP[t * bins + k] = phasor[1];
      }
    }
  }
  // The previous projection, frame-major; zero before the first.
  const previousRe = new Float32Array(n);
  const previousIm = new Float32Array(n);
  const signal = new Float32Array(length);
  const alpha = momentum / (1 + momentum);

  for (let it = 0; it < iterations; it++) {
    plan.inversePolar(magnitude, cosP, sinP, length, signal);
    // The projection's STFT, frame by frame, each frame's phase updated as it comes.
    plan.forwardFrames(signal, (t, rebuiltRe, rebuiltIm) => {
      const base = t * bins;
      for (let k = 0; k < bins; k++) {
        const i = base + k;
        // Accelerated step: extrapolate away from the previous projection (it is zero on the first iteration).
        const re = rebuiltRe[k] - alpha * previousRe[i];
        const im = rebuiltIm[k] - alpha * previousIm[i];
        const r = Math.sqrt(re * re + im * im);
        if (r > 1e-16) {
          cosP[i] = re / r;
          sinP[i] = im / r;
        }
        previousRe[i] = rebuiltRe[k];
        previousIm[i] = rebuiltIm[k];
      }
    });
    options.onIteration?.(it + 1);
  }
  return plan.inversePolar(magnitude, cosP, sinP, length, signal);
}
