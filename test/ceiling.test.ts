import { describe, expect, it } from 'vitest';
import { bandMaxima } from '../src/dsp/spectrogram.js';
import { ceilingInOrder, clampRows, underCeiling } from '../src/pipeline/ceiling.js';
import { binOrder, reorderBins } from '../src/pipeline/bin-order.js';
import type { ObjectiveValue, SpectrogramObjective } from '../src/model/objectives.js';

/** f(x) = sum of w_i x_i^3 / 3 + x_i: smooth, with a gradient w_i x_i^2 + 1 that is never 0 (so a zero means "clamped"). */
function cubic(weights: Float32Array, frames: number): SpectrogramObjective & { seen: Float32Array[] } {
  const seen: Float32Array[] = [];
  return {
    frames,
    seen,
    async evaluate(x: Float32Array, grad: Float32Array): Promise<ObjectiveValue> {
      seen.push(x.slice());
      let loss = 0;
      for (let i = 0; i < x.length; i++) {
        loss += (weights[i] * x[i] ** 3) / 3 + x[i];
        grad[i] = weights[i] * x[i] ** 2 + 1;
      }
      return { loss, styleLoss: loss, contentLoss: 0, rhythmLoss: 0 };
    },
    dispose: async () => {},
  };
}

describe('bandMaxima', () => {
  it("gives each row its largest value over frames, negatives and a single frame included", () => {
    expect(Array.from(bandMaxima({ data: Float32Array.from([1, 5, 2, -3, -1, -2]), bins: 2, frames: 3 }))).toEqual([5, -1]);
    expect(Array.from(bandMaxima({ data: Float32Array.from([0.5, 4]), bins: 2, frames: 1 }))).toEqual([0.5, 4]);
  });
});

describe("a texture's ceiling", () => {
  it('clamps each row to its own ceiling, in place or into another array, and checks the sizes', () => {
    const x = Float32Array.from([1, 3, 5, 1, 3, 5]);
    const out = new Float32Array(6);
    expect(Array.from(clampRows(x, Float32Array.from([2, 4]), 3, out))).toEqual([1, 2, 2, 1, 3, 4]);
    expect(Array.from(x)).toEqual([1, 3, 5, 1, 3, 5]);
    clampRows(x, Float32Array.from([2, 4]), 3);
    expect(Array.from(x)).toEqual([1, 2, 2, 1, 3, 4]);
    expect(() => clampRows(x, Float32Array.from([2, 4, 6]), 3)).toThrow(RangeError);
  });

  it("follows a round's bin order: each reordered row keeps its own bin's ceiling", () => {
    const bins = 9;
    const frames = 4;
    const ceiling = Float32Array.from({ length: bins }, (_, c) => c);
    const x = new Float32Array(bins * frames).fill(100);
    const order = binOrder(bins, 5, 1)!;
    reorderBins(x, bins, frames, order);
    clampRows(x, ceilingInOrder(ceiling, order), frames);
    reorderBins(x, bins, frames, order, true);
    for (let c = 0; c < bins; c++) expect(Array.from(x.subarray(c * frames, (c + 1) * frames))).toEqual([c, c, c, c]);
    expect(ceilingInOrder(ceiling, null)).toBe(ceiling);
  });

  it('evaluates the objective at the clamped point; its gradient matches finite differences and is 0 above the ceiling', async () => {
    const bins = 3;
    const frames = 4;
    const weights = Float32Array.from({ length: bins * frames }, (_, i) => 0.5 + 0.1 * i);
    const ceiling = Float32Array.from([1, 2, 0.5]);
    const inner = cubic(weights, frames);
    const bounded = underCeiling(inner, ceiling);
    // Values under and over each row's ceiling, none within 0.05 of it (the kinks).
    const x = Float32Array.from([0.2, 1.5, -0.3, 0.9, 2.4, 1.0, 1.7, 3.0, 0.1, 0.7, -1.0, 0.3]);
    const original = x.slice();
    const grad = new Float32Array(x.length);
    const { loss } = await bounded.evaluate(x, grad);
    const clamped = clampRows(x, ceiling, frames, new Float32Array(x.length));
    expect(Array.from(inner.seen[0])).toEqual(Array.from(clamped));
    expect(x).toEqual(original); // the caller's point is left alone
    const h = 1e-3;
    for (let i = 0; i < x.length; i++) {
      const at = async (d: number): Promise<number> => {
        const y = x.slice();
        y[i] += d;
        return (await bounded.evaluate(y, new Float32Array(x.length))).loss;
      };
      const numeric = ((await at(h)) - (await at(-h))) / (2 * h);
      expect(Math.abs(grad[i] - numeric)).toBeLessThan(2e-3 * Math.max(1, Math.abs(numeric)));
      const above = x[i] > ceiling[Math.floor(i / frames)];
      expect(grad[i] === 0).toBe(above);
    }
    expect(Number.isFinite(loss)).toBe(true);
  });
});
