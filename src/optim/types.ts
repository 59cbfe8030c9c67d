/** A differentiable objective: returns f(x) and writes ∇f(x) into `grad`. Async because it runs on onnxruntime. */
export type Objective = (x: Float32Array, grad: Float32Array) => Promise<number>;

/** Progress after one optimiser iteration. */
export interface IterationReport {
  /** Iterations done, from 1. */
  iteration: number;
  /** Objective at the current point. */
  loss: number;
  /** Objective evaluations so far (L-BFGS may use more than one per iteration). */
  evaluations: number;
}

/** Options common to the optimisers. */
export interface MinimizeOptions {
  /** Maximum number of iterations. */
  iterations: number;
  /** Called after each iteration. */
  onIteration?: (report: IterationReport) => void;
  /** Stops the run between evaluations; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What an optimiser returns: x is updated in place to the final point. */
export interface MinimizeResult {
  /** Objective at the final point. */
  loss: number;
  /** Iterations done. */
  iterations: number;
  /** Objective evaluations done. */
  evaluations: number;
  /** Why it stopped. */
  stopReason: 'iterations' | 'evaluations' | 'converged' | 'line-search';
}

/** Dot product in float64. */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Largest absolute entry. */
export function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}
