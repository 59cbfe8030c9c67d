import { createRealFft, isPowerOfTwo, type RealFft } from './fft.js';
import { hannWindow } from './window.js';

/** A complex spectrogram stored bin-major: value (bin c, frame t) sits at index c * frames + t, the model's C x T layout. */
export interface Spectrogram {
  /** Real parts, bins x frames. */
  re: Float32Array;
  /** Imaginary parts, bins x frames. */
  im: Float32Array;
  /** Number of frequency bins, nFft/2 + 1. */
  bins: number;
  /** Number of frames. */
  frames: number;
}

/** Number of frames a centred STFT gives for a signal of `length` samples (librosa/torch center=True). */
export function frameCount(length: number, hop: number): number {
  return 1 + Math.floor(length / hop);
}

/**
 * A short-time Fourier transform of fixed size with a periodic Hann window and centred frames
 * (the signal is padded by nFft/2 zeros each side, as librosa and torch do with center=True).
 * Buffers are allocated once: Griffin-Lim calls forward/inverse hundreds of times.
 */
export class StftPlan {
  /** FFT length. */
  readonly nFft: number;
  /** Hop between frames, in samples. */
  readonly hop: number;
  /** Frequency bins, nFft/2 + 1. */
  readonly bins: number;
  /** The analysis/synthesis window. */
  readonly window: Float32Array;
  private readonly fft: RealFft;
  private readonly frame: Float64Array;
  /** One frame's bins, for inversePolar. */
  private readonly binRe: Float32Array;
  private readonly binIm: Float32Array;

  /** Plans an STFT; nFft must be a power of two and 1 <= hop <= nFft. */
  constructor(nFft: number, hop: number) {
    if (!isPowerOfTwo(nFft)) throw new RangeError(`n_fft must be a power of two >= 2, got ${nFft}`);
    if (!Number.isInteger(hop) || hop < 1 || hop > nFft) throw new RangeError(`hop must be an integer in [1, n_fft=${nFft}], got ${hop}`);
    this.nFft = nFft;
    this.hop = hop;
    this.bins = nFft / 2 + 1;
    this.window = hannWindow(nFft);
    this.fft = createRealFft(nFft);
    this.frame = new Float64Array(nFft);
    this.binRe = new Float32Array(this.bins);
    this.binIm = new Float32Array(this.bins);
  }

  /** Allocates an empty spectrogram for a signal of `length` samples. */
  allocate(length: number): Spectrogram {
    const frames = frameCount(length, this.hop);
    return { re: new Float32Array(this.bins * frames), im: new Float32Array(this.bins * frames), bins: this.bins, frames };
  }

  /** Forward STFT of `signal`; fills `out` (from allocate) or a new spectrogram. */
  forward(signal: Float32Array, out: Spectrogram = this.allocate(signal.length)): Spectrogram {
    const frames = frameCount(signal.length, this.hop);
    if (out.frames !== frames || out.bins !== this.bins) throw new RangeError('STFT output has the wrong shape for this signal');
    for (let t = 0; t < frames; t++) {
      this.windowFrame(signal, t);
      this.fft.forward(this.frame, out.re, out.im, t, frames);
    }
    return out;
  }

  /** Puts frame t of `signal`, windowed, in this.frame (zeros where the frame reaches past the signal's ends). */
  private windowFrame(signal: Float32Array, t: number): void {
    const { nFft, window, frame } = this;
    const start = t * this.hop - nFft / 2; // first sample of this frame in signal coordinates
    const i0 = Math.max(0, -start);
    const i1 = Math.min(nFft, signal.length - start);
    frame.fill(0, 0, i0);
    for (let i = i0; i < i1; i++) frame[i] = signal[start + i] * window[i];
    frame.fill(0, Math.max(i0, i1));
  }

  /**
   * Inverse STFT by weighted overlap-add, normalised by the summed squared window, trimmed to `length` samples.
   * `out` may be passed to avoid allocation.
   */
  inverse(spec: Spectrogram, length: number, out: Float32Array = new Float32Array(length)): Float32Array {
    const { frame } = this;
    const { frames } = spec;
    return this.overlapAdd(frames, length, out, [0, length], (t) => this.fft.inverse(spec.re, spec.im, frame, t, frames));
  }

  /**
   * Forward STFT of `signal` frame by frame, without storing it: `visit(t, re, im)` gets frame t's bins 0..nFft/2 in
   * buffers that the next frame reuses; only frames [first, end) with those arguments. Griffin-Lim updates its phase
   * from each frame as it comes, where a bin-major spectrogram would be written with a stride of the frame count.
   */
  forwardFrames(
    signal: Float32Array,
    visit: (t: number, re: Float32Array, im: Float32Array) => void,
    first = 0,
    end = frameCount(signal.length, this.hop),
  ): void {
    const { frame, binRe, binIm } = this;
    for (let t = first; t < end; t++) {
      this.windowFrame(signal, t);
      this.fft.forward(frame, binRe, binIm, 0, 1);
      visit(t, binRe, binIm);
    }
  }

  /**
   * The inverse STFT of magnitude x (cos + i sin), without forming that complex spectrogram: Griffin-Lim calls this
   * every iteration, and on a long clip the two spectrogram-sized arrays it saves are hundreds of megabytes. The
   * magnitude is bins x frames (bin-major); the phase's cos and sin are frame-major (frame t's bins at t * bins), the
   * order forwardFrames gives them in. With `samples` = [s0, s1), only out[s0..s1) is written, from the frames that
   * reach it, each sample's terms added in the same order as for the whole signal (so that threads can share it).
   */
  inversePolar(
    magnitude: Float32Array,
    cos: Float32Array,
    sin: Float32Array,
    length: number,
    out: Float32Array = new Float32Array(length),
    samples: [number, number] = [0, length],
  ): Float32Array {
    const { frame, bins, binRe, binIm } = this;
    const frames = frameCount(length, this.hop);
    return this.overlapAdd(frames, length, out, samples, (t) => {
      const base = t * bins;
      for (let k = 0; k < bins; k++) {
        const m = magnitude[k * frames + t];
        binRe[k] = m * cos[base + k];
        binIm[k] = m * sin[base + k];
      }
      this.fft.inverse(binRe, binIm, frame, 0, 1);
    });
  }

  /** Inverse real FFT of one frame's bins 0..nFft/2 (Hermitian spectrum) into `out` (nFft samples), no window. */
  inverseFrame(re: Float32Array, im: Float32Array, out: Float64Array): void {
    this.fft.inverse(re, im, out, 0, 1);
  }

  /**
   * Overlap-adds the windowed frames that `inverseFrameAt(t)` leaves in this.frame into out[s0..s1), then normalises
   * those samples. Only the frames that reach [s0, s1) are inverted, in increasing order as for the whole signal.
   */
  private overlapAdd(frames: number, length: number, out: Float32Array, [s0, s1]: [number, number], inverseFrameAt: (t: number) => void): Float32Array {
    const { nFft, hop, window, frame } = this;
    const half = nFft / 2;
    out.fill(0, s0, s1);
    const norm = this.windowSumSquare(frames, length, s0, s1);
    // Frame t covers samples [t * hop - half, t * hop - half + nFft).
    const first = Math.max(0, Math.floor((s0 + half - nFft) / hop) + 1);
    const end = Math.min(frames, Math.ceil((s1 + half) / hop));
    for (let t = first; t < end; t++) {
      inverseFrameAt(t);
      const start = t * hop - half;
      const i0 = Math.max(0, s0 - start);
      const i1 = Math.min(nFft, s1 - start);
      for (let i = i0; i < i1; i++) out[start + i] += frame[i] * window[i];
    }
    for (let j = s0; j < s1; j++) out[j] = norm[j - s0] > 1e-8 ? out[j] / norm[j - s0] : 0;
    return out;
  }

  private cachedNorm: { frames: number; length: number; s0: number; s1: number; norm: Float32Array } | null = null;

  /**
   * Sum of squared windows at output samples [s0, s1) (norm[j - s0] for sample j), cached because Griffin-Lim reuses
   * one shape. Only the range: a thread that rebuilds part of a long clip holds its part, not the clip's length.
   */
  private windowSumSquare(frames: number, length: number, s0: number, s1: number): Float32Array {
    const c = this.cachedNorm;
    if (c && c.frames === frames && c.length === length && c.s0 === s0 && c.s1 === s1) return c.norm;
    const { nFft, hop, window } = this;
    const norm = new Float32Array(s1 - s0);
    for (let t = 0; t < frames; t++) {
      const start = t * hop - nFft / 2;
      const i1 = Math.min(nFft, s1 - start);
      for (let i = Math.max(0, s0 - start); i < i1; i++) norm[start + i - s0] += window[i] * window[i];
    }
    this.cachedNorm = { frames, length, s0, s1, norm };
    return norm;
  }
}
