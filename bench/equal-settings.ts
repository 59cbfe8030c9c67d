/**
 * Ours against the PyTorch reference at equal settings (same net sizes: 4096 x 11, the reference's, whatever our default; L-BFGS iterations, first-step rule and history
 * of 100 pairs as torch.optim.LBFGS; one round from the content; Griffin-Lim iterations from random phase), to show
 * the two implementations reach the same quality: the rest of the benchmark compares each at its own defaults. Each
 * seed draws other nets (and phases) on both sides, so the comparison is of means over seeds, next to their spread.
 * Usage: npx tsx bench/equal-settings.ts [--seconds 10] [--iterations 20] [--phase-iters 48] [--seeds 0,1,2]
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { nodeRuntime } from '../src/node/index.js';
import type { QualityReport } from '../src/index.js';
import { fileQuality, runUntimed, writeBenchClips } from './clips.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    iterations: { type: 'string', default: '20' },
    'phase-iters': { type: 'string', default: '48' },
    seeds: { type: 'string', default: '0,1,2' },
  },
});
const [clip] = await writeBenchClips([Number(values.seconds)]);
const runtime = nodeRuntime();
const common = ['--iterations', values.iterations, '--phase-iters', values['phase-iters']];

/** Runs one side and returns its quality on the audio as written and its wall time. */
async function run(command: string, args: string[], out: string): Promise<{ q: QualityReport; seconds: number }> {
  await runUntimed(command, args);
  const t0 = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${command} failed: ${r.stderr}`);
  return { q: await fileQuality(runtime, clip.content, clip.style, out), seconds };
}

const rows: { seed: number; ours: Awaited<ReturnType<typeof run>>; torch: Awaited<ReturnType<typeof run>> }[] = [];
console.log(`# ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} threads`);
console.log(
  `equal settings (${values.seconds} s speech + plucks, 4096 x 11, L-BFGS ${values.iterations} iterations in one round from the content, ` +
    `PyTorch's first step and history, Griffin-Lim ${values['phase-iters']}); style gain / content corr / seconds`,
);
for (const seed of values.seeds.split(',').map(Number)) {
  const ours = await run(
    process.execPath,
    ['dist/cli/main.js', clip.content, clip.style, '-o', 'out/bench/eq-ours.wav', '-y', '-q', '--no-cache', '--kernel', '11', '--rounds', '1', '--init', 'content', '--content-weight', '0', '--first-step', '0',
      '--history', '100', '--float', '--peak', 'limit', '--seed', String(seed), ...common],
    'out/bench/eq-ours.wav',
  );
  const torch = await run(
    '/usr/bin/python3',
    ['bench/torch_reference.py', clip.content, clip.style, 'out/bench/eq-torch.wav', '--steps', values.iterations, '--phase-iters', values['phase-iters'], '--seed', String(seed)],
    'out/bench/eq-torch.wav',
  );
  rows.push({ seed, ours, torch });
  const f = (r: typeof ours) => `${r.q.styleGain.toFixed(3)} / ${r.q.contentCorrelation.toFixed(3)} / ${r.seconds.toFixed(1)}`;
  console.log(`seed ${seed}: ours ${f(ours)}   PyTorch ${f(torch)}`);
}
const mean = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + f(r), 0) / rows.length;
const spread = (f: (r: (typeof rows)[number]) => number) => Math.max(...rows.map(f)) - Math.min(...rows.map(f));
const gainOurs = mean((r) => r.ours.q.styleGain);
const gainTorch = mean((r) => r.torch.q.styleGain);
const corrOurs = mean((r) => r.ours.q.contentCorrelation);
const corrTorch = mean((r) => r.torch.q.contentCorrelation);
console.log(`mean:   ours ${gainOurs.toFixed(3)} / ${corrOurs.toFixed(3)} / ${mean((r) => r.ours.seconds).toFixed(1)}   PyTorch ${gainTorch.toFixed(3)} / ${corrTorch.toFixed(3)} / ${mean((r) => r.torch.seconds).toFixed(1)}`);
console.log(`differences of the means: style gain ${(gainOurs - gainTorch).toFixed(3)}, content corr ${(corrOurs - corrTorch).toFixed(3)}`);
console.log(
  `spread between seeds (max - min): ours ${spread((r) => r.ours.q.styleGain).toFixed(3)} / ${spread((r) => r.ours.q.contentCorrelation).toFixed(3)}, ` +
    `PyTorch ${spread((r) => r.torch.q.styleGain).toFixed(3)} / ${spread((r) => r.torch.q.contentCorrelation).toFixed(3)}`,
);
