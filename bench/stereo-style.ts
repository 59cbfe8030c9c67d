/**
 * What a stereo style's channels do to a result. Each bundled style is written as a stereo file whose right channel
 * is its left delayed by a few samples (a spaced pair of microphones, a Haas widening), restyled onto the bundled
 * speech through a build's CLI (dist/, so `npm run build` first; `--cli OTHER/dist/cli/main.js` runs another, e.g. one
 * that mixed the style to mono), and judged against the bundled clips, by each family of held-out nets of
 * bench/judges.ts: each channel of such a style is the bundled one, so that is the timbre to take.
 * Usage: npx tsx bench/stereo-style.ts [--delays 0,7,22] [--styles plucks,drums,texture] [--cli PATH]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeAudio, encodeWav, nodeRuntime } from '../src/node/index.js';
import { fileLogSpectrogram, judgeCliRun, judgedTableHeader, judgedTableRow } from './clips.js';

const { values } = parseArgs({
  options: {
    delays: { type: 'string', default: '0,7,22' },
    styles: { type: 'string', default: 'plucks,drums,texture' },
    cli: { type: 'string', default: 'dist/cli/main.js' },
  },
});
const runtime = nodeRuntime();
const content = 'examples/speech.wav';
console.log(`# ${values.cli}`);
console.log(judgedTableHeader(['style', 'right channel delayed (samples)']));
for (const name of values.styles.split(',')) {
  const stylePath = `examples/${name}.wav`;
  const clip = await decodeAudio(new Uint8Array(readFileSync(stylePath)), stylePath);
  const reference = { content: await fileLogSpectrogram(content), style: await fileLogSpectrogram(stylePath) };
  for (const delay of values.delays.split(',').map(Number)) {
    const left = clip.channels[0];
    const right = new Float32Array(left.length);
    right.set(left.subarray(0, left.length - delay), delay);
    const stereo = 'out/bench/stereo-style.wav';
    writeFileSync(stereo, await encodeWav([left, right], clip.sampleRate, 'float32'));
    const judged = await judgeCliRun(runtime, { content, style: stereo }, reference, [], values.cli);
    console.log(judgedTableRow([name, delay], judged));
  }
}
