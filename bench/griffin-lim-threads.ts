/**
 * Griffin-Lim on one thread against the worker pool (GriffinLimPool), side by side in one process, on a looped copy of
 * the bundled speech at the default STFT: the median of 3 runs of 8 iterations each, and whether the samples agree to
 * the bit.
 *
 *   npx tsx bench/griffin-lim-threads.ts [SECONDS...] [--threads N]   (default 10 150; threads: one per core)
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadFastFft } from '../src/dsp/fft.js';
import { fastGriffinLim } from '../src/dsp/griffin-lim.js';
import { magnitude } from '../src/dsp/spectrogram.js';
import { StftPlan } from '../src/dsp/stft.js';
import { DEFAULT_SETTINGS } from '../src/pipeline/settings.js';
import { GriffinLimPool } from '../src/node/griffin-lim-pool.js';
import { loopedExample } from './clips.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { threads: { type: 'string' } } });
const threads = values.threads ? Number(values.threads) : os.availableParallelism();
const lengths = positionals.length ? positionals.map(Number) : [10, 150];
await loadFastFft();
const { nFft, hop } = DEFAULT_SETTINGS;
const plan = new StftPlan(nFft, hop);
const pool = new GriffinLimPool(threads);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${os.cpus()[0]?.model.trim() ?? 'cpu'}, ${os.availableParallelism()} threads; pool of ${threads}; n_fft ${nFft}, hop ${hop}, 8 iterations`);
for (const seconds of lengths) {
  const { samples } = await loopedExample('speech', seconds);
  const target = magnitude(plan.forward(samples));
  const options = { iterations: 8, length: samples.length, seed: 0 };
  await pool.run(plan, target, { ...options, iterations: 1 }); // starts the threads
  const times = { one: [] as number[], pool: [] as number[] };
  let same = true;
  for (let rep = 0; rep < 3; rep++) {
    let t0 = performance.now();
    const a = fastGriffinLim(plan, target, options);
    times.one.push(performance.now() - t0);
    t0 = performance.now();
    const b = await pool.run(plan, target, options);
    times.pool.push(performance.now() - t0);
    same &&= a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  }
  const [one, split] = [median(times.one), median(times.pool)];
  console.log(`${seconds} s: one thread ${one.toFixed(0)} ms, pool ${split.toFixed(0)} ms (${(one / split).toFixed(2)}x); same samples: ${same}`);
}
await pool.dispose();
