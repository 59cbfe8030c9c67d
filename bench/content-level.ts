/**
 * What the content's recording level does to a result. Each bundled content is written at several levels (32-bit
 * float WAV, so that nothing clips above full scale), restyled through the CLI (dist/, so `npm run build` first) with
 * `--content-level keep` (analysed as recorded) and at the default `normalise` (brought to a -3 dBFS peak first), and
 * every result is judged against the bundled content and style as they are, by each family of held-out nets of
 * bench/judges.ts: a fixed reference, so that the figures of different levels compare.
 * Usage: npx tsx bench/content-level.ts [--levels -30,-20,-10,0,10] [--pairs speech:plucks,...] [--modes keep,normalise]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { decodeAudio, encodeWav, nodeRuntime } from '../src/node/index.js';
import { JUDGE_FAMILIES, JUDGE_FILTERS, fileLogSpectrogram, judgeByFamilies } from './clips.js';

const { values } = parseArgs({
  options: {
    levels: { type: 'string', default: '-30,-20,-10,0,10' },
    pairs: { type: 'string', default: 'speech:plucks,melody:plucks,speech:drums,melody:drums,speech:texture,melody:texture' },
    modes: { type: 'string', default: 'keep,normalise' },
  },
});
const levels = values.levels.split(',').map(Number);
const modes = values.modes.split(',');
const runtime = nodeRuntime();
mkdirSync('out/bench', { recursive: true });
console.log(`# ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} threads; held-out nets of ${JUDGE_FILTERS} filters`);
console.log(`pair | level (dB) | --content-level | content corr | ${JUDGE_FAMILIES.map(([name]) => `style gain, ${name}`).join(' | ')}`);
for (const pair of values.pairs.split(',')) {
  const [contentPath, stylePath] = pair.split(':').map((name) => `examples/${name}.wav`);
  const clip = await decodeAudio(new Uint8Array(readFileSync(contentPath)), contentPath);
  const reference = { content: await fileLogSpectrogram(contentPath), style: await fileLogSpectrogram(stylePath) };
  for (const level of levels) {
    const scaledPath = 'out/bench/content-level-in.wav';
    const gain = 10 ** (level / 20);
    writeFileSync(scaledPath, await encodeWav(clip.channels.map((c) => c.map((v) => v * gain)), clip.sampleRate, 'float32'));
    for (const mode of modes) {
      const out = 'out/bench/content-level-out.wav';
      const run = spawnSync(process.execPath, ['dist/cli/main.js', scaledPath, stylePath, '-o', out, '-y', '-q', '--no-quality', '--content-level', mode], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`restyle failed on ${pair} at ${level} dB (${mode}): ${run.stderr}`);
      const { contentCorrelation, styleGains } = await judgeByFamilies(runtime, { ...reference, result: await fileLogSpectrogram(out) });
      console.log(`${pair} | ${level > 0 ? '+' : ''}${level} | ${mode} | ${contentCorrelation.toFixed(3)} | ${styleGains.map((g) => g.toFixed(3)).join(' | ')}`);
    }
  }
}
