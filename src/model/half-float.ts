/**
 * IEEE 754 half precision (binary16) storage for float32 arrays that are kept long and read rarely: half the bytes, a
 * relative rounding error of at most 2^-11 (4.9e-4) for normal values. Node 20 has no Float16Array, so the bits live in
 * a Uint16Array. A power-of-two scale per block keeps values of any size inside binary16's range (up to 65504) without
 * further rounding.
 */

/** Values stored at half precision: `bits` times `scale` (a power of two) are the values. */
export interface HalfBlock {
  /** binary16 bit patterns. */
  bits: Uint16Array;
  /** Multiplies every decoded value (a power of two, so exact). */
  scale: number;
}

/** Largest finite binary16 value. */
export const HALF_MAX = 65504;

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** The binary16 bits nearest to `value` (round to nearest, ties to even; overflow gives infinity, NaN stays NaN). */
export function halfBits(value: number): number {
  scratch[0] = value;
  const b = scratchBits[0];
  const sign = (b >>> 16) & 0x8000;
  const exponent = (b >>> 23) & 0xff;
  const mantissa = b & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 112; // rebiased: 127 -> 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // A binary16 subnormal, m x 2^-24: the full 24-bit significand shifted down, rounded on the bits shifted out.
    const shift = 14 - e;
    if (shift > 24) return sign;
    const full = mantissa | 0x800000;
    let m = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && m & 1)) m++;
    return sign | m;
  }
  let h = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry into the exponent is the right rounding, up to infinity
  return sign | h;
}

let table: Float32Array | null = null;

/** Every binary16 bit pattern's value, built once (256 KB): decoding is then a lookup. */
function halfTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) table[h] = sign * mantissa * 2 ** -24;
    else if (exponent === 0x1f) table[h] = mantissa ? NaN : sign * Infinity;
    else table[h] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return table;
}

/** The value of binary16 bits `h`. */
export function halfValue(h: number): number {
  return halfTable()[h & 0xffff];
}

/**
 * `values` at half precision. The scale is the power of two that brings the largest magnitude to at most 2^15, so that
 * nothing overflows and every value keeps binary16's full precision down to 2^-28 of the largest (below that, the
 * subnormals keep less).
 */
export function encodeHalf(values: Float32Array): HalfBlock {
  let largest = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (!(a < Infinity)) throw new RangeError(`encodeHalf: values must be finite, value ${i} is ${values[i]}`);
    if (a > largest) largest = a;
  }
  const scale = largest > 0 ? 2 ** (Math.ceil(Math.log2(largest)) - 15) : 1;
  const inverse = 1 / scale;
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    bits[i] = v === 0 ? 0 : halfBits(v * inverse); // ReLU features are mostly zeros: skip the bit work for them
  }
  return { bits, scale };
}

/** Decodes `block` into `out` (float32, the block's length; allocated when omitted). */
export function decodeHalf(block: HalfBlock, out = new Float32Array(block.bits.length)): Float32Array {
  const { bits, scale } = block;
  if (out.length !== bits.length) throw new RangeError(`decodeHalf: output holds ${out.length} values, the block ${bits.length}`);
  const t = halfTable();
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]] * scale;
  return out;
}
