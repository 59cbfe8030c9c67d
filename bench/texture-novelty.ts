/**
 * How much of a texture is its style copied: the held-out measures reward a texture for having its style's
 * statistics, and a copy of the style has them all. Prints, for each output:
 * - the report's replay correlation (styleReplay, src/quality/replay.ts): the best correlation, each frequency bin's
 *   mean taken out, of its log spectrogram with the style's looped from any one frame (near 1: the style played again);
 * - the same pooled over bins, without taking out the bins' means, as this bench first measured it (a texture with the
 *   style's spectral balance scores about 0.33 there whatever its order);
 * - the mean over its 16-frame windows of each one's best pooled correlation with any 16 frames of the style (how alike
 *   it is up close).
 * Usage: npx tsx bench/texture-novelty.ts STYLE.wav OUT.wav [OUT.wav ...]
 */
import { styleReplay } from '../src/node/index.js';
import { fileLogSpectrogram } from './clips.js';

const WINDOW = 16;
const [stylePath, ...outputs] = process.argv.slice(2);
if (!stylePath || outputs.length === 0) throw new Error('usage: npx tsx bench/texture-novelty.ts STYLE.wav OUT.wav [OUT.wav ...]');
const style = await fileLogSpectrogram(stylePath);

/** Pooled correlation of `frames` frames of `a` from `aStart` with the style looped from `styleStart`, over all bins. */
function correlationWithStyle(a: { data: Float32Array; frames: number }, aStart: number, frames: number, styleStart: number): number {
  const T = style.frames;
  let sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
  for (let c = 0; c < style.bins; c++) {
    for (let t = 0; t < frames; t++) {
      const x = a.data[c * a.frames + aStart + t];
      const y = style.data[c * T + ((styleStart + t) % T)];
      sa += x; sb += y; sab += x * y; saa += x * x; sbb += y * y;
    }
  }
  const n = style.bins * frames;
  return (sab - (sa * sb) / n) / Math.sqrt((saa - (sa * sa) / n) * (sbb - (sb * sb) / n));
}

console.log('| output | replay corr (report) | looped style, pooled, best shift | 16-frame windows, mean best |');
console.log('| --- | --- | --- | --- |');
for (const path of outputs) {
  const out = await fileLogSpectrogram(path);
  const replay = styleReplay(out, style).correlation;
  const shifts = Array.from({ length: style.frames }, (_, s) => s);
  const whole = Math.max(...shifts.map((s) => correlationWithStyle(out, 0, out.frames, s)));
  let windows = 0;
  let sum = 0;
  for (let start = 0; start + WINDOW <= out.frames; start += WINDOW / 2, windows++) sum += Math.max(...shifts.map((s) => correlationWithStyle(out, start, WINDOW, s)));
  console.log(`| ${path} | ${replay.toFixed(3)} | ${whole.toFixed(3)} | ${(sum / windows).toFixed(3)} |`);
}
