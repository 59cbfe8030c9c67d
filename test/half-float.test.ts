import { describe, expect, it } from 'vitest';
import { HALF_MAX, decodeHalf, encodeHalf, halfBits, halfValue } from '../src/model/half-float.js';
import { Random } from '../src/dsp/random.js';

describe('half precision storage', () => {
  it('gives the binary16 bit patterns of known values, rounding to nearest and ties to even', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [0.1, 0x2e66], // 0.0999755859375
      [1 / 3, 0x3555],
      [HALF_MAX, 0x7bff],
      [65519, 0x7bff], // below the midpoint to 65536
      [65520, 0x7c00], // the midpoint: ties to even, which is 65536, out of range: infinity
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // halfway between 0 and 2^-24: ties to even
      [1.5 * 2 ** -25, 0x0001],
      [3 * 2 ** -25, 0x0002], // halfway between subnormals 1 and 2: to 2
      [1 + 2 ** -11, 0x3c00], // halfway between 1 and 1 + 2^-10: to 1 (even)
      [1 + 3 * 2 ** -11, 0x3c02], // halfway between 1 + 2^-10 and 1 + 2^-9: to the even one
      [2048 + 1, 0x6800], // 2049 is halfway between 2048 and 2050
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
    ];
    for (const [value, bits] of cases) expect([value, halfBits(value)]).toEqual([value, bits]);
    expect(halfBits(NaN) & 0x7c00).toBe(0x7c00);
    expect(halfBits(NaN) & 0x3ff).not.toBe(0);
  });

  it('decodes every finite bit pattern to a value that encodes back to the same bits', () => {
    for (let h = 0; h < 65536; h++) {
      const v = halfValue(h);
      if (Number.isNaN(v)) {
        expect((h >>> 10) & 0x1f).toBe(0x1f);
        continue;
      }
      if (halfBits(v) !== h) throw new Error(`bits ${h.toString(16)} decode to ${v}, which encodes to ${halfBits(v).toString(16)}`);
    }
    expect(halfValue(0x3c00)).toBe(1);
    expect(halfValue(0x7bff)).toBe(HALF_MAX);
    expect(halfValue(0x0001)).toBe(2 ** -24);
  });

  it('stores each value as the nearest of its binary16 neighbours, at a power-of-two scale', () => {
    // Independent check of the rounding: no neighbouring bit pattern decodes closer to the value.
    const rng = new Random(5);
    const values = new Float32Array(20000);
    for (let i = 0; i < values.length; i++) values[i] = (rng.uniform() - 0.3) * 10 ** (6 * rng.uniform() - 3);
    const block = encodeHalf(values);
    expect(Number.isInteger(Math.log2(block.scale))).toBe(true);
    const decoded = decodeHalf(block);
    let largest = 0;
    for (const v of values) largest = Math.max(largest, Math.abs(v));
    for (let i = 0; i < values.length; i++) {
      const scaled = values[i] / block.scale;
      const h = block.bits[i];
      const error = Math.abs(halfValue(h) - scaled);
      for (const neighbour of [h - 1, h + 1, h ^ 0x8000]) {
        if (neighbour < 0 || neighbour > 0xffff || Number.isNaN(halfValue(neighbour))) continue;
        expect(error).toBeLessThanOrEqual(Math.abs(halfValue(neighbour) - scaled));
      }
      // Relative error within 2^-11 wherever the value is a binary16 normal after scaling (from 2^-28 of the largest).
      if (Math.abs(values[i]) >= largest * 2 ** -28) expect(Math.abs(decoded[i] - values[i])).toBeLessThanOrEqual(Math.abs(values[i]) * 2 ** -11);
    }
  });

  it('keeps values far beyond binary16’s range finite and exact to its precision, and zeros as zeros', () => {
    const values = Float32Array.of(0, 1e9, -3.5e7, 12345.678, 0);
    const block = encodeHalf(values);
    const decoded = decodeHalf(block);
    expect(decoded[0]).toBe(0);
    expect(decoded[4]).toBe(0);
    for (let i = 1; i < 4; i++) expect(Math.abs(decoded[i] - values[i]) / Math.abs(values[i])).toBeLessThanOrEqual(2 ** -11);
    expect(encodeHalf(new Float32Array(3)).scale).toBe(1);
  });

  it('refuses values that are not finite, and an output of the wrong length', () => {
    expect(() => encodeHalf(Float32Array.of(1, Infinity))).toThrow(/finite/);
    expect(() => encodeHalf(Float32Array.of(NaN))).toThrow(/finite/);
    expect(() => decodeHalf(encodeHalf(Float32Array.of(1, 2)), new Float32Array(3))).toThrow(/holds 3 values, the block 2/);
  });
});
