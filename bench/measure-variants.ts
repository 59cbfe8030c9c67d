/**
 * How much the held-out style gain depends on the held-out nets: the PyTorch reference's outputs (the recipe of
 * ALGORITHM.md's figures: speech content, plucked-chord style, 6 s, L-BFGS from the content, 10 and 100 steps) and
 * ours, judged under several held-out families. Usage: npx tsx bench/measure-variants.ts [--seconds 6] [--steps 10,100]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { measureQuality, nodeRuntime, type HeldOutNet } from '../src/node/index.js';
import { fileLogSpectrogram, writeBenchClips } from './clips.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '6' }, steps: { type: 'string', default: '10,100' }, ours: { type: 'string', default: '' } } });
const [clip] = await writeBenchClips([Number(values.seconds)]);
const runtime = nodeRuntime();
const outputs: [string, string][] = [];
for (const steps of values.steps.split(',')) {
  const out = `out/bench/mv-torch-${values.seconds}s-${steps}.wav`;
  if (!existsSync(out)) {
    const r = spawnSync('/usr/bin/python3', ['bench/torch_reference.py', clip.content, clip.style, out, '--steps', steps], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  }
  outputs.push([`PyTorch ${steps} steps`, out]);
}
for (const extra of values.ours.split(',').filter(Boolean)) {
  const out = `out/bench/mv-ours-${values.seconds}s-${extra.replace(/\s+/g, '_')}.wav`;
  const r = spawnSync(process.execPath, ['dist/cli/main.js', clip.content, clip.style, '-o', out, '-y', '-q', ...extra.split(' ').filter(Boolean)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  outputs.push([`ours ${extra || 'defaults'}`, out]);
}
const families: [string, HeldOutNet[], number][] = [
  ['k 3/7/15, 512 filters (ours)', [{ kernel: 3, seed: 90001 }, { kernel: 7, seed: 90002 }, { kernel: 15, seed: 90003 }], 512],
  ['k 3/7/15, 4096 filters', [{ kernel: 3, seed: 90001 }, { kernel: 7, seed: 90002 }, { kernel: 15, seed: 90003 }], 4096],
  ['k 11 x3 seeds, 512 filters', [{ kernel: 11, seed: 90001 }, { kernel: 11, seed: 90002 }, { kernel: 11, seed: 90003 }], 512],
  ['k 11 x3 seeds, 4096 filters', [{ kernel: 11, seed: 90001 }, { kernel: 11, seed: 90002 }, { kernel: 11, seed: 90003 }], 4096],
  ['k 5/11/21, 4096 filters', [{ kernel: 5, seed: 90001 }, { kernel: 11, seed: 90002 }, { kernel: 21, seed: 90003 }], 4096],
];
const content = await fileLogSpectrogram(clip.content);
const style = await fileLogSpectrogram(clip.style);
console.log(`| output | content corr | ${families.map((f) => f[0]).join(' | ')} |`);
console.log(`| --- | --- | ${families.map(() => '---').join(' | ')} |`);
for (const [name, path] of outputs) {
  const result = await fileLogSpectrogram(path);
  const cells: string[] = [];
  let corr = NaN;
  for (const [, nets, filters] of families) {
    const q = await measureQuality(runtime, { content, style, result }, nets, filters);
    corr = q.contentCorrelation;
    cells.push(q.styleGain.toFixed(3));
  }
  console.log(`| ${name} | ${corr.toFixed(3)} | ${cells.join(' | ')} |`);
}
