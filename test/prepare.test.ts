// prepareNets makes, ahead of a run, exactly the weights the run and its quality measures then read: checked by
// counting the store's misses and saves in the run that follows, on the CPU and on onnxruntime-web's WebAssembly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../src/errors.js';
import { MemoryWeightsStore, decodeAudio, nodeRuntime, resolveSettings, type AudioClip, type Runtime } from '../src/node/index.js';
import { assessResult } from '../src/pipeline/assess.js';
import { prepareNets } from '../src/pipeline/prepare.js';
import { transfer } from '../src/pipeline/transfer.js';
import type { WeightsStore } from '../src/model/weights.js';
import { webRuntime } from '../src/web/runtime.js';
import { yieldToEventLoop } from '../src/pipeline/yield.js';

/** A memory store that counts what it could not give and what it was given. */
class CountingStore implements WeightsStore {
  readonly inner = new MemoryWeightsStore();
  loads = 0;
  misses = 0;
  saves = 0;
  async load(key: string, length: number): Promise<Float32Array | null> {
    this.loads++;
    const data = await this.inner.load(key, length);
    if (!data) this.misses++;
    return data;
  }
  save(key: string, data: Float32Array): void {
    this.saves++;
    this.inner.save(key, data);
  }
  reset(): void {
    this.loads = this.misses = this.saves = 0;
  }
}

const clip = (name: string): Promise<AudioClip> => decodeAudio(new Uint8Array(readFileSync(new URL(`../examples/${name}.wav`, import.meta.url))), name);

async function clips(): Promise<{ content: AudioClip; style: AudioClip }> {
  const [content, style] = await Promise.all([clip('speech'), clip('plucks')]);
  return { content, style };
}

/** Prepares, then runs and assesses with the same settings; returns the store's counts for each half. */
async function prepareThenRun(
  runtime: Runtime,
  settings: Record<string, unknown>,
  quality: boolean,
): Promise<{ prepared: number[]; run: number[]; nets: number; grewHeap: boolean }> {
  const store = new CountingStore();
  runtime.weightsStore = store;
  const { nets, grewHeap } = await prepareNets(runtime, resolveSettings(settings), { quality });
  const prepared = [store.loads, store.misses, store.saves];
  store.reset();
  const result = await transfer(runtime, { ...(await clips()), ...settings });
  await assessResult(runtime, result, { quality });
  return { prepared, run: [store.loads, store.misses, store.saves], nets, grewHeap };
}

describe('prepareNets', () => {
  const small = { filters: 48, iterations: 2, rounds: 2, phaseIterations: 2 };

  it("makes the run's net on the CPU, which the run then reads; the held-out nets are the run's to make there", async () => {
    const { prepared, run, nets, grewHeap } = await prepareThenRun(nodeRuntime(2), small, true);
    // On onnxruntime-node's CPU the held-out nets' convolution follows the clips' length: they are left to the run.
    expect(nets).toBe(1);
    expect(grewHeap).toBe(false); // onnxruntime-node reads its inputs where they lie
    expect(prepared).toEqual([1, 1, 1]); // a miss, made and saved
    expect(run[1]).toBe(3); // the three held-out nets, made by the run
    expect(run[0] - run[1]).toBeGreaterThanOrEqual(1); // the run's net, read
  });

  it('makes every net of a --kernels run, and the held-out nets too on WebAssembly', async () => {
    const { runtime } = await webRuntime({ backend: 'wasm', threads: 1 });
    const { prepared, run, nets, grewHeap } = await prepareThenRun(runtime, { ...small, kernels: '3,5' }, true);
    expect(nets).toBe(2 + 3);
    expect(grewHeap).toBe(true);
    expect(prepared).toEqual([5, 5, 5]);
    expect(run[1]).toBe(0); // no miss: the same keys, run nets and held-out nets alike
    expect(run[2]).toBe(0); // nothing made again
    expect(run[0]).toBeGreaterThanOrEqual(5);
  });

  it("makes nothing for nets that any run would be refused for onnxruntime's heap", async () => {
    const runtime: Runtime = { ...nodeRuntime(1), heapLimitBytes: 2 ** 30 };
    const store = new CountingStore();
    runtime.weightsStore = store;
    // 8192 filters at 44.1 kHz: 3.2 GB of weights, which WebAssembly's 4 GiB heap takes but not 1 GiB.
    const big = resolveSettings({ filters: 8192, sampleRate: 44100 });
    expect(await prepareNets(runtime, big)).toEqual({ nets: 0, ms: expect.any(Number), grewHeap: false });
    expect(store.loads).toBe(0);
    const content = await clip('speech');
    await expect(transfer(runtime, { content, style: content, filters: 8192, sampleRate: 44100 })).rejects.toThrow(/inside onnxruntime/);
  });

  it('leaves the heap alone when a run is waiting for it to end', async () => {
    const { runtime } = await webRuntime({ backend: 'wasm', threads: 1 });
    runtime.weightsStore = new CountingStore();
    const hurried = await prepareNets(runtime, resolveSettings(small), { quality: false, hurry: () => true });
    expect([hurried.nets, hurried.grewHeap]).toEqual([1, false]);
  });

  it("stops between one group of filters and the next when its signal is aborted on WebAssembly, at the runtime's pauses", async () => {
    const { runtime } = await webRuntime({ backend: 'wasm', threads: 1 });
    const store = new CountingStore();
    runtime.weightsStore = store;
    // As the web worker's: onnxruntime-web's runs never leave the microtask queue, so the abort below comes in only at
    // a turn of the event loop.
    runtime.pause = yieldToEventLoop;
    // 1024 filters: two groups (SPECTRAL_WEIGHTS_GROUP). Aborted at the second turn of the event loop: the first is
    // before the net, the second after its first group.
    const stop = new AbortController();
    setImmediate(() => setImmediate(() => stop.abort()));
    const settings = resolveSettings({ filters: 1024, nFft: 512, hop: 128 });
    await expect(prepareNets(runtime, settings, { quality: false, signal: stop.signal })).rejects.toBeInstanceOf(CancelledError);
    expect([store.misses, store.saves]).toEqual([1, 0]); // begun, not finished
  });

  it('stops at once when its signal is aborted, and needs a store to keep what it makes', async () => {
    const runtime = nodeRuntime(1);
    await expect(prepareNets(runtime, resolveSettings(small))).rejects.toThrow(/weights store/);
    runtime.weightsStore = new CountingStore();
    const stopped = new AbortController();
    stopped.abort();
    await expect(prepareNets(runtime, resolveSettings(small), { signal: stopped.signal })).rejects.toBeInstanceOf(CancelledError);
  });
});
