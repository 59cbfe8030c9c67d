/**
 * Seeded pseudo-random numbers, so that the same seed gives the same net, noise and phase on every platform.
 * Math.random cannot be seeded; sfc32 is small, fast and passes PractRand far beyond the sizes used here.
 *
 * Normal variates come from Box-Muller with our own logarithm, sine and cosine (fdlibm's polynomials, below) rather
 * than Math.log/sin/cos: the ECMAScript standard lets each engine approximate those as it likes, so the same seed could
 * draw a different net in another browser; +, *, / and sqrt are exactly rounded everywhere. They are also faster (a
 * net's 46M weights: 0.75 s against 1.07 s on this project's machine once compiled, and 0.45 s since fillNormalPairs;
 * bench/draw.ts), and in V8 they give the very values Math's functions gave, but for a few weights in a net that
 * differ by one float32 step.
 */

/** 2^-32: a uint32 times this is in [0, 1). */
const INV_2_32 = 1 / 4294967296;

// fdlibm's e_log.c: ln 2 split in two, and the minimax polynomial of (log(1+f) - f + f^2/2) / s, s = f / (2 + f).
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const LG1 = 6.666666666666735130e-1;
const LG2 = 3.999999999940941908e-1;
const LG3 = 2.857142874366239149e-1;
const LG4 = 2.222219843214978396e-1;
const LG5 = 1.818357216161805012e-1;
const LG6 = 1.531383769920937332e-1;
const LG7 = 1.479819860511658591e-1;
/** POW2[k + 1] = 2^-k for k = -1 ... 32 (a uint32's top bit is at -1 ... 31; halving adds one). */
const POW2 = Float64Array.from({ length: 34 }, (_, i) => 2 ** (1 - i));

/**
 * -2 ln u for u = (t + 0.5) / 2^32, t a uint32: the radius of Box-Muller. Computed as fdlibm's log computes ln u (the
 * same splitting, branches and polynomial), so it agrees with engines whose Math.log is fdlibm's (V8, SpiderMonkey).
 * Small enough for the engine to inline into fillNormal's loop.
 */
export function minusTwoLogUniform(t: number): number {
  const top = 31 - Math.clz32(t); // u = x 2^(top - 32) with x in [1, 2); t = 0 gives top = -1, x = 1
  // The mantissa's top 20 bits, which fdlibm's branches test: the bits below t's top bit, except below 2^20 (one value
  // in 4000), where the +0.5 reaches them.
  const hx = top >= 20 ? ((t << (31 - top)) >>> 11) & 0xfffff : Math.floor(((t + 0.5) * POW2[top + 1] - 1) * 1048576);
  if (hx >= 0xffffe || hx === 0) return minusTwoLogNearOne(t, top, hx);
  // fdlibm halves x from hx = 0x6a09c on (x in [sqrt(2)/2, sqrt(2)) then), and picks one of two final forms by hx.
  // Random data would mispredict those branches half the time, so they are arithmetic here.
  const halve = (0x6a09b - hx) >>> 31;
  const dk = top + halve - 32;
  const f = (t + 0.5) * POW2[top + 1 + halve] - 1;
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const r = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7))) + w * (LG2 + w * (LG4 + w * LG6));
  const hfsq = 0.5 * f * f;
  const nearSqrt2 = (((hx - 0x6147a) | (0x6b851 - hx)) >>> 31) ^ 1; // hx in [0x6147a, 0x6b851]
  const withHalfSquare = dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f);
  const plain = dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f);
  return -2 * (nearSqrt2 * withHalfSquare + (1 - nearSqrt2) * plain);
}

/**
 * minusTwoLogUniform where x is within 2^-20 of 1 (hx 0, or 0xffffe and up, which halving brings just below 1): fdlibm's
 * short series. About 3 values in a million; a function of its own so that the common case stays small.
 */
function minusTwoLogNearOne(t: number, top: number, hx: number): number {
  const halve = hx === 0 ? 0 : 1;
  const dk = top + halve - 32;
  const f = (t + 0.5) * POW2[top + 1 + halve] - 1;
  if (f === 0) return -2 * (dk * LN2_HI + dk * LN2_LO);
  const r = f * f * (0.5 - 0.3333333333333333 * f);
  return -2 * (dk * LN2_HI - ((r - dk * LN2_LO) - f));
}

// fdlibm's k_sin.c and k_cos.c: the minimax polynomials of sin and cos on [-pi/4, pi/4].
const S1 = -1.66666666666666324348e-1;
const S2 = 8.33333333332248946124e-3;
const S3 = -1.98412698298579493134e-4;
const S4 = 2.75573137070700676789e-6;
const S5 = -2.50507602534068634195e-8;
const S6 = 1.58969099521155010221e-10;
const C1 = 4.16666666666666019037e-2;
const C2 = -1.38888888888741095749e-3;
const C3 = 2.48015872894767294178e-5;
const C4 = -2.75573143513906633035e-7;
const C5 = 2.08757232129817482790e-9;
const C6 = -1.13596475577881948265e-11;
/** For quarter turn q: cos(2 pi u) = A[q] cos y + B[q] sin y and sin(2 pi u) = A[q] sin y - B[q] cos y (no branch). */
const QUARTER_A = Float64Array.of(1, 0, -1, 0);
const QUARTER_B = Float64Array.of(0, -1, 0, 1);

/**
 * cos(2 pi u) and sin(2 pi u) for u in [0, 1), written to out[0] and out[1]. The turn is split into whole quarters
 * exactly (u has at most 33 significant bits), so only the remainder, within [-pi/4, pi/4], meets a polynomial.
 */
export function cosSinTurn(u: number, out: Float64Array): void {
  const q = u * 4;
  const quarter = (q + 0.5) | 0; // nearest quarter, 0 ... 4
  const y = (q - quarter) * (Math.PI / 2);
  const z = y * y;
  const sin = y + z * y * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)))));
  const r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
  // FreeBSD's k_cos.c: 1 - z/2 rounded, plus what that rounding lost, plus the tail; no branch on |y|.
  const hz = 0.5 * z;
  const w = 1 - hz;
  const cos = w + ((1 - w - hz) + z * r);
  const a = QUARTER_A[quarter & 3];
  const b = QUARTER_B[quarter & 3];
  out[0] = a * cos + b * sin;
  out[1] = a * sin - b * cos;
}

/**
 * Fills out[start], out[start + 1], ... with pairs of normal variates of standard deviation `std` (Box-Muller, each
 * pair from two of sfc32's outputs), as far as whole pairs fit, advancing the generator `state` (a, b, c, d); returns
 * the index after the last pair. A function of its own, not a method, with the state in an Int32Array: V8 then keeps
 * the state in registers and inlines the logarithm, sine and cosine, and a net's 46M weights took 430 ms against 570
 * as a method reading number fields (scratch measurements, the same values to the bit).
 */
function fillNormalPairs(state: Int32Array, out: Float32Array, start: number, std: number, pair: Float64Array): number {
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  const n = out.length;
  let i = start;
  for (; i + 1 < n; i += 2) {
    let t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    const r = Math.sqrt(minusTwoLogUniform(t >>> 0));
    t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    cosSinTurn(((t >>> 0) + 0.5) * INV_2_32, pair);
    out[i] = std * (r * pair[0]);
    out[i + 1] = std * (r * pair[1]);
  }
  state[0] = a;
  state[1] = b;
  state[2] = c;
  state[3] = d;
  return i;
}

/** A seeded generator of uniform and normal variates. */
export class Random {
  /** sfc32's state a, b, c, d (as int32: every step is arithmetic modulo 2^32). */
  private readonly state = new Int32Array(4);
  private spareNormal: number | null = null;
  /** cosSinTurn's output. */
  private readonly pair = new Float64Array(2);

  /** Creates a generator; equal seeds give equal sequences. */
  constructor(seed: number) {
    // splitmix32 spreads a small integer seed over the 128-bit state.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    for (let k = 0; k < 4; k++) this.state[k] = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /**
   * A generator that continues the sequence from `state` (a snapshot()), for drawing a later stretch of it elsewhere
   * (another thread): the same values as the generator the snapshot was taken from would give.
   */
  static fromState(state: Int32Array): Random {
    if (state.length !== 4) throw new RangeError(`a generator state has 4 words, got ${state.length}`);
    const r = new Random(0);
    r.state.set(state);
    return r;
  }

  /** A copy of sfc32's state, for Random.fromState; only with no normal pending (an even count drawn so far). */
  snapshot(): Int32Array {
    if (this.spareNormal !== null) throw new Error('snapshot: a normal variate is pending (an odd count was drawn)');
    return Int32Array.from(this.state);
  }

  /**
   * Moves the sequence on past `count` normal variates (even, none pending) without computing them: each pair is two
   * of sfc32's steps, about 15x cheaper than drawing them. For cutting a long draw into stretches.
   */
  skipNormals(count: number): void {
    if (count % 2 !== 0 || this.spareNormal !== null) throw new RangeError(`skipNormals: ${count} normals do not end on a whole pair`);
    const st = this.state;
    let a = st[0];
    let b = st[1];
    let c = st[2];
    let d = st[3];
    for (let i = 0; i < count; i++) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (((c << 21) | (c >>> 11)) + t) | 0;
    }
    st[0] = a;
    st[1] = b;
    st[2] = c;
    st[3] = d;
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const st = this.state;
    const a = st[0];
    const b = st[1];
    const c = st[2];
    const d = st[3];
    const t = (((a + b) | 0) + d) | 0;
    st[3] = (d + 1) | 0;
    st[0] = b ^ (b >>> 9);
    st[1] = (c + (c << 3)) | 0;
    st[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in (0, 1): never exactly 0, so log() is safe. */
  uniform(): number {
    return (this.uint32() + 0.5) * INV_2_32;
  }

  /** A standard normal variate (Box-Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    const r = Math.sqrt(minusTwoLogUniform(this.uint32()));
    cosSinTurn(this.uniform(), this.pair);
    this.spareNormal = r * this.pair[1];
    return r * this.pair[0];
  }

  /**
   * Fills `out` with normal variates of the given standard deviation and returns it: the same sequence as calling
   * normal() for each element, a pair at a time (fillNormalPairs).
   */
  fillNormal(out: Float32Array, std = 1): Float32Array {
    const n = out.length;
    let i = 0;
    if (n > 0 && this.spareNormal !== null) {
      out[i++] = std * this.spareNormal;
      this.spareNormal = null;
    }
    i = fillNormalPairs(this.state, out, i, std, this.pair);
    if (i < n) out[i] = std * this.normal(); // an odd count leaves the pair's second value spare, as normal() does
    return out;
  }
}
