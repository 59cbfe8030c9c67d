/**
 * The rhythm term: how far the onset autocorrelations of a spectrogram's frequency bands are from the style's
 * (src/dsp/rhythm.ts). It runs in plain JavaScript, not on onnxruntime: a few dozen bands' products over lags cost
 * milliseconds next to the net's evaluation. Added to the style objective with WithRhythmTerm.
 */
import { bandRowsInOrder, logBands, onsetAutocorrelations, rhythmLoss, type BandRows } from '../dsp/rhythm.js';
import type { ObjectiveValue, SpectrogramObjective } from './objectives.js';
import type { LogSpectrogram } from './style-net.js';

/** Bands of the rhythm term: narrower than the rhythm measure's four, so that it holds each drum's own pulse. */
export const RHYTHM_TERM_BANDS = 24;

/** Lowest frequency of the rhythm term's bands, in Hz (below it a frame of 93 ms holds too few cycles to mark a hit). */
export const RHYTHM_TERM_LOW_HZ = 40;

/**
 * Longest lag of the rhythm term in seconds: a bar at 120 bpm. It is twice the rhythm measure's 1 s, so that the term
 * does not fit just the lags the measure judges.
 */
export const RHYTHM_TERM_LAG_SECONDS = 2;

/** Scale of the rhythm term at weight 1 with the defaults' one net of 4096 filters over 1025 bins. */
export const RHYTHM_TERM_SCALE = 1e-3 * 4096 * 4096;

/**
 * The rhythm term's scale at weight 1 for `nets` nets of `filters` filters over `bins` bins, so that the term keeps its
 * balance with the Gram term. The nets' weights have a spread of 1/sqrt(bins + filters), so a Gram entry goes as
 * 1/(bins + filters), and the Gram loss, a sum over filters x filters entries, as (filters / (bins + filters))^2;
 * several nets' losses add. Checked on speech + drums: the Gram loss at 256, 1024 and 8192 filters was 0.068, 0.40 and
 * 1.22 times that at 4096, against 0.062, 0.39 and 1.23 by this rule. Across FFT sizes the log magnitudes change too
 * (the Gram loss at --n-fft 1024 and 4096 was 0.14 and 7.3 times that at 2048), which no rule of the sizes follows.
 */
export function rhythmTermScale(filters: number, bins: number, nets: number): number {
  const ratio = filters / (bins + filters) / (4096 / (1025 + 4096));
  return RHYTHM_TERM_SCALE * ratio * ratio * nets;
}

/** What a rhythm term is fitted to: the style's band onset autocorrelations and the layout they were taken with. */
export interface RhythmTarget {
  /** The bands, as rows of a spectrogram in natural bin order. */
  bands: BandRows[];
  /** Lags 1..maxLag, in frames. */
  maxLag: number;
  /** The style's normalised onset autocorrelations, bands x maxLag. */
  profile: Float64Array;
}

/**
 * The rhythm target of `style` for an optimised spectrogram of `frames` frames: the longest lag is
 * RHYTHM_TERM_LAG_SECONDS, or less where the style or the output is too short to hold it at least twice.
 */
export function rhythmTarget(style: LogSpectrogram, frames: number, layout: { sampleRate: number; nFft: number; hop: number }): RhythmTarget {
  const bands = logBands(layout.sampleRate, layout.nFft, style.bins, RHYTHM_TERM_BANDS, RHYTHM_TERM_LOW_HZ);
  const wanted = Math.round((RHYTHM_TERM_LAG_SECONDS * layout.sampleRate) / layout.hop);
  const maxLag = Math.max(1, Math.min(wanted, Math.floor((style.frames - 1) / 2), Math.floor((frames - 1) / 2)));
  return { bands, maxLag, profile: onsetAutocorrelations(style.data, style.frames, bands, maxLag) };
}

/** The rhythm term over spectrograms of one length. Lifecycle: construct -> evaluate (many times) -> dispose. */
export class RhythmObjective implements SpectrogramObjective {
  private readonly rows: BandRows[];
  private readonly weight: number;

  /**
   * The term `weight * scale * mean((rho - target)^2)` for spectrograms of `frames` frames whose rows are the bins in
   * `order` (row c holds bin order[c]; null: the natural order), `scale` being rhythmTermScale's for the run's nets.
   */
  constructor(
    /** Frames of the optimised spectrogram. */
    readonly frames: number,
    private readonly target: RhythmTarget,
    weight: number,
    scale: number,
    order: Int32Array | null,
  ) {
    this.rows = bandRowsInOrder(target.bands, order);
    this.weight = weight * scale;
  }

  /** Evaluates the term at `x` and writes its gradient into `grad`. */
  async evaluate(x: Float32Array, grad: Float32Array): Promise<ObjectiveValue> {
    grad.fill(0);
    const loss = this.addTo(x, grad);
    return { loss, styleLoss: 0, contentLoss: 0, rhythmLoss: loss };
  }

  /** Returns the term at `x` and adds its gradient into `grad`. */
  addTo(x: Float32Array, grad: Float32Array): number {
    return rhythmLoss(x, this.frames, this.rows, this.target.maxLag, this.target.profile, this.weight, grad);
  }

  /** Holds nothing to release. */
  async dispose(): Promise<void> {}
}

/**
 * A spectrogram objective with the rhythm term added. The term adds its gradient to the objective's in place, where
 * SumObjective would hold a second spectrogram-sized gradient (106 MB at 10 minutes) and count the term's milliseconds
 * as half of each evaluation's progress. Lifecycle: construct -> evaluate (many times) -> dispose (disposes `inner`).
 */
export class WithRhythmTerm implements SpectrogramObjective {
  /** Frames of the optimised spectrogram. */
  readonly frames: number;

  constructor(
    private readonly inner: SpectrogramObjective,
    private readonly rhythm: RhythmObjective,
  ) {
    if (rhythm.frames !== inner.frames) throw new RangeError('the rhythm term and the objective differ in frames');
    this.frames = inner.frames;
  }

  /** Evaluates the objective and the term at `x`, and writes their summed gradient into `grad`. */
  async evaluate(x: Float32Array, grad: Float32Array, onProgress?: (fraction: number) => void): Promise<ObjectiveValue> {
    const value = await this.inner.evaluate(x, grad, onProgress);
    const rhythm = this.rhythm.addTo(x, grad);
    return { ...value, loss: value.loss + rhythm, rhythmLoss: value.rhythmLoss + rhythm };
  }

  /** Releases the objective's sessions. */
  async dispose(): Promise<void> {
    await this.inner.dispose();
  }
}
