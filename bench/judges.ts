/**
 * Settings judged by several families of held-out nets: whether one setting's extra style gain is real or only the
 * judge's (our held-out nets have kernel widths 3, 7 and 15). Each variant is a string of CLI options; each runs on the
 * six pairs of the bundled examples through the CLI (dist/, so `npm run build` first), and its written audio is judged
 * by every family. Prints each pair's figures and the variant's means, with the six runs' time.
 * Usage: npx tsx bench/judges.ts "--kernel 11 --content-weight 0.05" "--kernel 7" ...   (no variant: the defaults)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { nodeRuntime } from '../src/node/index.js';
import { JUDGE_FAMILIES, JUDGE_FILTERS, fileLogSpectrogram, judgeByFamilies } from './clips.js';

const PAIRS = ['speech:plucks', 'melody:plucks', 'speech:drums', 'melody:drums', 'speech:texture', 'melody:texture'];

const runtime = nodeRuntime();
// Each pair's content and style spectrograms, taken once for every variant.
const inputs = await Promise.all(
  PAIRS.map(async (pair) => {
    const [content, style] = pair.split(':').map((name) => `examples/${name}.wav`);
    return { pair, content, style, specs: { content: await fileLogSpectrogram(content), style: await fileLogSpectrogram(style) } };
  }),
);
const variants = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [''];
mkdirSync('out/bench', { recursive: true });
console.log(`# ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} threads; held-out nets of ${JUDGE_FILTERS} filters`);
console.log(`variant | pair | seconds | content corr | ${JUDGE_FAMILIES.map(([name]) => `style gain, ${name}`).join(' | ')}`);
for (const variant of variants) {
  const gains = JUDGE_FAMILIES.map(() => 0);
  let correlation = 0;
  let seconds = 0;
  for (const { pair, content, style, specs: clips } of inputs) {
    const out = 'out/bench/judges.wav';
    const t0 = performance.now();
    const run = spawnSync(process.execPath, ['dist/cli/main.js', content, style, '-o', out, '-y', '-q', '--no-quality', ...variant.split(' ').filter(Boolean)], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`restyle ${variant} failed on ${pair}: ${run.stderr}`);
    const dt = (performance.now() - t0) / 1000;
    seconds += dt;
    const { contentCorrelation: corr, styleGains } = await judgeByFamilies(runtime, { ...clips, result: await fileLogSpectrogram(out) });
    styleGains.forEach((gain, i) => (gains[i] += gain / PAIRS.length));
    correlation += corr / PAIRS.length;
    console.log(`${variant || 'defaults'} | ${pair} | ${dt.toFixed(1)} | ${corr.toFixed(3)} | ${styleGains.map((g) => g.toFixed(3)).join(' | ')}`);
  }
  console.log(`${variant || 'defaults'} | mean | ${seconds.toFixed(1)} | ${correlation.toFixed(3)} | ${gains.map((g) => g.toFixed(3)).join(' | ')}`);
}
