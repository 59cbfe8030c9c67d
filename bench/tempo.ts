/**
 * The strongest periodicities of each file's onsets: the peaks of the whole band's onset autocorrelation (the rise of
 * the log magnitudes from frame to frame, falls counted as 0; src/dsp/rhythm.ts) between 0.1 s and 2 s, at 22050 Hz
 * with the default STFT. A reading of a texture's beat that a person can check against the style's: a drum loop's
 * hits 0.25 s apart show as a peak at 0.25 s, its bar as one at 1 s. The rhythm measure (src/quality/rhythm.ts) compares
 * the same kind of curve in four bands, lag by lag; this prints where the curve peaks.
 * Usage: npx tsx bench/tempo.ts FILE.wav [FILE.wav ...]
 */
import { DEFAULT_SETTINGS } from '../src/node/index.js';
import { bandOnsetStrength, normalisedAutocorrelation } from '../src/dsp/rhythm.js';
import { fileLogSpectrogram } from './clips.js';

const files = process.argv.slice(2);
if (files.length === 0) throw new Error('usage: npx tsx bench/tempo.ts FILE.wav [FILE.wav ...]');
const { sampleRate, hop } = DEFAULT_SETTINGS;
const seconds = (lag: number): number => (lag * hop) / sampleRate;
const maxLag = Math.round((2 * sampleRate) / hop);
const minLag = Math.round((0.1 * sampleRate) / hop);

for (const file of files) {
  const spec = await fileLogSpectrogram(file);
  const rows = Int32Array.from({ length: spec.bins - 1 }, (_, i) => i + 1); // every bin but DC
  const acf = normalisedAutocorrelation(bandOnsetStrength(spec.data, spec.frames, rows), maxLag);
  const peaks: { lag: number; value: number }[] = [];
  for (let lag = minLag; lag < maxLag; lag++) {
    const value = acf[lag - 1];
    if (value > acf[lag - 2] && value >= acf[lag]) peaks.push({ lag, value });
  }
  peaks.sort((a, b) => b.value - a.value);
  const top = peaks.slice(0, 3).map(({ lag, value }) => `${seconds(lag).toFixed(3)} s: ${value.toFixed(3)}`);
  console.log(`${file}  ${top.join('  ') || 'no peak'}`);
}
