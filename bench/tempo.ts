/**
 * The strongest periodicities of each file's onsets: the peaks of the onset autocorrelation (the rise of the log
 * magnitudes from frame to frame, falls counted as 0, over the bins of one band; src/dsp/rhythm.ts) between 0.1 s and
 * 2 s, at 22050 Hz with the default STFT. A reading of a texture's beat that a person can check against the style's: a
 * drum loop's hits 0.25 s apart show as a peak at 0.25 s, its bar as one at 1 s. The whole band is ruled by its many
 * high bins (a drum loop's hi-hats); `--band 30-150` reads its kick alone. The rhythm measure (src/quality/rhythm.ts)
 * compares the same kind of curve in four bands, lag by lag; this prints where the curve peaks.
 * Usage: npx tsx bench/tempo.ts [--band LOW-HIGH (Hz)] FILE.wav [FILE.wav ...]
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SETTINGS } from '../src/node/index.js';
import { bandOnsetStrength, normalisedAutocorrelation } from '../src/dsp/rhythm.js';
import { fileLogSpectrogram } from './clips.js';

const { values, positionals: files } = parseArgs({ options: { band: { type: 'string', default: '0-11025' } }, allowPositionals: true });
const [lowHz, highHz] = values.band.split('-').map(Number);
if (files.length === 0 || !(lowHz >= 0 && highHz > lowHz)) throw new Error('usage: npx tsx bench/tempo.ts [--band LOW-HIGH] FILE.wav [FILE.wav ...]');
const { sampleRate, nFft, hop } = DEFAULT_SETTINGS;
const seconds = (lag: number): number => (lag * hop) / sampleRate;
const maxLag = Math.round((2 * sampleRate) / hop);
const minLag = Math.round((0.1 * sampleRate) / hop);

for (const file of files) {
  const spec = await fileLogSpectrogram(file);
  // The band's bins, DC left out.
  const first = Math.max(1, Math.ceil((lowHz * nFft) / sampleRate));
  const last = Math.min(spec.bins - 1, Math.floor((highHz * nFft) / sampleRate));
  const rows = Int32Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);
  if (rows.length === 0) throw new Error(`--band ${values.band}: holds no frequency bin`);
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
