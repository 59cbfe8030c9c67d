/**
 * Where ALGORITHM.md's PyTorch figures and ours part: the PyTorch reference's outputs (the recipe of those figures:
 * speech content, plucked-chord style, 6 s, L-BFGS from the content) judged under several held-out net families, and
 * under four readings of the style gain (the distance ratio or its square, i.e. the ratio of Gram losses; on the audio
 * or on the optimised spectrogram before Griffin-Lim).
 * Usage: npx tsx bench/measure-variants.ts [--seconds 6] [--steps 10,100,20:0.01] [--ours="--iterations 20,--seed 1"]
 * where each of --steps is L-BFGS iterations, optionally with a content weight after a colon.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { HELD_OUT_NETS, measureQuality, nodeRuntime, type HeldOutNet, type LogSpectrogram } from '../src/node/index.js';
import { fileLogSpectrogram, writeBenchClips } from './clips.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '6' }, steps: { type: 'string', default: '10,100' }, ours: { type: 'string', default: '' } } });
const [clip] = await writeBenchClips([Number(values.seconds)]);
const runtime = nodeRuntime();
const content = await fileLogSpectrogram(clip.content);
const style = await fileLogSpectrogram(clip.style);

/** A result to judge: its audio file and, for the PyTorch runs, the spectrogram it optimised before Griffin-Lim. */
interface Output { name: string; audio: string; spectrogram?: LogSpectrogram }
const outputs: Output[] = [];
for (const run of values.steps.split(',')) {
  const [steps, contentWeight = '0'] = run.split(':');
  const out = `out/bench/mv-torch-${values.seconds}s-${steps}${contentWeight === '0' ? '' : `-cw${contentWeight}`}.wav`;
  const spec = out.replace(/\.wav$/, '.f32');
  if (!existsSync(out) || !existsSync(spec)) {
    const args = ['bench/torch_reference.py', clip.content, clip.style, out, '--steps', steps, '--content-weight', contentWeight, '--save-spec', spec];
    const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  }
  const data = new Float32Array(new Uint8Array(readFileSync(spec)).buffer);
  outputs.push({
    name: `PyTorch ${steps} steps${contentWeight === '0' ? '' : `, content weight ${contentWeight}`}`,
    audio: out,
    spectrogram: { data, bins: content.bins, frames: data.length / content.bins },
  });
}
for (const extra of values.ours.split(',').filter(Boolean)) {
  const out = `out/bench/mv-ours-${values.seconds}s-${extra.replace(/\s+/g, '_')}.wav`;
  const r = spawnSync(process.execPath, ['dist/cli/main.js', clip.content, clip.style, '-o', out, '-y', '-q', '--no-cache', ...extra.split(' ').filter(Boolean)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  outputs.push({ name: `ours ${extra || 'defaults'}`, audio: out });
}

const families: [string, readonly HeldOutNet[], number][] = [
  ['k 3/7/15, 512 filters (ours)', HELD_OUT_NETS, 512],
  ['k 3/7/15, 4096 filters', HELD_OUT_NETS, 4096],
  ['k 11 x3 seeds, 512 filters', [{ kernel: 11, seed: 90001 }, { kernel: 11, seed: 90002 }, { kernel: 11, seed: 90003 }], 512],
  ['k 11 x3 seeds, 4096 filters', [{ kernel: 11, seed: 90001 }, { kernel: 11, seed: 90002 }, { kernel: 11, seed: 90003 }], 4096],
  ['k 5/11/21, 4096 filters', [{ kernel: 5, seed: 90001 }, { kernel: 11, seed: 90002 }, { kernel: 21, seed: 90003 }], 4096],
];
console.log('Style gain on the audio under five held-out families:\n');
console.log(`| output | content corr | ${families.map((f) => f[0]).join(' | ')} |`);
console.log(`| --- | --- | ${families.map(() => '---').join(' | ')} |`);
for (const { name, audio } of outputs) {
  const result = await fileLogSpectrogram(audio);
  const cells: string[] = [];
  let corr = NaN;
  for (const [, nets, filters] of families) {
    const q = await measureQuality(runtime, { content, style, result }, nets, filters);
    corr = q.contentCorrelation;
    cells.push(q.styleGain.toFixed(3));
  }
  console.log(`| ${name} | ${corr.toFixed(3)} | ${cells.join(' | ')} |`);
}

/**
 * Style gain / content correlation of one result under our held-out nets, read two ways: 1 - mean distance ratio
 * (ALGORITHM.md's definition) and 1 - the same with squared distances (the share of the held-out Gram loss removed).
 */
async function readings(result: LogSpectrogram): Promise<string[]> {
  let out = 0, from = 0, outSquared = 0, fromSquared = 0, corr = NaN;
  for (const net of HELD_OUT_NETS) {
    const q = await measureQuality(runtime, { content, style, result }, [net]);
    out += q.styleDistance;
    from += q.contentStyleDistance;
    outSquared += q.styleDistance ** 2;
    fromSquared += q.contentStyleDistance ** 2;
    corr = q.contentCorrelation;
  }
  return [`${(1 - out / from).toFixed(3)} / ${corr.toFixed(3)}`, `${(1 - outSquared / fromSquared).toFixed(3)} / ${corr.toFixed(3)}`];
}
console.log('\nStyle gain / content correlation under four readings (held-out nets k 3/7/15, 512 filters):\n');
console.log('| output | audio, ratio | audio, squared | spectrogram, ratio | spectrogram, squared |');
console.log('| --- | --- | --- | --- | --- |');
for (const { name, audio, spectrogram } of outputs) {
  const cells = await readings(await fileLogSpectrogram(audio));
  cells.push(...(spectrogram ? await readings(spectrogram) : ['', '']));
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
