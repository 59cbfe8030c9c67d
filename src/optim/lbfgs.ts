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

  const pairs: CorrectionPair[] = [];
  let g: Float32Array = new Float32Array(n);
  const d = new Float32Array(n);
  const xTrial = new Float32Array(n);
  // Gradient arrays the line search may fill: the old gradient of each accepted step comes back here.
  const spare: Float32Array[] = [];
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
    let { gtd, dMax } = searchDirection(d, g, pairs);
    if (!(gtd < 0)) {
      // Not a descent direction (curvature information went bad): restart from steepest descent.
      pairs.length = 0;
      ({ gtd, dMax } = searchDirection(d, g, pairs));
    }
    // Without curvature pairs, d = -g has the gradient's scale: size the first trial step explicitly.
    const t0 = pairs.length > 0 ? 1 : options.firstStepMaxChange ? options.firstStepMaxChange / dMax : Math.min(1, 1 / sumAbs(g));

    const result = await strongWolfe(evaluate, d, f, g, gtd, t0, dMax, spare, { c1, c2, maxIterations: maxLineSearch, stepTol });
    it++;
    if (!result) {
      stopReason = 'line-search';
      break;
    }
    const { t, f: fNew, g: gNew } = result;
    // New correction pair s = t d, y = g_new - g, in the oldest pair's arrays once the history is full.
    const recycled = pairs.length === m ? pairs.shift()! : null;
    const pair = takeStep(x, d, t, g, gNew, recycled?.s ?? new Float32Array(n), recycled?.y ?? new Float32Array(n));
    if (pair.ys > 1e-10) pairs.push(pair);
    spare.push(g);
    const fOld = f;
    f = fNew;
    g = gNew;
    options.onIteration?.({ iteration: it, loss: f, evaluations });

    if (pair.gNewMax <= gradTol) {
      stopReason = 'converged';
      break;
    }
    if (Math.abs(f - fOld) < changeTol || Math.abs(t) * dMax <= changeTol) {
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

/** One L-BFGS correction pair, with the products the next directions need. */
export interface CorrectionPair {
  /** The step taken, x_new - x. */
  s: Float32Array;
  /** The gradient's change over it. */
  y: Float32Array;
  /** y . s (the pair is kept only when it is positive). */
  ys: number;
  /** 1 / (y . s). */
  rho: number;
  /** y . y, for the initial Hessian's scale. */
  yy: number;
}

/**
 * Writes the search direction d = -H g by the two-loop recursion (Nocedal & Wright, algorithm 7.4) into `d`, and
 * returns g . d and the largest |d_i|. Each pass over the arrays also takes the dot product that the next one needs:
 * 2k passes for k pairs, where one pass per vector operation took 4k + 6 (and the step three, where takeStep takes
 * one). A round of 4 iterations on a 30 s spectrogram (1.3M values) spends 17 against 36 ms an iteration outside the
 * objective, and the CLI's optimise stage is 4-5% shorter at 10-60 s. The values are those of the one-operation
 * passes, bit for bit: every product is summed in the same order in float64, and every d_i is rounded to float32
 * where it was stored.
 */
export function searchDirection(d: Float32Array, g: Float32Array, pairs: readonly CorrectionPair[]): { gtd: number; dMax: number } {
  const n = d.length;
  const k = pairs.length;
  if (k === 0) {
    let gtd = 0;
    let dMax = 0;
    for (let i = 0; i < n; i++) {
      const di = -g[i];
      d[i] = di;
      gtd += g[i] * di;
      const a = Math.abs(di);
      if (a > dMax) dMax = a;
    }
    return { gtd, dMax };
  }
  const alpha = new Float64Array(k);
  // First loop, newest pair first: alpha_j = rho_j s_j . d, then d -= alpha_j y_j. d = -g is written in the pass that
  // takes the newest pair's dot product.
  let sd = 0;
  const sLast = pairs[k - 1].s;
  for (let i = 0; i < n; i++) {
    const di = -g[i];
    d[i] = di;
    sd += sLast[i] * di;
  }
  for (let j = k - 1; j >= 1; j--) {
    const a = (alpha[j] = pairs[j].rho * sd);
    const yj = pairs[j].y;
    const sNext = pairs[j - 1].s;
    sd = 0;
    for (let i = 0; i < n; i++) {
      const di = Math.fround(d[i] - a * yj[i]);
      d[i] = di;
      sd += sNext[i] * di;
    }
  }
  // The oldest pair's update, then the scale gamma = s . y / y . y of the newest, then the second loop's first dot.
  const a0 = (alpha[0] = pairs[0].rho * sd);
  const gamma = pairs[k - 1].ys / pairs[k - 1].yy;
  const y0 = pairs[0].y;
  let yd = 0;
  for (let i = 0; i < n; i++) {
    const di = Math.fround(Math.fround(d[i] - a0 * y0[i]) * gamma);
    d[i] = di;
    yd += y0[i] * di;
  }
  // Second loop, oldest pair first: beta = rho_j y_j . d, then d += (alpha_j - beta) s_j; the last pass takes g . d and
  // the largest |d_i| instead of a next dot product.
  let gtd = 0;
  let dMax = 0;
  for (let j = 0; j < k; j++) {
    const coef = alpha[j] - pairs[j].rho * yd;
    const sj = pairs[j].s;
    if (j < k - 1) {
      const yNext = pairs[j + 1].y;
      yd = 0;
      for (let i = 0; i < n; i++) {
        const di = Math.fround(d[i] + coef * sj[i]);
        d[i] = di;
        yd += yNext[i] * di;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const di = Math.fround(d[i] + coef * sj[i]);
        d[i] = di;
        gtd += g[i] * di;
        const a = Math.abs(di);
        if (a > dMax) dMax = a;
      }
    }
  }
  return { gtd, dMax };
}

/**
 * Moves x by t d and makes the correction pair s = t d, y = gNew - g in the given arrays, in one pass that also takes
 * y . s, y . y and the new gradient's largest |entry| (the convergence test).
 */
function takeStep(
  x: Float32Array,
  d: Float32Array,
  t: number,
  g: Float32Array,
  gNew: Float32Array,
  s: Float32Array,
  y: Float32Array,
): CorrectionPair & { gNewMax: number } {
  let ys = 0;
  let yy = 0;
  let gNewMax = 0;
  for (let i = 0; i < x.length; i++) {
    const si = Math.fround(t * d[i]);
    const yi = Math.fround(gNew[i] - g[i]);
    s[i] = si;
    y[i] = yi;
    x[i] += si;
    ys += yi * si;
    yy += yi * yi;
    const a = Math.abs(gNew[i]);
    if (a > gNewMax) gNewMax = a;
  }
  return { s, y, ys, rho: 1 / ys, yy, gNewMax };
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
  spare: Float32Array[],
  opts: { c1: number; c2: number; maxIterations: number; stepTol: number },
): Promise<{ t: number; f: number; g: Float32Array } | null> {
  const { c1, c2, maxIterations, stepTol } = opts;
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
