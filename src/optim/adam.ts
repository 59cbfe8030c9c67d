import type { MinimizeOptions, MinimizeResult, Objective } from './types.js';

/** Options of Adam. */
export interface AdamOptions extends MinimizeOptions {
  /** Step size. */
  learningRate: number;
  /** Decay of the first moment. */
  beta1?: number;
  /** Decay of the second moment. */
  beta2?: number;
  /** Added to the root second moment for stability. */
  epsilon?: number;
}

/** Adam (Kingma & Ba 2015): one objective evaluation per iteration; updates x in place. */
export async function adam(objective: Objective, x: Float32Array, options: AdamOptions): Promise<MinimizeResult> {
  const { iterations, learningRate, signal } = options;
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const epsilon = options.epsilon ?? 1e-8;
  const grad = new Float32Array(x.length);
  const m = new Float32Array(x.length);
  const v = new Float32Array(x.length);
  let loss = NaN;
  for (let it = 1; it <= iterations; it++) {
    signal?.throwIfAborted();
    loss = await objective(x, grad);
    const c1 = 1 - beta1 ** it;
    const c2 = 1 - beta2 ** it;
    for (let i = 0; i < x.length; i++) {
      const g = grad[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      x[i] -= (learningRate * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + epsilon);
    }
    options.onIteration?.({ iteration: it, loss, evaluations: it });
  }
  // The loss reported is the one before the last update; evaluate once more so that it describes x.
  signal?.throwIfAborted();
  loss = await objective(x, grad);
  return { loss, iterations, evaluations: iterations + 1, stopReason: 'iterations' };
}
