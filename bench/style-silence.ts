/**
 * What silence before and after a style does to a result. Each bundled style is written with the same length of
 * digital silence at both ends, restyled onto each bundled content through the CLI (dist/, so `npm run build` first)
 * with `--style-silence keep` (analysed as given) and at the default `trim` (silent ends over 0.25 s left out), and
 * every result is judged against the bundled content and style as they are, by each family of held-out nets of
 * bench/judges.ts: the style the user meant, without the padding.
 * Usage: npx tsx bench/style-silence.ts [--pads 0.1,0.3,1,2] [--pairs speech:plucks,...] [--modes keep,trim]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeAudio, encodeWav, nodeRuntime } from '../src/node/index.js';
import { fileLogSpectrogram, judgeCliRun, judgedTableHeader, judgedTableRow } from './clips.js';

const { values } = parseArgs({
  options: {
    pads: { type: 'string', default: '0.1,0.3,1,2' },
    pairs: { type: 'string', default: 'speech:plucks,melody:plucks,speech:drums,melody:drums,speech:texture,melody:texture' },
    modes: { type: 'string', default: 'keep,trim' },
  },
});
const runtime = nodeRuntime();
console.log(judgedTableHeader(['pair', 'silence at each end (s)', '--style-silence']));
for (const pair of values.pairs.split(',')) {
  const [contentPath, stylePath] = pair.split(':').map((name) => `examples/${name}.wav`);
  const style = await decodeAudio(new Uint8Array(readFileSync(stylePath)), stylePath);
  const reference = { content: await fileLogSpectrogram(contentPath), style: await fileLogSpectrogram(stylePath) };
  for (const pad of values.pads.split(',').map(Number)) {
    const paddedPath = 'out/bench/style-silence-in.wav';
    const silence = Math.round(pad * style.sampleRate);
    const padded = style.channels.map((c) => {
      const x = new Float32Array(c.length + 2 * silence);
      x.set(c, silence);
      return x;
    });
    writeFileSync(paddedPath, await encodeWav(padded, style.sampleRate));
    for (const mode of values.modes.split(',')) {
      const judged = await judgeCliRun(runtime, { content: contentPath, style: paddedPath }, reference, ['--style-silence', mode]);
      console.log(judgedTableRow([pair, pad, mode], judged));
    }
  }
}
