import { dot, maxAbs, type MinimizeOptions, type MinimizeResult, type Objective } from './types.js';

/** Options of L-BFGS. */
export interface LbfgsOptions extends MinimizeOptions {
  /** Correction pairs kept (scipy's default is 10). Memory: 2 x history vectors of x's size. */
  historySize?: number;
  /** Cap on objective evaluations; default 1.25 x iterations (as PyTorch), which keeps run time predictable. */
  maxEvaluations?: number;
  /** Stop when the largest gradient entry falls below this. */
  gradientTolerance?: number;
  /** Stop when a step changes x or f by less than this. */
  changeTolerance?: number;
  /**
   * The smallest change of any coordinate worth a line-search trial: the search stops narrowing its bracket below it
   * (and takes its best point so far, if that lowered f). Defaults to changeTolerance. Where x has a physical unit it
   * can be far larger: a restyle's log magnitudes gain nothing audible from trials of 1e-4 (0.0009 dB).
   */
  stepTolerance?: number;
  /**
   * Size the first trial step (no curvature known yet) so that no coordinate moves more than this. Without it the
   * first step is min(1, 1/||g||_1) as in PyTorch and minFunc, which on a 441,000-value spectrogram moved x by 3e-5
   * and cost five more evaluations of bracketing before the line search reached a useful step.
   */
  firstStepMaxChange?: number;
}

/** A point of the line search: step length, value, directional derivative, and the gradient there. */
interface LinePoint {
  t: number;
  f: number;
  gtd: number;
  g: Float32Array;
}

/**
 * Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2) (values and slopes), clamped to [lo, hi];
 * the bisection point when the cubic has no minimum there (Nocedal & Wright, eq. 3.59).
 */
export function cubicMinimizer(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, lo: number, hi: number): number {
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const square = d1 * d1 - g1 * g2;
  if (square >= 0) {
    const d2 = Math.sign(x2 - x1) * Math.sqrt(square);
    const t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2));
    if (Number.isFinite(t)) return Math.min(Math.max(t, lo), hi);
  }
  return (lo + hi) / 2;
}

/**
 * Limited-memory BFGS with a strong-Wolfe line search (cubic interpolation, bracketing then zoom), minimising
 * `objective` from x, which is updated in place. The two-loop recursion and the line search follow Nocedal & Wright,
 * Numerical Optimization, algorithms 7.4, 3.5 and 3.6.
 */
export async function lbfgs(objective: Objective, x: Float32Array, options: LbfgsOptions): Promise<MinimizeResult> {
  const n = x.length;
  const { iterations, signal } = options;
  const m = options.historySize ?? 10;
  const maxEvaluations = options.maxEvaluations ?? Math.ceil(iterations * 1.25);
  const gradTol = options.gradientTolerance ?? 1e-7;
  const changeTol = options.changeTolerance ?? 1e-9;
  const stepTol = options.stepTolerance ?? changeTol;
  const c1 = 1e-4;
  const c2 = 0.9;
  const maxLineSearch = 25;

  const s: Float32Array[] = [];
  const y: Float32Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  let g: Float32Array = new Float32Array(n);
  const d = new Float32Array(n);
  const xTrial = new Float32Array(n);
  let evaluations = 0;

  const evaluate = async (t: number, grad: Float32Array): Promise<number> => {
    signal?.throwIfAborted();
    for (let i = 0; i < n; i++) xTrial[i] = x[i] + t * d[i];
    evaluations++;
    return objective(xTrial, grad);
  };

  signal?.throwIfAborted();
  let f = await objective(x, g);
  evaluations++;
  if (!Number.isFinite(f)) throw new Error(`L-BFGS: the objective is not finite at the start (${f})`);
  if (maxAbs(g) <= gradTol) return { loss: f, iterations: 0, evaluations, stopReason: 'converged' };

  let it = 0;
  let stopReason: MinimizeResult['stopReason'] = 'iterations';
  while (it < iterations) {
    // Two-loop recursion: d = -H g.
    for (let i = 0; i < n; i++) d[i] = -g[i];
    const k = s.length;
    for (let j = k - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(s[j], d);
      const a = alpha[j];
      const yj = y[j];
      for (let i = 0; i < n; i++) d[i] -= a * yj[i];
    }
    if (k > 0) {
      const gamma = dot(s[k - 1], y[k - 1]) / dot(y[k - 1], y[k - 1]);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    }
    for (let j = 0; j < k; j++) {
      const b = rho[j] * dot(y[j], d);
      const coef = alpha[j] - b;
      const sj = s[j];
      for (let i = 0; i < n; i++) d[i] += coef * sj[i];
    }
    let gtd = dot(g, d);
    if (!(gtd < 0)) {
      // Not a descent direction (curvature information went bad): restart from steepest descent.
      s.length = y.length = rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i];
      gtd = dot(g, d);
    }
    // Without curvature pairs, d = -g has the gradient's scale: size the first trial step explicitly.
    const t0 = s.length > 0 ? 1 : options.firstStepMaxChange ? options.firstStepMaxChange / maxAbs(d) : Math.min(1, 1 / sumAbs(g));

    const result = await strongWolfe(evaluate, d, f, g, gtd, t0, maxAbs(d), { c1, c2, maxIterations: maxLineSearch, stepTol });
    it++;
    if (!result) {
      stopReason = 'line-search';
      break;
    }
    const { t, f: fNew, g: gNew } = result;
    // New correction pair: s = t d, y = g_new - g.
    const sNew = s.length === m ? s.shift()! : new Float32Array(n);
    const yNew = y.length === m ? y.shift()! : new Float32Array(n);
    if (rho.length === m) rho.shift();
    for (let i = 0; i < n; i++) {
      sNew[i] = t * d[i];
      yNew[i] = gNew[i] - g[i];
      x[i] += sNew[i];
    }
    const ys = dot(yNew, sNew);
    if (ys > 1e-10) {
      s.push(sNew);
      y.push(yNew);
      rho.push(1 / ys);
    }
    const fOld = f;
    f = fNew;
    g = gNew;
    options.onIteration?.({ iteration: it, loss: f, evaluations });

    if (maxAbs(g) <= gradTol) {
      stopReason = 'converged';
      break;
    }
    if (Math.abs(f - fOld) < changeTol || Math.abs(t) * maxAbs(d) <= changeTol) {
      stopReason = 'converged';
      break;
    }
    if (evaluations >= maxEvaluations) {
      stopReason = 'evaluations';
      break;
    }
  }
  return { loss: f, iterations: it, evaluations, stopReason };
}

function sumAbs(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]);
  return s;
}

/**
 * Strong-Wolfe line search along direction d from the current point (value f, gradient g, slope gtd < 0), first trial step t0.
 * `evaluate(t, grad)` returns f(x + t d) and writes its gradient. Returns the accepted point, or null when no step
 * decreased f (then the caller stops). The gradient arrays it returns are its own.
 */
async function strongWolfe(
  evaluate: (t: number, grad: Float32Array) => Promise<number>,
  d: Float32Array,
  f: number,
  g: Float32Array,
  gtd: number,
  t0: number,
  dMax: number,
  opts: { c1: number; c2: number; maxIterations: number; stepTol: number },
): Promise<{ t: number; f: number; g: Float32Array } | null> {
  const { c1, c2, maxIterations, stepTol } = opts;
  const spare: Float32Array[] = [];
  const buffer = (): Float32Array => spare.pop() ?? new Float32Array(d.length);
  const release = (p: LinePoint): void => {
    if (p.g !== g) spare.push(p.g);
  };
  const probe = async (t: number): Promise<LinePoint> => {
    const grad = buffer();
    const value = await evaluate(t, grad);
    return { t, f: value, gtd: dot(grad, d), g: grad };
  };

  let prev: LinePoint = { t: 0, f, gtd, g };
  let cur = await probe(t0);
  let calls = 1;
  let lo: LinePoint;
  let hi: LinePoint;

  // Bracketing phase.
  for (;;) {
    if (!Number.isFinite(cur.f) || cur.f > f + c1 * cur.t * gtd || (calls > 1 && cur.f >= prev.f)) {
      lo = prev;
      hi = cur;
      break;
    }
    if (Math.abs(cur.gtd) <= -c2 * gtd) return accept(cur, prev);
    if (cur.gtd >= 0) {
      lo = cur;
      hi = prev;
      break;
    }
    if (calls >= maxIterations) return accept(cur, prev);
    const next = cubicMinimizer(prev.t, prev.f, prev.gtd, cur.t, cur.f, cur.gtd, cur.t + 0.01 * (cur.t - prev.t), cur.t * 10);
    release(prev);
    prev = cur;
    cur = await probe(next);
    calls++;
  }

  // Zoom phase: shrink [lo, hi] until a point satisfies both Wolfe conditions.
  while (calls < maxIterations) {
    if (Math.abs(hi.t - lo.t) * dMax < stepTol) break;
    const a = Math.min(lo.t, hi.t);
    const b = Math.max(lo.t, hi.t);
    let t = Number.isFinite(hi.f) ? cubicMinimizer(lo.t, lo.f, lo.gtd, hi.t, hi.f, hi.gtd, a, b) : (a + b) / 2;
    // Keep away from the ends, where the interpolation makes little progress.
    const margin = 0.1 * (b - a);
    if (t - a < margin || b - t < margin) t = (a + b) / 2;
    const p = await probe(t);
    calls++;
    if (!Number.isFinite(p.f) || p.f > f + c1 * p.t * gtd || p.f >= lo.f) {
      release(hi);
      hi = p;
    } else {
      if (Math.abs(p.gtd) <= -c2 * gtd) {
        release(hi);
        return accept(p, lo);
      }
      if (p.gtd * (hi.t - lo.t) >= 0) {
        release(hi);
        hi = lo;
      } else {
        release(lo);
      }
      lo = p;
    }
  }
  // Out of evaluations or interval too small: take the best point found if it decreased f.
  return lo.t > 0 && lo.f < f ? { t: lo.t, f: lo.f, g: lo.g } : null;

  function accept(p: LinePoint, other: LinePoint): { t: number; f: number; g: Float32Array } {
    release(other);
    return { t: p.t, f: p.f, g: p.g };
  }
}
