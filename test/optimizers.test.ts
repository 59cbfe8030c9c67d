import { describe, expect, it } from 'vitest';
import { lbfgs, cubicMinimizer, searchDirection, type CorrectionPair } from '../src/optim/lbfgs.js';
import { Random } from '../src/dsp/random.js';
import { adam } from '../src/optim/adam.js';
import type { Objective } from '../src/optim/types.js';

/** The n-dimensional Rosenbrock function, minimum 0 at (1, ..., 1). */
const rosenbrock: Objective = async (x, grad) => {
  let f = 0;
  grad.fill(0);
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
    grad[i] += -400 * x[i] * a - 2 * b;
    grad[i + 1] += 200 * a;
  }
  return f;
};

describe('L-BFGS', () => {
  it('takes its direction in fused passes that give the one-operation passes\' values bit for bit', () => {
    // The two-loop recursion as written in Nocedal & Wright (algorithm 7.4), one vector operation per pass, float32
    // vectors and float64 products: what L-BFGS computed before its passes were fused.
    const twoLoop = (g: Float32Array, pairs: CorrectionPair[]) => {
      const d = g.map((v) => -v);
      const dot = (a: Float32Array, b: Float32Array) => a.reduce((acc, v, i) => acc + v * b[i], 0);
      const alpha: number[] = [];
      for (let j = pairs.length - 1; j >= 0; j--) {
        alpha[j] = (1 / dot(pairs[j].y, pairs[j].s)) * dot(pairs[j].s, d);
        for (let i = 0; i < d.length; i++) d[i] -= alpha[j] * pairs[j].y[i];
      }
      if (pairs.length > 0) {
        const last = pairs[pairs.length - 1];
        const gamma = dot(last.s, last.y) / dot(last.y, last.y);
        for (let i = 0; i < d.length; i++) d[i] *= gamma;
      }
      for (let j = 0; j < pairs.length; j++) {
        const beta = (1 / dot(pairs[j].y, pairs[j].s)) * dot(pairs[j].y, d);
        for (let i = 0; i < d.length; i++) d[i] += (alpha[j] - beta) * pairs[j].s[i];
      }
      return { d, gtd: dot(g, d), dMax: d.reduce((m, v) => Math.max(m, Math.abs(v)), 0) };
    };
    const rng = new Random(5);
    const vector = (n: number) => rng.fillNormal(new Float32Array(n));
    const n = 1001;
    for (const k of [0, 1, 2, 3, 10]) {
      const g = vector(n);
      const pairs: CorrectionPair[] = Array.from({ length: k }, () => {
        const s = vector(n);
        // y = s plus noise, so that y . s > 0, as in the pairs L-BFGS keeps.
        const y = s.map((v, i) => v + 0.5 * Math.sin(i * (k + 1)));
        const ys = y.reduce((acc, v, i) => acc + v * s[i], 0);
        return { s, y, ys, rho: 1 / ys, yy: y.reduce((acc, v) => acc + v * v, 0) };
      });
      const d = new Float32Array(n);
      const fused = searchDirection(d, g, pairs);
      const expected = twoLoop(g, pairs);
      expect(d, `${k} pairs`).toEqual(expected.d);
      expect([fused.gtd, fused.dMax], `${k} pairs`).toEqual([expected.gtd, expected.dMax]);
      if (k > 0) expect(fused.gtd).toBeLessThan(0); // a descent direction, as the positive pairs promise
    }
  });

  it('minimises the 10-dimensional Rosenbrock function to below 1e-6', async () => {
    // Float32 state limits how close x gets to the minimum, not the method: 1e-6 in f is ~1e-4 in x.
    const x = new Float32Array(10).fill(-1.2);
    const result = await lbfgs(rosenbrock, x, { iterations: 500, maxEvaluations: 2000 });
    expect(result.loss).toBeLessThan(1e-6);
    for (const xi of x) expect(xi).toBeCloseTo(1, 2);
  });

  it('reports every iteration with a non-increasing loss', async () => {
    const x = new Float32Array(10).fill(-1.2);
    const losses: number[] = [];
    await lbfgs(rosenbrock, x, { iterations: 30, onIteration: (r) => losses.push(r.loss) });
    expect(losses.length).toBeGreaterThan(0);
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThanOrEqual(losses[i - 1]);
  });

  it('solves an ill-conditioned quadratic (condition 34) in 40 iterations', async () => {
    const diag = [1, 2, 3, 5, 8, 13, 21, 34];
    const quad: Objective = async (x, g) => {
      let f = 0;
      for (let i = 0; i < x.length; i++) {
        f += 0.5 * diag[i] * (x[i] - i) ** 2;
        g[i] = diag[i] * (x[i] - i);
      }
      return f;
    };
    const x = new Float32Array(8);
    const result = await lbfgs(quad, x, { iterations: 40 });
    expect(result.loss).toBeLessThan(1e-8);
    // Plain gradient descent with the best fixed step needs hundreds of iterations here; L-BFGS uses curvature.
    expect(result.iterations).toBeLessThan(40);
  });

  it("first trial step: PyTorch's min(1, 1/||g||_1) by default, or sized so no coordinate moves more than asked", async () => {
    // f = sum (x - 3)^2 from 0: g = -6 everywhere; the first trial point shows the step's rule.
    const firstTrial = async (options: { firstStepMaxChange?: number }): Promise<number> => {
      const points: number[] = [];
      const f: Objective = async (x, g) => {
        points.push(x[0]);
        let v = 0;
        for (let i = 0; i < x.length; i++) {
          v += (x[i] - 3) ** 2;
          g[i] = 2 * (x[i] - 3);
        }
        return v;
      };
      await lbfgs(f, new Float32Array(100), { iterations: 1, maxEvaluations: 3, ...options });
      return points[1];
    };
    expect(await firstTrial({})).toBeCloseTo(6 / 600, 6); // t = 1 / (100 x 6), d = -g = 6
    expect(await firstTrial({ firstStepMaxChange: 0.5 })).toBeCloseTo(0.5, 6);
  });

  it('historySize shapes the path on a non-quadratic (1 pair against 10); the same size repeats it exactly', async () => {
    const path = async (historySize: number): Promise<number> => {
      const x = new Float32Array(10).fill(-1.2);
      return (await lbfgs(rosenbrock, x, { iterations: 15, historySize })).loss;
    };
    const [one, ten] = [await path(1), await path(10)];
    expect(one).not.toBe(ten);
    expect(ten).toBe(await path(10));
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const x = new Float32Array(10).fill(-1.2);
    const run = lbfgs(rosenbrock, x, {
      iterations: 100,
      signal: controller.signal,
      onIteration: (r) => {
        if (r.iteration === 3) controller.abort(new Error('stop'));
      },
    });
    await expect(run).rejects.toThrow('stop');
  });

  it('stops narrowing a line search below stepTolerance, where no step can decrease f', async () => {
    // At the minimum of |x|^2, with a gradient that is rounding noise (as a clip restyled with itself starts): every
    // step raises f, so the line search can only shrink its bracket until it gives up.
    const noise = [1e-6, -2e-6, 0.5e-6];
    const atNoise: Objective = async (x, grad) => {
      let f = 0;
      for (let i = 0; i < x.length; i++) {
        f += x[i] * x[i];
        grad[i] = 2 * x[i] + noise[i];
      }
      return f;
    };
    const run = async (stepTolerance?: number) => {
      const x = new Float32Array(3);
      return { r: await lbfgs(atNoise, x, { iterations: 5, firstStepMaxChange: 0.5, stepTolerance }), x };
    };
    const fine = await run(); // down to changeTolerance's 1e-9
    const floored = await run(1e-4);
    for (const { r, x } of [fine, floored]) {
      expect(r.stopReason).toBe('line-search');
      expect(Array.from(x)).toEqual([0, 0, 0]); // no step taken
    }
    // The bracket halves from a 0.5 change: under 1e-4 after 13 trials, under 1e-9 after 23 (the last few shrink faster).
    expect(floored.r.evaluations).toBe(1 + 1 + 13);
    expect(fine.r.evaluations).toBe(24);
  });

  it('cubic interpolation finds the minimum of a cubic exactly', () => {
    // f(t) = (t - 1)^2 (t + 2): minimum at t = 1 in [0, 3].
    const f = (t: number) => (t - 1) ** 2 * (t + 2);
    const df = (t: number) => 2 * (t - 1) * (t + 2) + (t - 1) ** 2;
    expect(cubicMinimizer(0, f(0), df(0), 3, f(3), df(3), 0, 3)).toBeCloseTo(1, 10);
  });
});

describe('Adam', () => {
  it('minimises a convex quadratic', async () => {
    const quad: Objective = async (x, g) => {
      let f = 0;
      for (let i = 0; i < x.length; i++) {
        f += (x[i] - 3) ** 2;
        g[i] = 2 * (x[i] - 3);
      }
      return f;
    };
    const x = new Float32Array(5);
    const result = await adam(quad, x, { iterations: 500, learningRate: 0.1 });
    expect(result.loss).toBeLessThan(1e-6);
  });
});
