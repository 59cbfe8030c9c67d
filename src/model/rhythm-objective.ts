/**
 * The rhythm term: how far the onset autocorrelations of a spectrogram's frequency bands are from the style's
 * (src/dsp/rhythm.ts). It runs in plain JavaScript, not on onnxruntime: a few dozen bands' products over lags cost
 * milliseconds next to the net's evaluation. Added to the style objective with WithRhythmTerm.
 */
import { autocorrelationsOf, bandOnsetStrength, bandRowsInOrder, logBands, rhythmLoss, standardDeviation, type BandRows } from '../dsp/rhythm.js';
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
 * balance with the Gram term. A filter's weights have a variance of 4 / ((bins + filters) x kernel) (weights.ts) and
 * it sums bins x kernel inputs, so a Gram entry goes as bins / (bins + filters), and the Gram loss, a sum over
 * filters x filters entries, as (filters x bins / (bins + filters))^2; several nets' losses add. Checked on speech +
 * drums: the Gram loss at 256, 1024 and 8192 filters was 0.068, 0.40 and 1.22 times that at 4096, against 0.062, 0.39
 * and 1.23 by this rule. The bins term is what keeps the pulse at --sr 44100 and 48000 (2049 bins): 8 s textures of
 * the bundled drums, plucks and noise came 0.159, 0.179 and 0.178 from their style's rhythm at 44.1 kHz, against 0.191,
 * 0.272 and 0.260 when the scale left the bins out, for the same held-out style distance within 0.009 (docs/defaults.md, "Rhythm").
 * The log magnitudes' own level also changes with the FFT size, which no rule of the sizes follows.
 */
export function rhythmTermScale(filters: number, bins: number, nets: number): number {
  const ratio = gramEntrySize(filters, bins) / gramEntrySize(4096, 1025);
  return RHYTHM_TERM_SCALE * ratio * ratio * nets;
}

/** How a Gram entry's size goes with the filters and bins, times the filters (the root of the Gram loss's size). */
function gramEntrySize(filters: number, bins: number): number {
  return (filters * bins) / (bins + filters);
}

/**
 * Bands whose style onset strength varies less than this fraction of the liveliest band's are left out of the term.
 * Above a band-limited style's top (a 22.05 kHz or MP3 source at --sr 44100) a band holds only the resampler's floor,
 * ~1e-6 of log magnitude: its normalised autocorrelation is that floor's, and its gradient, which goes as 1 / the
 * band's spread, outweighed every other band's (the first step, sized by the largest change, then went to those bins:
 * an 8 s drums texture at 44.1 kHz took 0.232 held-out style distance with them, 0.124 without). Every band of the
 * bundled examples at 22.05 kHz varies by more than 2% of the liveliest, so no default output changes.
 */
export const RHYTHM_TERM_MIN_SPREAD = 0.01;

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
 * The rhythm target of `style` for an optimised spectrogram of `frames` frames: the bands whose onset strength varies
 * (RHYTHM_TERM_MIN_SPREAD), at lags up to RHYTHM_TERM_LAG_SECONDS, or less where the style or the output is too short
 * to hold a lag at least twice.
 */
export function rhythmTarget(style: LogSpectrogram, frames: number, layout: { sampleRate: number; nFft: number; hop: number }): RhythmTarget {
  const all = logBands(layout.sampleRate, layout.nFft, style.bins, RHYTHM_TERM_BANDS, RHYTHM_TERM_LOW_HZ);
  const onsets = all.map((rows) => bandOnsetStrength(style.data, style.frames, rows));
  const spreads = onsets.map(standardDeviation);
  const floor = RHYTHM_TERM_MIN_SPREAD * Math.max(0, ...spreads);
  const kept = all.flatMap((_, k) => (spreads[k] >= floor && spreads[k] > 0 ? [k] : []));
  const wanted = Math.round((RHYTHM_TERM_LAG_SECONDS * layout.sampleRate) / layout.hop);
  const maxLag = Math.max(1, Math.min(wanted, Math.floor((style.frames - 1) / 2), Math.floor((frames - 1) / 2)));
  return {
    bands: kept.map((k) => all[k]),
    maxLag,
    profile: autocorrelationsOf(
      kept.map((k) => onsets[k]),
      maxLag,
    ),
  };
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
