import { limitPeaks } from '../audio/limiter.js';
import { peak } from '../audio/wav.js';
import type { TransferSettings } from './settings.js';

/**
 * Largest absolute sample the output is given (0.009 dB under full scale): a 16-bit encoder's rounding cannot take it
 * over full scale.
 */
export const CLIP_PEAK = 0.999;

/**
 * The limiter's deepest reduction that earns a warning, in dB. Smaller ones, which most default runs make, go in the
 * summary line (describePeaks): a warning on every run stops being read.
 */
export const LIMIT_WARNING_DB = 3;

/** What became of the output's peaks (TransferResult.peaks, the JSON report's `peaks`). */
export interface PeakReport {
  /** The peak control that ran (`--peak`). */
  control: TransferSettings['peakControl'];
  /** The output's largest absolute sample before it, over all channels: above 1 the output would have clipped. */
  peak: number;
  /** The largest gain reduction applied, in dB (0 where nothing was done): the limiter's deepest, or the whole clip's. */
  reductionDb: number;
  /** The share of the samples turned down by more than 0.1 dB (all of them when the clip was scaled). */
  affectedFraction: number;
}

/**
 * Keeps the output within full scale by the chosen means (one gain for all channels), in place (the channels are
 * Griffin-Lim's fresh output: a 10-minute channel is 53 MB), and says what it did. `none` leaves the samples as they
 * are, peaks past full scale included, for a 32-bit float file.
 */
export function controlPeaks(
  channels: Float32Array[],
  settings: Pick<TransferSettings, 'peakControl' | 'sampleRate'>,
): { channels: Float32Array[]; peaks: PeakReport } {
  const p = Math.max(...channels.map(peak));
  if (!Number.isFinite(p)) throw new Error('phase reconstruction produced non-finite samples');
  const untouched = { channels, peaks: { control: settings.peakControl, peak: p, reductionDb: 0, affectedFraction: 0 } };
  // A peak between the ceiling and full scale would not clip, but is brought under the ceiling all the same.
  if (p <= CLIP_PEAK || settings.peakControl === 'none') return untouched;
  if (settings.peakControl === 'scale') {
    const gain = CLIP_PEAK / p;
    for (const ch of channels) for (let i = 0; i < ch.length; i++) ch[i] *= gain;
    return { channels, peaks: { ...untouched.peaks, reductionDb: -20 * Math.log10(gain), affectedFraction: 1 } };
  }
  const limited = limitPeaks(channels, settings.sampleRate, { ceiling: CLIP_PEAK, inPlace: true });
  return { channels: limited.channels, peaks: { ...untouched.peaks, reductionDb: limited.maxReductionDb, affectedFraction: limited.affectedFraction } };
}

/** A gain in dB to two decimals under 0.1 dB and to one above, so that a small one does not read "0.0 dB". */
function formatDb(db: number): string {
  return `${db.toFixed(Math.abs(db) < 0.095 ? 2 : 1)} dB`;
}

/** A peak to three decimals near full scale, where two would read "1.00". */
function formatPeak(p: number): string {
  return p.toFixed(p < 1.095 ? 3 : 2);
}

/**
 * What was done to a peak past full scale, for the run's summary ("peak 1.17 limited by up to 1.3 dB (12.6% of
 * samples)"); undefined when the output would not have clipped.
 */
export function describePeaks(peaks: PeakReport): string | undefined {
  if (peaks.peak <= 1) return undefined;
  const head = `peak ${formatPeak(peaks.peak)}`;
  if (peaks.control === 'none') return `${head} kept (${formatDb(20 * Math.log10(peaks.peak))} over full scale)`;
  if (peaks.control === 'scale') return `${head} scaled by ${formatDb(-peaks.reductionDb)}`;
  return `${head} limited by up to ${formatDb(peaks.reductionDb)}${peaks.affectedFraction > 0 ? ` (${formatShare(peaks)} of samples)` : ''}`;
}

/** The share of samples turned down by more than 0.1 dB, as a percentage that does not round to "0.00%". */
function formatShare(peaks: PeakReport): string {
  const share = 100 * peaks.affectedFraction;
  return share < 0.005 ? 'under 0.01%' : `${share.toFixed(share < 0.095 ? 2 : 1)}%`;
}

/** A warning when the limiter cut a peak by LIMIT_WARNING_DB or more; undefined otherwise, and for scale and none. */
export function peakWarning(peaks: PeakReport): string | undefined {
  if (peaks.control !== 'limit' || peaks.peak <= 1 || peaks.reductionDb < LIMIT_WARNING_DB) return undefined;
  return (
    `output peak ${formatPeak(peaks.peak)} exceeds full scale: peaks limited by up to ${formatDb(peaks.reductionDb)} (${formatShare(peaks)} of ` +
    'samples; --peak scale lowers the whole clip instead, --peak none keeps them in 32-bit float)'
  );
}
