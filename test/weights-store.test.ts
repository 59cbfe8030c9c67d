import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DiskWeightsStore, defaultWeightsCacheDir, nodeRuntime, StyleNet, UsageError, weightsCacheMaxBytes, WEIGHTS_CACHE_MAX_BYTES, type WeightsStore } from '../src/node/index.js';
import { Random } from '../src/dsp/random.js';
import { tempDir } from './cli-helpers.js';
import { sameBits } from './reference.js';
import { MemoryWeightsStore } from '../src/index.js';

/** `n` seeded floats. */
function floats(n: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}


describe('disk weights store', () => {
  it('gives back exactly what it saved, under its key and length only', async () => {
    const store = new DiskWeightsStore(path.join(tempDir(), 'made-on-first-save'), 2 ** 20, 0);
    const data = floats(1000, 1);
    expect(await store.load('a', 1000)).toBeNull();
    store.save('a', data);
    await store.flush();
    expect(sameBits((await store.load('a', 1000))!, data)).toBe(true);
    expect(await store.load('a', 999)).toBeNull(); // another length: another net
    expect(await store.load('b', 1000)).toBeNull();
    // Another machine's file (another onnxruntime or CPU) is not this one's, even at the same path.
    const other = new DiskWeightsStore(store.dir, 2 ** 20, 0, 'another machine');
    expect(await other.load('a', 1000)).toBeNull();
  });

  it('reads nothing from a file cut short or altered, and writes the next save whole', async () => {
    const store = new DiskWeightsStore(tempDir(), 2 ** 20, 0);
    const data = floats(500, 2);
    store.save('k', data);
    await store.flush();
    const file = store.fileFor('k');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 4));
    expect(await store.load('k', 500)).toBeNull();
    const altered = Buffer.from(bytes);
    altered[3] ^= 1; // the magic line
    writeFileSync(file, altered);
    expect(await store.load('k', 500)).toBeNull();
    store.save('k', data);
    await store.flush();
    expect(sameBits((await store.load('k', 500))!, data)).toBe(true);
  });

  it('keeps under its cap by removing the least recently used, and removes temporary files a dead writer left', async () => {
    const entry = 4 * 1000 + 200; // a file: the floats and a header of under 200 bytes
    const store = new DiskWeightsStore(tempDir(), 2.5 * entry, 0);
    const stale = path.join(store.dir, 'x.weights.123-abcd.tmp');
    const fresh = path.join(store.dir, 'y.weights.456-abcd.tmp');
    store.save('first', floats(1000, 1));
    await store.flush();
    writeFileSync(stale, 'half a file');
    writeFileSync(fresh, 'being written');
    const hourAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(stale, hourAgo, hourAgo);
    // Files a second apart in time, so that the order of use is clear whatever the file system's time resolution.
    const age = (key: string, secondsAgo: number): void => {
      const t = new Date(Date.now() - secondsAgo * 1000);
      utimesSync(store.fileFor(key), t, t);
    };
    age('first', 30);
    store.save('second', floats(1000, 2));
    await store.flush();
    age('second', 20);
    expect(await store.load('first', 1000)).not.toBeNull(); // used now: newer than 'second'
    store.save('third', floats(1000, 3));
    await store.flush();
    expect(existsSync(store.fileFor('first'))).toBe(true);
    expect(existsSync(store.fileFor('second'))).toBe(false);
    expect(existsSync(store.fileFor('third'))).toBe(true);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true); // perhaps another process's write in progress
    // One larger than the cap is not kept at all, and leaves the others.
    store.save('huge', floats(3000, 4));
    await store.flush();
    expect(existsSync(store.fileFor('huge'))).toBe(false);
    expect(readdirSync(store.dir).filter((f) => f.endsWith('.weights'))).toHaveLength(2);
  });

  it('holds the files it has to a lowered cap, even when the save that finds it lowered is too large to keep', async () => {
    const dir = tempDir();
    const roomy = new DiskWeightsStore(dir, 2 ** 20, 0);
    for (const [i, key] of ['old', 'new'].entries()) {
      roomy.save(key, floats(1000, i));
      await roomy.flush();
      const t = new Date(Date.now() - (2 - i) * 10_000);
      utimesSync(roomy.fileFor(key), t, t);
    }
    const lowered = new DiskWeightsStore(dir, 4 * 1000 + 200, 0); // room for one file
    lowered.save('too large', floats(3000, 3));
    await lowered.flush();
    expect(existsSync(lowered.fileFor('too large'))).toBe(false);
    expect(existsSync(lowered.fileFor('old'))).toBe(false);
    expect(existsSync(lowered.fileFor('new'))).toBe(true);
  });

  it('takes its cap from $RESTYLE_CACHE_SIZE: bytes, or K, M, G, T in powers of 1024; a value that is no size is refused', () => {
    expect(weightsCacheMaxBytes({})).toBe(WEIGHTS_CACHE_MAX_BYTES);
    expect(weightsCacheMaxBytes({ RESTYLE_CACHE_SIZE: ' ' })).toBe(WEIGHTS_CACHE_MAX_BYTES);
    expect(weightsCacheMaxBytes({ RESTYLE_CACHE_SIZE: '6G' })).toBe(6 * 2 ** 30);
    expect(weightsCacheMaxBytes({ RESTYLE_CACHE_SIZE: '1.5gb' })).toBe(1.5 * 2 ** 30);
    expect(weightsCacheMaxBytes({ RESTYLE_CACHE_SIZE: '500MiB' })).toBe(500 * 2 ** 20);
    expect(weightsCacheMaxBytes({ RESTYLE_CACHE_SIZE: '64 k' })).toBe(64 * 1024);
    expect(weightsCacheMaxBytes({ RESTYLE_CACHE_SIZE: '1T' })).toBe(2 ** 40);
    expect(weightsCacheMaxBytes({ RESTYLE_CACHE_SIZE: '123456' })).toBe(123456);
    expect(weightsCacheMaxBytes({ RESTYLE_CACHE_SIZE: '100B' })).toBe(100);
    expect(weightsCacheMaxBytes({ RESTYLE_CACHE_SIZE: '0' })).toBe(0);
    for (const bad of ['-1G', 'lots', '6X', '6 GB free', '1e9', '.'])
      expect(() => weightsCacheMaxBytes({ RESTYLE_CACHE_SIZE: bad }), bad).toThrow(new UsageError(`RESTYLE_CACHE_SIZE=${bad}: not a size; give bytes or a number with K, M, G or T (such as 6G), or 0 for no cache`));
  });

  it('never fails a run: a folder it cannot make, or a disk without the free space it leaves, only means no file', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'file'), '');
    const blocked = new DiskWeightsStore(path.join(dir, 'file', 'cache'), 2 ** 20, 0);
    blocked.save('k', floats(10, 1));
    await blocked.flush();
    expect(await blocked.load('k', 10)).toBeNull();
    const full = new DiskWeightsStore(tempDir(), 2 ** 20, Number.MAX_SAFE_INTEGER);
    full.save('k', floats(10, 1));
    await full.flush();
    expect(readdirSync(full.dir)).toEqual([]);
  });

  it('lives in $RESTYLE_CACHE_DIR, else restyle/weights under $XDG_CACHE_HOME or ~/.cache', () => {
    expect(defaultWeightsCacheDir({ RESTYLE_CACHE_DIR: '/x/y' })).toBe('/x/y');
    expect(defaultWeightsCacheDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/restyle/weights');
    expect(defaultWeightsCacheDir({}, () => '/home/u')).toBe('/home/u/.cache/restyle/weights');
    expect(defaultWeightsCacheDir({}, () => { throw new Error('no home'); })).toBeNull(); // and the CLI runs without a cache
  });
});

/** A store in memory that counts its loads and saves, and can be handed other weights for a key. */
class MemoryStore implements WeightsStore {
  readonly saved = new Map<string, Float32Array>();
  loads = 0;
  async load(key: string, length: number): Promise<Float32Array | null> {
    this.loads++;
    const data = this.saved.get(key);
    return data && data.length === length ? data : null;
  }
  save(key: string, data: Float32Array): void {
    this.saved.set(key, data.slice());
  }
}

describe('a net with a weights store', () => {
  const spec = { bins: 40, frames: 60, data: floats(40 * 60, 9).map(Math.abs) };

  it.each(['dft', 'direct'] as const)('saves its %s weights once, and a later net of the same seed and sizes computes with what the store holds', async (conv) => {
    const store = new MemoryStore();
    const runtime = { ...nodeRuntime(2), weightsStore: store };
    const shape = { bins: 40, filters: 16, kernel: 11 };
    const first = StyleNet.create(runtime, shape, 5, conv);
    await first.prepare();
    expect(store.saved.size).toBe(1);
    const [[key, own]] = store.saved;
    expect(JSON.parse(key)).toMatchObject({ form: conv, seed: 5, filters: 16, bins: 40, kernel: 11, fingerprint: expect.stringMatching(/^[0-9a-f]{8}$/) });
    const expected = await first.features(spec);
    await first.dispose();

    // Read back, its own weights give the same features to the bit, and nothing is saved again.
    const second = StyleNet.create(runtime, shape, 5, conv);
    await second.prepare();
    expect(sameBits(await second.features(spec), expected)).toBe(true);
    await second.dispose();
    expect([...store.saved.values()]).toEqual([own]);

    // It does compute with what the store holds: here another seed's weights, put under this key.
    const otherStore = new MemoryStore();
    const other = StyleNet.create({ ...nodeRuntime(2), weightsStore: otherStore }, shape, 6, conv);
    await other.prepare();
    const otherFeatures = await other.features(spec);
    await other.dispose();
    store.saved.set(key, [...otherStore.saved.values()][0]);
    const third = StyleNet.create(runtime, shape, 5, conv);
    await third.prepare();
    expect(sameBits(await third.features(spec), otherFeatures)).toBe(true);
    expect(sameBits(otherFeatures, expected)).toBe(false);
    await third.dispose();
  });

  it('keys the weights by seed, sizes, form and block plan: no two nets that compute differently share one', async () => {
    const store = new MemoryStore();
    const runtime = { ...nodeRuntime(2), weightsStore: store };
    const nets = [
      StyleNet.create(runtime, { bins: 40, filters: 16, kernel: 11 }, 5, 'dft'),
      StyleNet.create(runtime, { bins: 40, filters: 16, kernel: 11 }, 6, 'dft'),
      StyleNet.create(runtime, { bins: 40, filters: 16, kernel: 11 }, 5, 'direct'),
      StyleNet.create(runtime, { bins: 40, filters: 8, kernel: 11 }, 5, 'dft'),
      StyleNet.create(runtime, { bins: 41, filters: 16, kernel: 11 }, 5, 'dft'),
      StyleNet.create(runtime, { bins: 40, filters: 16, kernel: 13 }, 5, 'dft'),
    ];
    for (const net of nets) {
      await net.prepare();
      await net.dispose();
    }
    expect(store.saved.size).toBe(nets.length);
    // The DFT's key names the provider that computed it; W's, drawn in JavaScript, does not depend on one.
    const keys = [...store.saved.keys()].map((k) => JSON.parse(k) as { provider: string; block: unknown });
    expect(keys[0]).toMatchObject({ provider: 'cpu', block: { length: 32, slots: 47 } });
    expect(keys[2]).toMatchObject({ provider: 'javascript', block: null });
  });

  it('writes a net\'s weights to disk as one file: a header and the floats', async () => {
    const store = new DiskWeightsStore(tempDir(), 2 ** 26, 0);
    const runtime = { ...nodeRuntime(2), weightsStore: store };
    const net = StyleNet.create(runtime, { bins: 40, filters: 16, kernel: 11 }, 5, 'dft');
    await net.prepare();
    await store.flush();
    const [file] = readdirSync(store.dir);
    expect(statSync(path.join(store.dir, file)).size).toBeGreaterThan(4 * 17 * 2 * 16 * 40);
    await net.dispose();
  });
});

describe("the web worker's weights store (in memory, between runs)", () => {
  it('gives a run what the last run used, drops it once a run makes other nets, and keeps nothing once idle', async () => {
    const store = new MemoryWeightsStore(50);
    const a = floats(10, 1);
    const b = floats(20, 2);
    store.beginRun();
    expect(await store.load('a', 10)).toBeNull();
    store.save('a', a);
    store.save('b', b);
    store.endRun();
    expect(store.floats).toBe(30);

    // The next run reads 'a' (the array itself: no copy), then misses 'c': 'b', unread, goes before 'c' is made.
    store.beginRun();
    expect(await store.load('a', 10)).toBe(a);
    expect(await store.load('a', 11)).toBeNull(); // another length is another net
    expect(await store.load('c', 5)).toBeNull();
    expect(store.floats).toBe(10);
    store.save('c', floats(5, 3));
    store.endRun();
    expect(store.floats).toBe(15);

    // A run that reads nothing of it: the last run's go at its end.
    store.beginRun();
    store.endRun();
    expect(store.floats).toBe(0);

    // Idle: nothing kept after idleMs.
    store.beginRun();
    store.save('a', a);
    store.endRun();
    expect(await store.load('a', 10)).toBe(a);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(store.floats).toBe(0);
    expect(await store.load('a', 10)).toBeNull();
  });
});
