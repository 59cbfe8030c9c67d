import FFT from 'fft.js';

/** True when n is a power of two (the FFT sizes this project supports). */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

/**
 * Real FFT of one fixed size with preallocated buffers, so the STFT and Griffin-Lim loops allocate nothing.
 * Spectra are given as separate real and imaginary arrays of n/2+1 bins.
 */
export interface RealFft {
  /** Transform length. */
  readonly size: number;
  /** Number of non-negative frequency bins, size/2+1. */
  readonly bins: number;
  /** Forward transform of `input` (length size); writes bins 0..size/2 into re/im at `offset` with `stride`. */
  forward(input: ArrayLike<number>, re: Float32Array, im: Float32Array, offset?: number, stride?: number): void;
  /** Inverse transform (scaled by 1/size) of a Hermitian spectrum given by its bins 0..size/2; writes size samples. */
  inverse(re: ArrayLike<number>, im: ArrayLike<number>, output: Float32Array | Float64Array, offset?: number, stride?: number): void;
}

/** The raw exports of PFFFT's wasm build that WasmRealFft uses. */
interface PffftModule {
  HEAPF32: Float32Array;
  _pffft_new_setup(size: number, transform: number): number;
  _pffft_aligned_malloc(bytes: number): number;
  _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
}

let pffft: PffftModule | null = null;

/**
 * Loads PFFFT (wasm, SIMD build) once; until it is loaded, or where it cannot load, createRealFft falls back to fft.js.
 * Measured for the STFT sizes here: 3-4x faster than fft.js (ECOSYSTEM.md).
 */
export async function loadFastFft(): Promise<boolean> {
  if (pffft) return true;
  try {
    const { default: create } = await import('@echogarden/pffft-wasm/simd');
    pffft = (await create()) as PffftModule;
  } catch {
    pffft = null;
  }
  return pffft !== null;
}

/** Plans a real FFT of length `size` (a power of two, at least 4): PFFFT when loaded (and size >= 32), else fft.js. */
export function createRealFft(size: number, engine: 'auto' | 'js' = 'auto'): RealFft {
  if (!isPowerOfTwo(size) || size < 4) throw new RangeError(`FFT size must be a power of two >= 4, got ${size}`);
  // PFFFT's real transforms need a multiple of 32.
  return pffft && engine === 'auto' && size >= 32 ? new WasmRealFft(pffft, size) : new JsRealFft(size);
}

/**
 * PFFFT's ordered real transform on wasm memory: one input, output and work buffer per plan, copied in and out per
 * transform (a few microseconds against the transform's tens). Its spectrum is packed as [X0, X(n/2), re X1, im X1, ...].
 */
class WasmRealFft implements RealFft {
  readonly bins: number;
  private readonly setup: number;
  private readonly input: number;
  private readonly output: number;
  private readonly work: number;

  constructor(
    private readonly module: PffftModule,
    readonly size: number,
  ) {
    this.bins = size / 2 + 1;
    this.setup = module._pffft_new_setup(size, 0);
    // Plans live as long as the process (one per STFT size in practice), so their buffers are never freed.
    this.input = module._pffft_aligned_malloc(4 * size) >> 2;
    this.output = module._pffft_aligned_malloc(4 * size) >> 2;
    this.work = module._pffft_aligned_malloc(4 * size) >> 2;
  }

  forward(input: ArrayLike<number>, re: Float32Array, im: Float32Array, offset = 0, stride = 1): void {
    const heap = this.module.HEAPF32; // read each time: wasm memory growth replaces the view
    const n = this.size;
    const h = n / 2;
    for (let i = 0; i < n; i++) heap[this.input + i] = input[i];
    this.module._pffft_transform_ordered(this.setup, this.input << 2, this.output << 2, this.work << 2, 0);
    const out = this.output;
    re[offset] = heap[out];
    im[offset] = 0;
    re[offset + h * stride] = heap[out + 1];
    im[offset + h * stride] = 0;
    for (let k = 1; k < h; k++) {
      re[offset + k * stride] = heap[out + 2 * k];
      im[offset + k * stride] = heap[out + 2 * k + 1];
    }
  }

  inverse(re: ArrayLike<number>, im: ArrayLike<number>, output: Float32Array | Float64Array, offset = 0, stride = 1): void {
    const heap = this.module.HEAPF32;
    const n = this.size;
    const h = n / 2;
    const inp = this.input;
    heap[inp] = re[offset];
    heap[inp + 1] = re[offset + h * stride];
    for (let k = 1; k < h; k++) {
      heap[inp + 2 * k] = re[offset + k * stride];
      heap[inp + 2 * k + 1] = im[offset + k * stride];
    }
    this.module._pffft_transform_ordered(this.setup, inp << 2, this.output << 2, this.work << 2, 1);
    const scale = 1 / n;
    const out = this.output;
    for (let i = 0; i < n; i++) output[i] = heap[out + i] * scale;
  }
}

/** fft.js's real transform, with the inverse done as one half-size complex FFT. */
class JsRealFft implements RealFft {
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
