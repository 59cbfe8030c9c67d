// Griffin-Lim split over worker threads against the same on one thread: the same samples to the bit, since every
// sample's overlap-add takes its frames in the same order.
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFastFft } from '../src/dsp/fft.js';
import { fastGriffinLim, type GriffinLimOptions } from '../src/dsp/griffin-lim.js';
import { Random } from '../src/dsp/random.js';
import { StftPlan, frameCount } from '../src/dsp/stft.js';
import { GriffinLimPool } from '../src/node/griffin-lim-pool.js';
import { sameBits } from './reference.js';

/** A random magnitude for `length` samples at this plan. */
function magnitudeFor(plan: StftPlan, length: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: plan.bins * frameCount(length, plan.hop) }, () => Math.abs(rng.normal()));
}


describe('GriffinLimPool', () => {
  const pool = new GriffinLimPool(3);
  beforeAll(() => loadFastFft());
  afterAll(() => pool.dispose());

  it.each<[string, number, number, Partial<GriffinLimOptions>]>([
    ['random phase', 512, 128, { seed: 4 }],
    ['random phase, classic (no momentum)', 512, 128, { seed: 5, momentum: 0 }],
    ['random phase, hop not a quarter', 256, 100, { seed: 6 }],
  ])("gives one thread's samples to the bit (%s)", async (_name, nFft, hop, extra) => {
    const plan = new StftPlan(nFft, hop);
    const length = 40_000 + 77; // frames do not split evenly over 3 threads
    const magnitude = magnitudeFor(plan, length, 1);
    const options = { iterations: 5, length, ...extra };
    const split = await pool.run(plan, magnitude, options);
    expect(sameBits(split, fastGriffinLim(plan, magnitude, options))).toBe(true);
  });

  it("gives one thread's samples to the bit from an initial phase", async () => {
    const plan = new StftPlan(512, 128);
    const rng = new Random(2);
    const x = Float32Array.from({ length: 30_000 }, () => rng.normal());
    const spec = plan.forward(x);
    const magnitude = magnitudeFor(plan, x.length, 3);
    const options = { iterations: 3, length: x.length, initialPhase: spec };
    expect(sameBits(await pool.run(plan, magnitude, options), fastGriffinLim(plan, magnitude, options))).toBe(true);
  });

  it('tells each iteration in order, and stops at an error thrown from onIteration; the next run still works', async () => {
    const plan = new StftPlan(512, 128);
    const length = 20_000;
    const magnitude = magnitudeFor(plan, length, 7);
    const seen: number[] = [];
    await pool.run(plan, magnitude, { iterations: 4, length, onIteration: (i) => void seen.push(i) });
    expect(seen).toEqual([1, 2, 3, 4]);
    const stop = new Error('cancelled');
    const stopped = pool.run(plan, magnitude, {
      iterations: 10,
      length,
      onIteration: (i) => {
        if (i === 2) throw stop;
      },
    });
    await expect(stopped).rejects.toBe(stop);
    const after = await pool.run(plan, magnitude, { iterations: 2, length, seed: 1 });
    expect(sameBits(after, fastGriffinLim(plan, magnitude, { iterations: 2, length, seed: 1 }))).toBe(true);
  });

  it('runs overlapping calls one after another, each with its own result', async () => {
    const plan = new StftPlan(512, 128);
    const [a, b] = [magnitudeFor(plan, 25_000, 8), magnitudeFor(plan, 18_000, 9)];
    const [ra, rb] = await Promise.all([
      pool.run(plan, a, { iterations: 3, length: 25_000 }),
      pool.run(plan, b, { iterations: 3, length: 18_000 }),
    ]);
    expect(sameBits(ra, fastGriffinLim(plan, a, { iterations: 3, length: 25_000 }))).toBe(true);
    expect(sameBits(rb, fastGriffinLim(plan, b, { iterations: 3, length: 18_000 }))).toBe(true);
  });

  it('works again after dispose, and names a magnitude of the wrong size', async () => {
    const plan = new StftPlan(512, 128);
    const length = 40_000; // 313 frames: enough to start the threads again (MIN_FRAMES_TO_START)
    const magnitude = magnitudeFor(plan, length, 10);
    await pool.dispose();
    const again = await pool.run(plan, magnitude, { iterations: 1, length });
    expect(sameBits(again, fastGriffinLim(plan, magnitude, { iterations: 1, length }))).toBe(true);
    await expect(pool.run(plan, magnitude.subarray(1), { iterations: 1, length })).rejects.toThrow(/magnitude has \d+ values/);
  });

  it('keeps one shared state for runs of one size, a new one for another size, and none once idle', async () => {
    const own = new GriffinLimPool(2);
    const plan = new StftPlan(512, 128);
    const bytesFor = (length: number): number => 4 * (5 * plan.bins * frameCount(length, plan.hop) + length);
    const [a, b] = [magnitudeFor(plan, 40_000, 11), magnitudeFor(plan, 50_000, 12)];
    await own.run(plan, a, { iterations: 1, length: 40_000 });
    expect(own.sharedBytes).toBe(bytesFor(40_000));
    // Before it reused its state, every run left another state in memory (600 s: RSS 888 -> 1443 -> 2001 MB).
    await own.run(plan, a, { iterations: 1, length: 40_000 });
    expect(own.sharedBytes).toBe(bytesFor(40_000));
    const other = await own.run(plan, b, { iterations: 2, length: 50_000 });
    expect(own.sharedBytes).toBe(bytesFor(50_000));
    expect(sameBits(other, fastGriffinLim(plan, b, { iterations: 2, length: 50_000 }))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 3300)); // IDLE_MS and a little
    expect(own.sharedBytes).toBe(0);
    await own.dispose();
  });

  it("splits a long clip too, its magnitude and initial phase sent in pieces, and leaves the caller's arrays as they were", async () => {
    const own = new GriffinLimPool(2);
    const plan = new StftPlan(512, 128);
    const length = 4100 * 128; // 4101 frames x 257 bins: 5 pieces of 63 bins (PIECE_FLOATS), 3 batches on 2 threads
    const rng = new Random(14);
    const spec = plan.forward(Float32Array.from({ length }, () => rng.normal()));
    const magnitude = magnitudeFor(plan, length, 13);
    const [magnitudeCopy, reCopy] = [magnitude.slice(), spec.re.slice()];
    for (const initialPhase of [undefined, spec]) {
      const options = { iterations: 2, length, seed: 3, initialPhase };
      const result = await own.run(plan, magnitude, options);
      expect(own.sharedBytes).toBe(4 * (5 * magnitude.length + length));
      expect(sameBits(result, fastGriffinLim(plan, magnitude, options))).toBe(true);
    }
    expect(sameBits(magnitude, magnitudeCopy) && sameBits(spec.re, reCopy)).toBe(true);
    await own.dispose();
    expect(own.sharedBytes).toBe(0);
  });

  it("gives its state's memory back to the system when its threads stop", async () => {
    // glibc's malloc serves blocks below its mmap threshold from its arenas, which keep them after free; the threshold
    // rises to the size of each mmapped block freed (up to 32 MB), as happens in a long run. Freeing a 30 MB one here
    // makes the state's 25 MB arrays such blocks.
    await new Promise((resolve) => new Worker('new Uint8Array(30e6).fill(1)', { eval: true }).on('exit', resolve));
    const own = new GriffinLimPool(2);
    const plan = new StftPlan(2048, 512);
    const length = 6000 * 512; // 1025 bins x 6001 frames: 123 MB of shared state in the threads
    const magnitude = magnitudeFor(plan, length, 15);
    await own.run(plan, magnitude, { iterations: 1, length });
    const held = process.memoryUsage().rss;
    await own.dispose();
    const freed = held - process.memoryUsage().rss;
    // Measured: 226 MB freed (the 135 MB state and the threads' own memory); with malloc's shared memory, 90 MB.
    expect(freed).toBeGreaterThan(4 * (5 * magnitude.length + length));
  });

  it('refuses a thread count that is not a positive whole number', () => {
    expect(() => new GriffinLimPool(0)).toThrow('GriffinLimPool needs a positive whole number of threads, got 0');
  });
});
