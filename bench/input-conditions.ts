/**
 * What the conditions of a recording do to a result: the bundled clips altered as users' files are (recorded quieter,
 * padded with silence, with a DC offset, in stereo with a delayed channel), restyled through a build's CLI (dist/, so
 * `npm run build` first; `--cli OTHER/dist/cli/main.js` runs another, e.g. one from before a condition was handled),
 * and every result judged against the bundled clips as they are, by each family of held-out nets of bench/judges.ts:
 * the clips the user meant, so that the figures of every variant compare. Altered clips are written as 32-bit float
 * WAV (nothing clips above full scale), except the silence's, which only adds zeros.
 *
 * Usage: npx tsx bench/input-conditions.ts CONDITION [--values=A,B,...] [--pairs speech:plucks,...] [--modes M,N] [--cli PATH]
 *   level    the content at --values dB (-30,-20,-10,0,10), each with --content-level in --modes (keep,normalise)
 *   silence  the style with --values seconds of silence at both ends (0.1,0.3,1,2), --style-silence in --modes (keep,trim)
 *   dc       a DC offset of --values (0.005,0.02,0.1) added to the style, then to the content
 *   stereo   the style in stereo, its right channel the left delayed by --values samples (0,7,22), on the speech
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeAudio, encodeWav, nodeRuntime, type AudioClip } from '../src/node/index.js';
import { fileLogSpectrogram, judgeCliRun, judgedTableHeader, judgedTableRow } from './clips.js';

type Paths = { content: string; style: string };
/** One run of a condition: the cells that label it, the altered clip written in place of one input, CLI options. */
type Variant = { cells: (string | number)[]; role: keyof Paths; clip: AudioClip; float: boolean; options: string[] };
type Condition = {
  columns: string[];
  values: string;
  modes: string;
  pairs: string;
  variants: (clips: { content: AudioClip; style: AudioClip }, value: number, modes: string[]) => Variant[];
};

const SIX_PAIRS = 'speech:plucks,melody:plucks,speech:drums,melody:drums,speech:texture,melody:texture';
const map = (clip: AudioClip, f: (channel: Float32Array) => Float32Array[]): AudioClip => ({ channels: clip.channels.flatMap(f), sampleRate: clip.sampleRate });

const CONDITIONS: Record<string, Condition> = {
  level: {
    columns: ['level (dB)', '--content-level'],
    values: '-30,-20,-10,0,10',
    modes: 'keep,normalise',
    pairs: SIX_PAIRS,
    variants: ({ content }, db, modes) => modes.map((mode) => ({
      cells: [`${db > 0 ? '+' : ''}${db}`, mode], role: 'content', float: true, options: ['--content-level', mode],
      clip: map(content, (c) => [c.map((v) => v * 10 ** (db / 20))]),
    })),
  },
  silence: {
    columns: ['silence at each end (s)', '--style-silence'],
    values: '0.1,0.3,1,2',
    modes: 'keep,trim',
    pairs: SIX_PAIRS,
    variants: ({ style }, seconds, modes) => modes.map((mode) => ({
      cells: [seconds, mode], role: 'style', float: false, options: ['--style-silence', mode],
      clip: map(style, (c) => {
        const n = Math.round(seconds * style.sampleRate);
        const x = new Float32Array(c.length + 2 * n);
        x.set(c, n);
        return [x];
      }),
    })),
  },
  dc: {
    columns: ['offset', 'in'],
    values: '0.005,0.02,0.1',
    modes: '',
    pairs: 'speech:plucks,speech:drums,speech:texture,melody:drums',
    variants: (clips, offset) => (['style', 'content'] as const).map((role) => ({
      cells: [offset, role], role, float: true, options: [], clip: map(clips[role], (c) => [c.map((v) => v + offset)]),
    })),
  },
  stereo: {
    columns: ['right channel delayed (samples)'],
    values: '0,7,22',
    modes: '',
    pairs: 'speech:plucks,speech:drums,speech:texture',
    variants: ({ style }, delay) => [{
      cells: [delay], role: 'style', float: true, options: [],
      clip: map(style, (left) => {
        const right = new Float32Array(left.length);
        right.set(left.subarray(0, left.length - delay), delay);
        return [left, right];
      }),
    }],
  },
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { values: { type: 'string' }, pairs: { type: 'string' }, modes: { type: 'string' }, cli: { type: 'string', default: 'dist/cli/main.js' } },
});
const condition = CONDITIONS[positionals[0] ?? ''];
if (!condition) throw new Error(`name a condition: ${Object.keys(CONDITIONS).join(', ')} (see the usage at the top of bench/input-conditions.ts)`);
const runtime = nodeRuntime();
const decode = async (path: string): Promise<AudioClip> => decodeAudio(new Uint8Array(readFileSync(path)), path);
console.log(`# ${positionals[0]}, ${values.cli}`);
console.log(judgedTableHeader(['pair', ...condition.columns]));
for (const pair of (values.pairs ?? condition.pairs).split(',')) {
  const [content, style] = pair.split(':').map((name) => `examples/${name}.wav`);
  const clips = { content: await decode(content), style: await decode(style) };
  const reference = { content: await fileLogSpectrogram(content), style: await fileLogSpectrogram(style) };
  for (const value of (values.values ?? condition.values).split(',').map(Number)) {
    for (const variant of condition.variants(clips, value, (values.modes ?? condition.modes).split(',').filter(Boolean))) {
      const altered = `out/bench/input-conditions-${variant.role}.wav`;
      writeFileSync(altered, await encodeWav(variant.clip.channels, variant.clip.sampleRate, variant.float ? 'float32' : 'int16'));
      const judged = await judgeCliRun(runtime, { content, style, [variant.role]: altered }, reference, variant.options, values.cli);
      console.log(judgedTableRow([pair, ...variant.cells], judged));
    }
  }
}
