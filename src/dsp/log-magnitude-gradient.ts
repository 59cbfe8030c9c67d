import type { Spectrogram, StftPlan } from './stft.js';

/**
 * Gradient through the analysis S = log1p(|STFT(x)|): given dL/dS (bins x frames) and the STFT of x, returns dL/dx.
 * It lets the optimiser work on the waveform itself, so the result is always a real signal's spectrogram and no phase
 * has to be guessed. Per bin the complex gradient is g = dL/dS / (1 + |X|) * X / |X| (zero where |X| = 0); per frame
 * dL/dframe_n = Re sum_k g_k e^{2 pi i k n / N} (the adjoint of the real FFT: an inverse real FFT with the inner bins
 * halved, times N), then windowed and overlap-added like the analysis frames, the centre padding dropped.
 */
export function logMagnitudeGradient(plan: StftPlan, spec: Spectrogram, gradS: Float32Array, length: number, out: Float32Array = new Float32Array(length)): Float32Array {
  const { nFft, hop, window, bins } = plan;
  const { frames } = spec;
  const half = nFft / 2;
  const gre = new Float32Array(bins);
  const gim = new Float32Array(bins);
  const frame = new Float64Array(nFft);
  out.fill(0);
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < bins; k++) {
      const i = k * frames + t;
      const re = spec.re[i];
      const im = spec.im[i];
      const mag = Math.hypot(re, im);
      // Inner bins appear twice in the Hermitian spectrum the inverse FFT assumes: halve them.
      const scale = mag > 0 ? (gradS[i] / ((1 + mag) * mag)) * (k === 0 || k === bins - 1 ? nFft : nFft / 2) : 0;
      gre[k] = re * scale;
      gim[k] = k === 0 || k === bins - 1 ? 0 : im * scale;
    }
    plan.inverseFrame(gre, gim, frame);
    const start = t * hop - half;
    const i0 = Math.max(0, -start);
    const i1 = Math.min(nFft, length - start);
    for (let i = i0; i < i1; i++) out[start + i] += frame[i] * window[i];
  }
  return out;
}
