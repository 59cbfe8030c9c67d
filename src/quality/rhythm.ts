/**
 * A rhythm measure the Gram-matrix measures cannot give. A Gram matrix averages over time, and the held-out nets span
 * at most 15 frames (350 ms), less than a beat at 120 bpm (21.5 frames): a result can have the drums' timbre with
 * none of their pulse and score as well. The measure here is the style's pulse as an onset-detection tempo analysis
 * sees it: the rise of each of a few wide frequency bands from frame to frame (half-wave rectified spectral flux, the
 * usual onset strength), and each band's autocorrelation over lags up to a second (an autocorrelation tempogram
 * averaged over the clip). Two clips whose onsets repeat at the same spacings, in the same bands, have the same
 * profile, whatever their timbre or level.
 */
import { autocorrelationsOf, bandOnsetStrength, onsetAutocorrelations, type BandRows } from '../dsp/rhythm.js';
import type { LogSpectrogram } from '../model/style-net.js';
import type { QualityReport } from './report.js';

/** The edges of the measure's bands in Hz: kick, low-mid (snare body, voice fundamentals), presence, hats and air. */
export const RHYTHM_BAND_EDGES_HZ: readonly number[] = [30, 150, 600, 2400, 11025];

/** Longest lag of the measure in seconds: two beats at 120 bpm, and short enough that a 4 s style's halves hold it twice. */
export const RHYTHM_MAX_LAG_SECONDS = 1;

/** What the measure needs to know of the spectrograms' analysis. */
export interface RhythmLayout {
  /** Sample rate of the analysed audio in Hz. */
  sampleRate: number;
  /** FFT size of the spectrogram. */
  nFft: number;
  /** Hop between its frames, in samples. */
  hop: number;
}

/** The measure's bands (RHYTHM_BAND_EDGES_HZ' that lie below Nyquist and hold at least one bin), as rows of bins. */
export function rhythmBands(layout: RhythmLayout, bins: number): BandRows[] {
  const hzPerBin = layout.sampleRate / layout.nFft;
  const bands: BandRows[] = [];
  for (let k = 0; k + 1 < RHYTHM_BAND_EDGES_HZ.length; k++) {
    const start = Math.max(1, Math.round(RHYTHM_BAND_EDGES_HZ[k] / hzPerBin));
    const end = Math.min(bins, Math.round(RHYTHM_BAND_EDGES_HZ[k + 1] / hzPerBin));
    if (end > start) bands.push(Int32Array.from({ length: end - start }, (_, i) => start + i));
  }
  return bands;
}

/** The measure's longest lag in frames for `layout`. */
export function rhythmMaxLag(layout: RhythmLayout): number {
  return Math.max(1, Math.round((RHYTHM_MAX_LAG_SECONDS * layout.sampleRate) / layout.hop));
}

/** A clip's rhythm profile: each of the measure's bands' normalised onset autocorrelation at lags 1..maxLag. */
export function rhythmProfile(spec: LogSpectrogram, layout: RhythmLayout, maxLag = rhythmMaxLag(layout)): Float64Array {
  return onsetAutocorrelations(spec.data, spec.frames, rhythmBands(layout, spec.bins), maxLag);
}

/** Fewest frames a clip needs for its rhythm profile to be measured: every lag held by at least as many pairs as it spans. */
export function minRhythmFrames(layout: RhythmLayout): number {
  return 2 * rhythmMaxLag(layout);
}

/** Below this rhythm distance between content and style the rhythm gain is undefined (NaN): there is nothing to gain. */
export const MIN_CONTENT_RHYTHM_DISTANCE = 0.01;

/**
 * The rhythm figures of a quality report (QualityReport's rhythm fields): the result's and the content's rhythm distance
 * from the style, the gain, and the style's own halves' distance; NaN where a clip is shorter than minRhythmFrames.
 */
export function measureRhythm(
  specs: { content?: LogSpectrogram; style: LogSpectrogram; result: LogSpectrogram },
  layout: RhythmLayout,
): Pick<QualityReport, 'rhythmDistance' | 'contentRhythmDistance' | 'rhythmGain' | 'styleHalvesRhythmDistance'> {
  const min = minRhythmFrames(layout);
  const maxLag = rhythmMaxLag(layout);
  const bands = rhythmBands(layout, specs.style.bins);
  const onsetsOf = (s: LogSpectrogram): Float64Array[] => bands.map((rows) => bandOnsetStrength(s.data, s.frames, rows));
  const styleOnsets = specs.style.frames >= min ? onsetsOf(specs.style) : null;
  const style = styleOnsets && autocorrelationsOf(styleOnsets, maxLag);
  const distance = (s: LogSpectrogram | undefined): number => (s && style && s.frames >= min ? rhythmDistance(autocorrelationsOf(onsetsOf(s), maxLag), style) : NaN);
  const result = distance(specs.result);
  const content = distance(specs.content);
  // A half's onset strengths are the whole's, less the one rise across the split (frame `half` from `half - 1`): no
  // copy of the half (53 MB each for a 10-minute style) and no second pass over its bins.
  const half = Math.floor(specs.style.frames / 2);
  const halfDistance = (part: Float64Array[]): number => rhythmDistance(autocorrelationsOf(part, maxLag), style as Float64Array);
  const halves =
    styleOnsets && half >= min
      ? (halfDistance(styleOnsets.map((o) => o.subarray(0, half - 1))) + halfDistance(styleOnsets.map((o) => o.subarray(half)))) / 2
      : NaN;
  return {
    rhythmDistance: result,
    contentRhythmDistance: content,
    rhythmGain: content >= MIN_CONTENT_RHYTHM_DISTANCE ? 1 - result / content : NaN,
    styleHalvesRhythmDistance: halves,
  };
}

/** Root-mean-square difference of two rhythm profiles (0: the same pulse; correlations differ by at most 2). */
export function rhythmDistance(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new RangeError(`rhythm profiles differ in length (${a.length} and ${b.length})`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return a.length > 0 ? Math.sqrt(s / a.length) : 0;
}
