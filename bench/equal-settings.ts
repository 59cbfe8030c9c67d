/**
 * Ours against the PyTorch reference at equal settings (same net sizes, L-BFGS iterations, one round, Griffin-Lim
 * iterations from random phase), to show the two implementations reach the same quality: the rest of the benchmark
 * compares each at its own defaults. Usage: npx tsx bench/equal-settings.ts [--seconds 10] [--iterations 20] [--phase-iters 48]
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { nodeRuntime } from '../src/node/index.js';
import { fileQuality, writeBenchClips } from './clips.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, iterations: { type: 'string', default: '20' }, 'phase-iters': { type: 'string', default: '48' } },
});
const [clip] = await writeBenchClips([Number(values.seconds)]);
const runtime = nodeRuntime();
const quality = (out: string) => fileQuality(runtime, clip.content, clip.style, out);
const common = ['--iterations', values.iterations, '--phase-iters', values['phase-iters']];
const t0 = performance.now();
const ours = spawnSync(process.execPath, ['dist/cli/main.js', clip.content, clip.style, '-o', 'out/bench/eq-ours.wav', '-y', '-q', '--rounds', '1', '--init', 'content', '--float', '--peak', 'limit', ...common], { encoding: 'utf8' });
const oursMs = performance.now() - t0;
if (ours.status !== 0) throw new Error(ours.stderr);
const t1 = performance.now();
const torch = spawnSync('/usr/bin/python3', ['bench/torch_reference.py', clip.content, clip.style, 'out/bench/eq-torch.wav', '--steps', values.iterations, '--phase-iters', values['phase-iters']], { encoding: 'utf8' });
const torchMs = performance.now() - t1;
if (torch.status !== 0) throw new Error(torch.stderr);
const [q1, q2] = [await quality('out/bench/eq-ours.wav'), await quality('out/bench/eq-torch.wav')];
console.log(`equal settings (${values.seconds} s, 4096 x 11, L-BFGS ${values.iterations} iterations in one round from the content, Griffin-Lim ${values['phase-iters']}):`);
console.log(`ours:    style gain ${q1.styleGain.toFixed(3)}, content corr ${q1.contentCorrelation.toFixed(3)}, ${(oursMs / 1000).toFixed(1)} s`);
console.log(`PyTorch: style gain ${q2.styleGain.toFixed(3)}, content corr ${q2.contentCorrelation.toFixed(3)}, ${(torchMs / 1000).toFixed(1)} s`);
console.log(`differences: style gain ${(q1.styleGain - q2.styleGain).toFixed(3)}, content corr ${(q1.contentCorrelation - q2.contentCorrelation).toFixed(3)}`);
