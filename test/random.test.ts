import { describe, expect, it } from 'vitest';
import { Random, cosSinTurn, minusTwoLogUniform } from '../src/dsp/random.js';

const TWO_32 = 4294967296;

/** uint32 values where the logarithm changes branch: around powers of two, fdlibm's thresholds, and the ends. */
function edgeIntegers(): number[] {
  const out = [0, 1, 2, 3, 0xfffff, 0x100000, 0x100001, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
  for (let k = 0; k < 32; k++) for (const d of [-2, -1, 0, 1, 2]) out.push((2 ** k + d) >>> 0);
  // hx = 0x6147a, 0x6a09c, 0x6b851, 0xffffe at top bit 31 and at top bit 12 (below 2^20, where +0.5 counts)
  for (const hx of [0x6147a, 0x6a09b, 0x6a09c, 0x6b851, 0x6b852, 0xffffe, 0xfffff]) {
    for (const top of [12, 20, 31]) {
      const t = 2 ** top + Math.floor(hx * 2 ** (top - 20));
      for (const d of [-1, 0, 1]) out.push((t + d) >>> 0);
    }
  }
  return out;
}

describe('seeded random numbers', () => {
  it('computes -2 ln u exactly as Math.log does in Node (fdlibm), at every branch edge and on 200k random values', () => {
    // V8's Math.log is fdlibm's e_log.c, which minusTwoLogUniform follows step by step: the results must be identical.
    const rng = new Random(11);
    const values = [...edgeIntegers(), ...Array.from({ length: 200_000 }, () => rng.uint32())];
    const mismatches = values.filter((t) => minusTwoLogUniform(t) !== -2 * Math.log((t + 0.5) / TWO_32));
    expect(mismatches).toEqual([]);
  });

  it('computes cos and sin of a turn to within 1e-15 of Math.cos/sin, exactly at quarter turns', () => {
    const out = new Float64Array(2);
    const rng = new Random(12);
    const turns = [0, 1 / 8, 3 / 8, 0.5 - 2 ** -33, 0.5 + 2 ** -33, 0.875, 1 - 2 ** -33, ...Array.from({ length: 100_000 }, () => rng.uniform())];
    let worst = 0;
    let worstNorm = 0;
    for (const u of turns) {
      cosSinTurn(u, out);
      worst = Math.max(worst, Math.abs(out[0] - Math.cos(2 * Math.PI * u)), Math.abs(out[1] - Math.sin(2 * Math.PI * u)));
      worstNorm = Math.max(worstNorm, Math.abs(out[0] * out[0] + out[1] * out[1] - 1));
    }
    expect(worst).toBeLessThan(1e-15);
    expect(worstNorm).toBeLessThan(4e-16);
    for (const [u, c, s] of [[0, 1, 0], [0.25, 0, 1], [0.5, -1, 0], [0.75, 0, -1]]) {
      cosSinTurn(u, out);
      expect(Math.abs(out[0] - c)).toBe(0);
      expect(Math.abs(out[1] - s)).toBe(0);
    }
  });

  it('draws the same sequence as before on every engine (pinned values)', () => {
    // No Math.log/sin/cos in the draw, whose results the language lets each engine choose: these are exact.
    const r = new Random(0);
    expect([r.uint32(), r.uint32(), r.uint32()]).toEqual([4205396811, 3543653536, 1222415357]);
    const n = new Random(0);
    expect(Array.from({ length: 6 }, () => n.normal())).toEqual([
      0.09328874276853004, -0.18288734591606517, -0.398874369120108, -1.534317344652199, -1.8989252220302202,
      -1.0986989390057433,
    ]);
  });

  it('fills arrays with the sequence normal() gives, whatever the lengths and the spare value', () => {
    const a = new Random(5);
    const b = new Random(5);
    for (const length of [1, 7, 1000, 2, 333]) {
      const filled = a.fillNormal(new Float32Array(length), 0.5);
      for (let i = 0; i < length; i++) expect(filled[i]).toBe(Math.fround(0.5 * b.normal()));
    }
  });

  it('continues a sequence from a snapshot, and skips normals as if they had been drawn', () => {
    const whole = new Random(11).fillNormal(new Float32Array(1000));
    const rng = new Random(11);
    rng.fillNormal(new Float32Array(100));
    expect(Random.fromState(rng.snapshot()).fillNormal(new Float32Array(900))).toEqual(whole.subarray(100));
    rng.skipNormals(600);
    expect(rng.fillNormal(new Float32Array(300))).toEqual(whole.subarray(700));
    // Only on whole Box-Muller pairs: an odd count leaves a normal pending.
    expect(() => rng.skipNormals(3)).toThrow(/whole pair/);
    rng.fillNormal(new Float32Array(1));
    expect(() => rng.snapshot()).toThrow(/pending/);
    expect(() => Random.fromState(new Int32Array(3))).toThrow(/4 words/);
  });

  it('draws standard normals: mean 0, variance 1, kurtosis 3 and the tail mass of 2 sigma (1M values, 5 sigma bounds)', () => {
    const n = 1_000_000;
    const x = new Random(21).fillNormal(new Float32Array(n));
    let m1 = 0;
    let m2 = 0;
    let m4 = 0;
    let beyond2 = 0;
    for (const v of x) {
      m1 += v;
      m2 += v * v;
      m4 += v ** 4;
      if (Math.abs(v) > 2) beyond2++;
    }
    m1 /= n;
    m2 /= n;
    m4 /= n;
    // Standard errors: mean 1/sqrt(n), variance sqrt(2/n), fourth moment sqrt(96/n); P(|z| > 2) = 0.0455003.
    expect(Math.abs(m1)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m2 - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m4 - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    const p = 0.0455003;
    expect(Math.abs(beyond2 / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
  });
});
