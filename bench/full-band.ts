/**
 * What working at 44.1 kHz gives and costs. Makes 44.1 kHz versions of the bundled examples with
 * scripts/make-examples.sh (the melody without its 2 kHz low-pass, so that the content has a top octave too), runs
 * the CLI at the default 22.05 kHz, at 44.1 kHz with the 22.05 kHz FFT size and hop (2048 / 512), and at 44.1 kHz with
 * them scaled (4096 / 1024, the default there), and judges every output with the held-out measures on three footings:
 * at 22.05 kHz (the band a default run keeps), and at 44.1 kHz with either STFT.
 * Usage: npx tsx bench/full-band.ts [--pairs melody:plucks,melody:drums]   (npm run build first; needs sox)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { measureQuality, nodeRuntime, type RunReport } from '../src/node/index.js';
import { fileLogSpectrogram, runUntimed } from './clips.js';

const { values } = parseArgs({ options: { pairs: { type: 'string', default: 'melody:plucks,melody:drums' } } });
const dir = 'out/bench/full-band';
mkdirSync(dir, { recursive: true });
const RATE = 44100;

const clip = (name: string): string => `${dir}/${name}.wav`;
// The bundled examples' own recipes at 44.1 kHz, the melody without its low-pass (byte for byte what this bench made
// with a copy of them before).
execFileSync('bash', ['scripts/make-examples.sh'], {
  env: { ...process.env, EXAMPLES_RATE: `${RATE}`, EXAMPLES_DIR: dir, EXAMPLES: 'plucks drums melody', EXAMPLES_FULL_BAND: '1' },
  stdio: ['ignore', 'ignore', 'pipe'],
});

const runs: [string, string[]][] = [
  ['22050 Hz (default), 2048 / 512', []],
  ['44100 Hz, 2048 / 512', ['--sr', '44100', '--n-fft', '2048', '--hop', '512']],
  ['44100 Hz, 4096 / 1024 (scaled: the default there)', ['--sr', '44100']],
];
const footings = [
  { sampleRate: 22050, nFft: 2048, hop: 512 },
  { sampleRate: RATE, nFft: 2048, hop: 512 },
  { sampleRate: RATE, nFft: 4096, hop: 1024 },
];

console.log(`# ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} threads, Node ${process.version}`);
console.log(`| pair | run | time (ms per evaluation) | ${footings.map((f) => `judged at ${f.sampleRate} Hz, ${f.nFft} / ${f.hop}`).join(' | ')} |`);
console.log(`| --- | --- | --- | ${footings.map(() => '---').join(' | ')} |`);
for (const pair of values.pairs.split(',')) {
  const [content, style] = pair.split(':');
  for (const [name, args] of runs) {
    const out = `${dir}/${content}-${style}-${args.length}.wav`;
    const report = `${dir}/report.json`;
    const cli = ['dist/cli/main.js', clip(content), clip(style), '-o', out, '-y', '-q', '--no-cache', '--no-quality', '--report', report, ...args];
    await runUntimed(process.execPath, cli);
    const r = spawnSync(process.execPath, cli, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${pair} ${name}: ${r.stderr}`);
    const { timingsMs, msPerEvaluation } = JSON.parse(readFileSync(report, 'utf8')) as RunReport;
    const cells: string[] = [];
    for (const f of footings) {
      const [c, s, o] = await Promise.all([clip(content), clip(style), out].map((p) => fileLogSpectrogram(p, f)));
      const q = await measureQuality(nodeRuntime(), { content: c, style: s, result: o });
      cells.push(`${q.styleGain.toFixed(3)} / ${q.contentCorrelation.toFixed(3)}`);
    }
    console.log(`| ${content} + ${style} | ${name} | ${(timingsMs.total / 1000).toFixed(1)} s (${msPerEvaluation.toFixed(0)}) | ${cells.join(' | ')} |`);
  }
}
