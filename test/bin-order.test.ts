import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { binOrder, reorderBins } from '../src/pipeline/bin-order.js';
import { RoundObjectives } from '../src/pipeline/round-objectives.js';
import { resolveSettings } from '../src/pipeline/settings.js';
import { StyleNet } from '../src/model/style-net.js';
import { Random } from '../src/dsp/random.js';

/** Row c of the result is row order[c] of the input: the definition, with a second matrix. */
function gatherRows(data: Float32Array, frames: number, order: Int32Array): Float32Array {
  const out = new Float32Array(data.length);
  order.forEach((from, c) => out.set(data.subarray(from * frames, (from + 1) * frames), c * frames));
  return out;
}

describe('bin order of each round', () => {
  it('is the identity in round 0 and a seeded permutation of every bin after', () => {
    expect(binOrder(1025, 0, 0)).toBeNull();
    const order = binOrder(1025, 0, 1)!;
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 1025 }, (_, i) => i));
    // Well shuffled: few bins stay where they were (1 expected for a random permutation).
    expect(order.filter((b, i) => b === i).length).toBeLessThan(10);
    expect(binOrder(1025, 0, 1)).toEqual(order);
    expect(binOrder(1025, 0, 2)).not.toEqual(order);
    expect(binOrder(1025, 1, 1)).not.toEqual(order);
  });

  it('reorders rows in place as a gather with a second matrix would, and the inverse puts them back', () => {
    for (const [bins, frames] of [[1025, 7], [5, 1], [64, 33]]) {
      const data = Float32Array.from({ length: bins * frames }, (_, i) => Math.sin(i * 1.7) + i * 1e-3);
      const original = data.slice();
      const order = binOrder(bins, 3, 2)!;
      reorderBins(data, bins, frames, order);
      expect(data).toEqual(gatherRows(original, frames, order));
      reorderBins(data, bins, frames, order, true);
      expect(data).toEqual(original);
    }
    expect(() => reorderBins(new Float32Array(10), 5, 2, new Int32Array(4))).toThrow(RangeError);
  });
});

describe('a later round\'s objective', () => {
  // Its net reads the bins in the round's order, and so must the content's features it holds: at the content in that
  // order the content term is at its minimum. 200 frames run in one graph; 4200 (4196 feature frames) chunk by chunk,
  // with the features taken from the content's spectrogram at half precision, during the objective's build.
  it.each([200, 4200])('holds the content\'s features in the round\'s bin order (%i frames)', async (frames) => {
    const runtime = { ort, executionProviders: ['cpu'], threads: 1 };
    const settings = resolveSettings({ nFft: 64, filters: 8, kernel: 5, contentWeight: 1, rounds: 2, roundNets: 'vary' });
    const bins = settings.nFft / 2 + 1;
    const rng = new Random(4);
    const spec = (length: number) => ({ data: Float32Array.from({ length: bins * length }, () => 2 * rng.uniform()), bins, frames: length });
    const content = spec(frames);
    const original = content.data.slice();
    const net = StyleNet.create(runtime, { bins, filters: settings.filters, kernel: settings.kernel }, 1);
    const objectives = new RoundObjectives({ nets: [net], settings, frames, style: spec(300), contents: [content], channels: 1, checkCancel: () => {} });
    const order = objectives.orders[1];
    expect(order).not.toBeNull();
    const objective = await objectives.objectiveFor(0, 1);
    expect(content.data).toEqual(original); // put back after the build
    const inOrder = content.data.slice();
    reorderBins(inOrder, bins, frames, order!);
    const grad = new Float32Array(inOrder.length);
    const atContent = await objective.evaluate(inOrder, grad);
    const unordered = await objective.evaluate(content.data, grad);
    expect(unordered.contentLoss).toBeGreaterThan(0);
    expect(atContent.contentLoss).toBeLessThan(1e-5 * unordered.contentLoss);
    await objectives.release();
    await net.dispose();
  });
});
