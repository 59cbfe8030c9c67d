/**
 * A trial of Barry & Kim's parallel mel "rhythm" net (ALGORITHM.md): our recipe approximated in PyTorch
 * (bench/mel-net-trial.py: EQ-matched start, 3 rounds of 4 L-BFGS iterations, a new kernel-7 net of 4096 filters each
 * round, Griffin-Lim between rounds), with and without a second net of 1024 filters over 128 mel bands with a wide
 * kernel; and the nets reading log1p(power / mean power) instead of log1p magnitude (Cifka et al.). Their points are
 * read against the content weight's, the dial that trades the same two measures: each output's content correlation,
 * style gain under the four judge families (bench/judges.ts) and rhythm gain.
 * Needs PyTorch (`bash bench/setup.sh`). Outputs are kept in out/bench/mel-trial/ and reused.
 * Usage: npx tsx bench/mel-net-trial.ts [--pairs speech:drums,melody:drums]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_SETTINGS, measureQuality, nodeRuntime } from '../src/node/index.js';
import { JUDGE_FAMILIES, JUDGE_FILTERS, fileLogSpectrogram, judgeByFamilies } from './clips.js';

const { values } = parseArgs({ options: { pairs: { type: 'string', default: 'speech:drums,melody:drums' } } });
/** Each variant's name and the trial script's options. */
const VARIANTS: [string, string[]][] = [
  ['one net', []],
  ...[0.3, 1].map((w): [string, string[]] => [`content weight ${w}`, ['--content-weight', String(w)]]),
  // Cifka et al.'s input (ALGORITHM.md): the nets read log1p of the power over its mean.
  ['nets on log1p(power / mean)', ['--input', 'power-mean']],
  ...[0.3, 1].map((w): [string, string[]] => [`nets on log1p(power / mean), content weight ${w}`, ['--input', 'power-mean', '--content-weight', String(w)]]),
  ...[15, 31, 63].flatMap((k) =>
    [0.3, 3].map((w): [string, string[]] => [`mel net, kernel ${k}, weight ${w}`, ['--mel-kernel', String(k), '--mel-weight', String(w)]]),
  ),
];
const dir = 'out/bench/mel-trial';
mkdirSync(dir, { recursive: true });
const runtime = nodeRuntime();
console.log(`# ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} threads; held-out nets of ${JUDGE_FILTERS} filters`);
console.log(`| pair | variant | content corr | ${JUDGE_FAMILIES.map(([name]) => `style gain, ${name}`).join(' | ')} | rhythm gain |`);
console.log(`| --- | --- | --- | ${JUDGE_FAMILIES.map(() => '---').join(' | ')} | --- |`);
for (const pair of values.pairs.split(',')) {
  const [content, style] = pair.split(':').map((name) => `examples/${name}.wav`);
  const specs = { content: await fileLogSpectrogram(content), style: await fileLogSpectrogram(style) };
  for (const [name, args] of VARIANTS) {
    const out = `${dir}/${pair.replace(':', '-')}${args.join('')}.wav`;
    if (!existsSync(out)) {
      const run = spawnSync('/usr/bin/python3', ['bench/mel-net-trial.py', content, style, out, ...args], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`${name} failed on ${pair}: ${run.stderr}`);
    }
    const result = await fileLogSpectrogram(out);
    const { contentCorrelation: correlation, styleGains } = await judgeByFamilies(runtime, { ...specs, result });
    const cells = styleGains.map((g) => g.toFixed(3));
    const { rhythmGain } = await measureQuality(runtime, { ...specs, result, layout: DEFAULT_SETTINGS }, [JUDGE_FAMILIES[0][1][0]], JUDGE_FILTERS);
    console.log(`| ${pair} | ${name} | ${correlation.toFixed(3)} | ${cells.join(' | ')} | ${rhythmGain.toFixed(3)} |`);
  }
}
