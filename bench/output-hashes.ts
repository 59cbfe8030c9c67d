/**
 * Fingerprints of the CLI's output for a fixed set of runs (the bundled example, stereo content with a new net each
 * round and with one net, texture synthesis), so that a change meant to leave results alone can be checked to leave
 * them bit for bit: run it before and after, or against another checkout's build with --cli.
 * Usage: npx tsx bench/output-hashes.ts [--cli path/to/dist/cli/main.js]   (npm run build first)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeAudio, encodeWav } from '../src/index.js';

const { values } = parseArgs({ options: { cli: { type: 'string', default: 'dist/cli/main.js' } } });
const dir = 'out/hashes';
mkdirSync(dir, { recursive: true });
const example = (name: string) => decodeAudio(new Uint8Array(readFileSync(`examples/${name}.wav`)), name);
// Stereo content: the speech on the left, the melody on the right, cut to the shorter.
const [speech, melody] = [await example('speech'), await example('melody')];
const length = Math.min(speech.channels[0].length, melody.channels[0].length);
writeFileSync(`${dir}/stereo.wav`, await encodeWav([speech.channels[0].subarray(0, length), melody.channels[0].subarray(0, length)], speech.sampleRate));

const runs: [string, string[]][] = [
  ['speech + plucks (npm start)', ['examples/speech.wav', 'examples/plucks.wav']],
  ['stereo + plucks', [`${dir}/stereo.wav`, 'examples/plucks.wav']],
  ['stereo + drums, one net', [`${dir}/stereo.wav`, 'examples/drums.wav', '--round-nets', 'same']],
  ['stereo + texture, content weight 0.3', [`${dir}/stereo.wav`, 'examples/texture.wav', '--content-weight', '0.3']],
  ['drums texture, 4 s', ['--duration', '4', 'examples/drums.wav']],
];
for (const [name, args] of runs) {
  const out = `${dir}/out.wav`;
  const r = spawnSync(process.execPath, [values.cli, ...args, '-o', out, '-y', '-q', '--no-quality'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
  console.log(`${createHash('sha256').update(readFileSync(out)).digest('hex').slice(0, 16)}  ${name}`);
}
