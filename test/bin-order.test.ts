import { describe, expect, it } from 'vitest';
import { binOrder, reorderBins } from '../src/pipeline/bin-order.js';

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
