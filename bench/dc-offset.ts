/**
 * What a DC offset in either clip does to a result. The bundled style, or content, is written with a constant added
 * (32-bit float WAV), restyled through a build's CLI (dist/, so `npm run build` first; `--cli OTHER/dist/cli/main.js`
 * runs another build, e.g. one from before the offset was removed), and every result is judged against the bundled
 * clips without the offset, by each family of held-out nets of bench/judges.ts.
 * Usage: npx tsx bench/dc-offset.ts [--offsets 0.005,0.02,0.1] [--pairs speech:plucks,...] [--cli PATH]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeAudio, encodeWav, nodeRuntime } from '../src/node/index.js';
import { fileLogSpectrogram, judgeCliRun, judgedTableHeader, judgedTableRow } from './clips.js';

const { values } = parseArgs({
  options: {
    offsets: { type: 'string', default: '0.005,0.02,0.1' },
    pairs: { type: 'string', default: 'speech:plucks,speech:drums,speech:texture,melody:drums' },
    cli: { type: 'string', default: 'dist/cli/main.js' },
  },
});
const runtime = nodeRuntime();
console.log(`# ${values.cli}`);
console.log(judgedTableHeader(['pair', 'offset', 'in']));
for (const pair of values.pairs.split(',')) {
  const paths = Object.fromEntries(['content', 'style'].map((role, k) => [role, `examples/${pair.split(':')[k]}.wav`])) as { content: string; style: string };
  const reference = { content: await fileLogSpectrogram(paths.content), style: await fileLogSpectrogram(paths.style) };
  for (const offset of values.offsets.split(',').map(Number)) {
    for (const role of ['style', 'content'] as const) {
      const clip = await decodeAudio(new Uint8Array(readFileSync(paths[role])), paths[role]);
      const shifted = `out/bench/dc-offset-${role}.wav`;
      writeFileSync(shifted, await encodeWav(clip.channels.map((c) => c.map((v) => v + offset)), clip.sampleRate, 'float32'));
      const judged = await judgeCliRun(runtime, { ...paths, [role]: shifted }, reference, [], values.cli);
      console.log(judgedTableRow([pair, offset, role], judged));
    }
  }
}
