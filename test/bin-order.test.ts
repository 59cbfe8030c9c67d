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

describe('what a run holds between its steps', () => {
  // Before Griffin-Lim between rounds the run lets go of what the next step will not use (its memory is then free for
  // Griffin-Lim's arrays), and keeps what it will: the objective when the next step is the same channel on the same
  // net, the style statistics when the next step reads the same net's.
  it('releases the objective and statistics the next step would replace, and nothing it would reuse', async () => {
    const runtime = { ort, executionProviders: ['cpu'], threads: 1 };
    const rng = new Random(5);
    /** The steps' builds and releases in the order they came: "statistics R", "objective R", "released S". */
    const run = async (roundNets: 'vary' | 'same', channels: number, steps: [number, number][]): Promise<string[]> => {
      const settings = resolveSettings({ nFft: 64, filters: 8, kernel: 5, contentWeight: 1, rounds: 2, roundNets });
      const bins = settings.nFft / 2 + 1;
      const spec = (length: number) => ({ data: Float32Array.from({ length: bins * length }, () => 2 * rng.uniform()), bins, frames: length });
      const net = StyleNet.create(runtime, { bins, filters: settings.filters, kernel: settings.kernel }, 1);
      const log: string[] = [];
      const objectives = new RoundObjectives({
        nets: [net], settings, frames: 100, style: spec(150), contents: Array.from({ length: channels }, () => spec(100)), channels,
        checkCancel: () => {}, onWork: (what, round) => log.push(`${what} ${round}`),
      });
      const marked = new WeakSet<object>();
      for (const [i, [channel, round]] of steps.entries()) {
        const objective = await objectives.objectiveFor(channel, round);
        if (!marked.has(objective)) {
          marked.add(objective);
          const dispose = objective.dispose.bind(objective);
          objective.dispose = async () => { log.push(`released ${i}`); await dispose(); };
        }
        const next = steps[i + 1];
        if (next) await objectives.releaseUnusedBy({ channel: next[0], round: next[1] });
      }
      await objectives.release();
      await net.dispose();
      return log;
    };
    // A new net each round: the first round's objective goes before the second round's statistics are taken.
    expect(await run('vary', 1, [[0, 0], [0, 1]])).toEqual(['statistics 0', 'objective 0', 'released 0', 'statistics 1', 'objective 1', 'released 1']);
    // One net for every round: the objective is kept for the next round and released once, at the end.
    expect(await run('same', 1, [[0, 0], [0, 1]])).toEqual(['statistics 0', 'objective 0', 'released 0']);
    // Two channels on a new net each round: the statistics stay for the round's second channel, the objectives go.
    expect(await run('vary', 2, [[0, 0], [1, 0], [0, 1], [1, 1]])).toEqual([
      'statistics 0', 'objective 0', 'released 0', 'objective 0', 'released 1', 'statistics 1', 'objective 1', 'released 2', 'objective 1', 'released 3',
    ]);
  });
});
