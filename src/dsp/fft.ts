import FFT from 'fft.js';

/** True when n is a power of two (the FFT sizes this project supports). */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

/**
 * Real FFT of one fixed size with preallocated buffers, so the STFT and Griffin-Lim loops allocate nothing.
 * Spectra are given as separate real and imaginary arrays of n/2+1 bins.
 */
export class RealFft {
  /** Transform length. */
  readonly size: number;
  /** Number of non-negative frequency bins, size/2+1. */
  readonly bins: number;
  private readonly fft: FFT;
  private readonly half: FFT;
  private readonly complexOut: number[];
  private readonly halfIn: number[];
  private readonly halfOut: number[];
  private readonly twiddleCos: Float64Array;
  private readonly twiddleSin: Float64Array;

  /** Plans a transform of length `size` (a power of two, at least 4). */
  constructor(size: number) {
    if (!isPowerOfTwo(size) || size < 4) throw new RangeError(`FFT size must be a power of two >= 4, got ${size}`);
    this.size = size;
    this.bins = size / 2 + 1;
    this.fft = new FFT(size);
    this.half = new FFT(size / 2);
    this.complexOut = this.fft.createComplexArray();
    this.halfIn = this.half.createComplexArray();
    this.halfOut = this.half.createComplexArray();
    this.twiddleCos = new Float64Array(size / 2);
    this.twiddleSin = new Float64Array(size / 2);
    for (let k = 0; k < size / 2; k++) {
      this.twiddleCos[k] = Math.cos((2 * Math.PI * k) / size);
      this.twiddleSin[k] = Math.sin((2 * Math.PI * k) / size);
    }
  }

  /** Forward transform of `input` (length size); writes bins 0..size/2 into re/im at `offset` with `stride`. */
  forward(input: ArrayLike<number>, re: Float32Array, im: Float32Array, offset = 0, stride = 1): void {
    const out = this.complexOut;
    this.fft.realTransform(out, input);
    for (let k = 0; k < this.bins; k++) {
      re[offset + k * stride] = out[2 * k];
      im[offset + k * stride] = out[2 * k + 1];
    }
  }

  /**
   * Inverse transform of a Hermitian spectrum given by its bins 0..size/2 (read at `offset` with `stride`); writes size
   * real samples. Packs the even and odd output samples into one complex signal, so it costs one complex FFT of half
   * the size (~2x faster than the full complex inverse): with E, O the half-size spectra of the even and odd samples,
   * E[k] = (X[k] + conj X[n/2-k]) / 2 and O[k] = (X[k] - conj X[n/2-k]) e^{2 pi i k/n} / 2, and z = IFFT(E + iO).
   */
  inverse(re: ArrayLike<number>, im: ArrayLike<number>, output: Float32Array | Float64Array, offset = 0, stride = 1): void {
    const h = this.size / 2;
    const z = this.halfIn;
    const cos = this.twiddleCos;
    const sin = this.twiddleSin;
    for (let k = 0; k < h; k++) {
      const ar = re[offset + k * stride];
      // The DC and Nyquist bins of a real signal are real; ignore any stray imaginary part there.
      const ai = k === 0 ? 0 : im[offset + k * stride];
      const br = re[offset + (h - k) * stride];
      const bi = -(h - k === h || h - k === 0 ? 0 : im[offset + (h - k) * stride]); // conj X[h-k]
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai + bi);
      const dr = 0.5 * (ar - br);
      const di = 0.5 * (ai - bi);
      // O = D * e^{+i theta}
      const or = dr * cos[k] - di * sin[k];
      const oi = dr * sin[k] + di * cos[k];
      // Z = E + i O
      z[2 * k] = er - oi;
      z[2 * k + 1] = ei + or;
    }
    this.half.inverseTransform(this.halfOut, z);
    const out = this.halfOut;
    for (let m = 0; m < h; m++) {
      output[2 * m] = out[2 * m];
      output[2 * m + 1] = out[2 * m + 1];
    }
  }
}
