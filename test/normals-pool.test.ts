// The nets' weights drawn on Node's worker threads against the same on one thread: the same values to the bit, since
// each stretch starts from the generator skipped to it.
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../src/dsp/random.js';
import type { Runtime } from '../src/model/runtime.js';
import { StyleNet, type LogSpectrogram } from '../src/model/style-net.js';
import { NormalsPool } from '../src/node/normals-pool.js';
import { NormalsThreadPool, type NormalsReply, type NormalsThread } from '../src/model/normals-threads.js';
import { nodeRuntime } from '../src/node/index.js';
import { sameBits } from './reference.js';


describe('NormalsPool', () => {
  const pool = new NormalsPool(3);
  afterAll(() => pool.dispose());

  it('draws what one thread draws from the same state, several draws at once', async () => {
    const rng = new Random(5);
    const states = [rng.snapshot()];
    rng.skipNormals(10_000);
    states.push(rng.snapshot());
    rng.skipNormals(20_000);
    states.push(rng.snapshot(), rng.snapshot());
    const counts = [10_000, 20_000, 5_001, 7];
    const drawn = await Promise.all(states.map((s, i) => pool.draw(s, counts[i], 0.5)));
    const whole = new Random(5).fillNormal(new Float32Array(35_001), 0.5);
    expect(sameBits(Float32Array.from([...drawn[0], ...drawn[1], ...drawn[2]]), whole)).toBe(true);
    expect(sameBits(drawn[3], whole.subarray(30_000, 30_007))).toBe(true);
  });

  it("gives a net the weights, features and block-form weights of one thread's draw (both forms)", async () => {
    const plain: Runtime = { ort, executionProviders: ['cpu'], threads: 1 };
    const withPool: Runtime = { ...plain, normals: pool };
    const shape = { bins: 33, filters: 24, kernel: 5 };
    const rng = new Random(3);
    const spec: LogSpectrogram = { data: Float32Array.from({ length: 33 * 40 }, () => rng.uniform()), bins: 33, frames: 40 };
    for (const conv of ['direct', 'dft'] as const) {
      const results = [];
      for (const runtime of [plain, withPool]) {
        const net = StyleNet.create(runtime, shape, 9, conv);
        await net.prepare();
        results.push({ features: await net.features(spec), weights: net.weights });
        await net.dispose();
      }
      expect(sameBits(results[1].features, results[0].features)).toBe(true);
      expect(sameBits(results[1].weights, results[0].weights)).toBe(true);
    }
  });

  it('is the Node runtime’s from 4 cores, and not below', () => {
    expect(nodeRuntime(2).normals).toBeUndefined();
    expect(nodeRuntime(4).normals?.threads).toBe(4);
    expect(nodeRuntime(64).normals?.threads).toBe(16);
  });

  it("fails a draw its worker cannot make, and the worker draws on", async () => {
    const pool1 = new NormalsPool(1);
    // A state of the wrong length makes Random.fromState throw in the worker, which answers with the error.
    await expect(pool1.draw(new Int32Array(3), 10, 1)).rejects.toThrow(/4 words/);
    const again = await pool1.draw(new Random(1).snapshot(), 10, 1);
    expect(sameBits(again, new Random(1).fillNormal(new Float32Array(10)))).toBe(true);
    await pool1.dispose();
  });
});

describe('NormalsThreadPool (threads of a stand-in host)', () => {
  /** Threads that answer in-process, after `delayMs`, and can be made to fail. */
  function standIn(delayMs = 1) {
    const threads: { fail: (err: Error) => void; tasks: number; alive: boolean[] }[] = [];
    const spawn = (): NormalsThread => {
      let reply: (r: NormalsReply) => void = () => {};
      let failure: (err: Error) => void = () => {};
      const record = { fail: (err: Error) => failure(err), tasks: 0, alive: [] as boolean[] };
      threads.push(record);
      return {
        post: (task) => {
          record.tasks++;
          setTimeout(() => reply({ id: task.id, out: Random.fromState(task.state).fillNormal(new Float32Array(task.count), task.std) }), delayMs);
        },
        listen: (onReply, onFailure) => {
          reply = onReply;
          failure = onFailure;
        },
        terminate: () => {},
        keepAlive: (alive) => record.alive.push(alive),
      };
    };
    return { spawn, threads };
  }

  it('spreads draws over at most `threads` threads, holding the host only while a draw is in flight', async () => {
    const host = standIn();
    const pool = new NormalsThreadPool(2, host.spawn);
    const state = new Random(2).snapshot();
    const outs = await Promise.all([1, 2, 3, 4].map(() => pool.draw(state, 6, 1)));
    expect(host.threads).toHaveLength(2);
    expect(host.threads.map((t) => t.tasks)).toEqual([2, 2]);
    for (const out of outs) expect(sameBits(out, new Random(2).fillNormal(new Float32Array(6)))).toBe(true);
    for (const t of host.threads) expect(t.alive.at(-1)).toBe(false);
    await pool.dispose();
  });

  it("fails a thread's draws in flight when it fails, and starts another for the next", async () => {
    const host = standIn(50);
    const pool = new NormalsThreadPool(1, host.spawn);
    const lost = pool.draw(new Random(3).snapshot(), 4, 1);
    host.threads[0].fail(new Error('worker stopped'));
    await expect(lost).rejects.toThrow('worker stopped');
    await pool.draw(new Random(3).snapshot(), 4, 1);
    expect(host.threads).toHaveLength(2);
    await pool.dispose();
  });
});
