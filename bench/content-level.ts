/**
 * What the content's recording level does to a result. Each bundled content is written at several levels (32-bit
 * float WAV, so that nothing clips above full scale), restyled through the CLI (dist/, so `npm run build` first) with
 * `--content-level keep` (analysed as recorded) and at the default `normalise` (brought to a -3 dBFS peak first), and
 * every result is judged against the bundled content and style as they are, by each family of held-out nets of
 * bench/judges.ts: a fixed reference, so that the figures of different levels compare.
 * Usage: npx tsx bench/content-level.ts [--levels=-30,-20,-10,0,10] [--pairs speech:plucks,...] [--modes keep,normalise]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeAudio, encodeWav, nodeRuntime } from '../src/node/index.js';
import { fileLogSpectrogram, judgeCliRun, judgedTableHeader, judgedTableRow } from './clips.js';

const { values } = parseArgs({
  options: {
    levels: { type: 'string', default: '-30,-20,-10,0,10' },
    pairs: { type: 'string', default: 'speech:plucks,melody:plucks,speech:drums,melody:drums,speech:texture,melody:texture' },
    modes: { type: 'string', default: 'keep,normalise' },
  },
});
const runtime = nodeRuntime();
console.log(judgedTableHeader(['pair', 'level (dB)', '--content-level']));
for (const pair of values.pairs.split(',')) {
  const [contentPath, stylePath] = pair.split(':').map((name) => `examples/${name}.wav`);
  const clip = await decodeAudio(new Uint8Array(readFileSync(contentPath)), contentPath);
  const reference = { content: await fileLogSpectrogram(contentPath), style: await fileLogSpectrogram(stylePath) };
  for (const level of values.levels.split(',').map(Number)) {
    const scaledPath = 'out/bench/content-level-in.wav';
    const gain = 10 ** (level / 20);
    writeFileSync(scaledPath, await encodeWav(clip.channels.map((c) => c.map((v) => v * gain)), clip.sampleRate, 'float32'));
    for (const mode of values.modes.split(',')) {
      const judged = await judgeCliRun(runtime, { content: scaledPath, style: stylePath }, reference, ['--content-level', mode]);
      console.log(judgedTableRow([pair, `${level > 0 ? '+' : ''}${level}`, mode], judged));
    }
  }
}
