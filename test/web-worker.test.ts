// The page-worker protocol without a browser: TransferClient and startTransferWorker joined by an in-memory channel.
// Runs need onnxruntime-web (the browser tests cover them); what is checked here is the routing of encode requests,
// which share the worker with a run and must neither be taken for the run's messages nor left hanging.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunFailure, TransferClient } from '../src/web/client.js';
import { startTransferWorker, type WorkerScope } from '../src/web/worker.js';
import { WarmUp, warmUpTransfer } from '../src/web/warm-up.js';
import { CancelledError } from '../src/errors.js';
import type { FromWorker, PreparedMessage, ToWorker } from '../src/web/protocol.js';
import { webNormalsPool } from '../src/web/normals.js';
import { serveNormals } from '../src/model/normals-threads.js';
import { Random } from '../src/dsp/random.js';

/**
 * A Worker and its scope, passing messages to each other on later tasks, as postMessage does: setImmediate's, which run
 * in the order they were queued, as a worker's tasks do (Node runs setTimeout's only after every setImmediate queued
 * before them, so a worker loop that yields with setImmediate would never see a message sent so).
 */
function channel(): { worker: Worker; scope: WorkerScope; toWorker: ToWorker[] } {
  const pageListeners: ((e: MessageEvent<FromWorker>) => void)[] = [];
  const workerListeners: ((e: MessageEvent<ToWorker>) => void)[] = [];
  const toWorker: ToWorker[] = [];
  let terminated = false;
  const worker = {
    addEventListener: (type: string, listener: (e: MessageEvent<FromWorker>) => void) => void (type === 'message' && pageListeners.push(listener)),
    postMessage: (data: ToWorker) => {
      toWorker.push(data);
      setImmediate(() => !terminated && workerListeners.forEach((l) => l({ data } as MessageEvent<ToWorker>)));
    },
    terminate: () => void (terminated = true),
  } as unknown as Worker;
  const scope: WorkerScope = {
    addEventListener: (_type, listener) => void workerListeners.push(listener),
    postMessage: (data) => void setImmediate(() => !terminated && pageListeners.forEach((l) => l({ data } as MessageEvent<FromWorker>))),
  };
  return { worker, scope, toWorker };
}

describe('TransferClient.encode through the worker', () => {
  it('rejects, naming the run, when the worker holds no result of that run', async () => {
    const { worker, scope, toWorker } = channel();
    startTransferWorker(scope, undefined, { flacScript: '/libflac.js' });
    const client = new TransferClient(worker);
    const failure = await client.encode(7, 'flac').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RunFailure);
    expect((failure as RunFailure).message).toBe("run 7's result is no longer held; run it again to download it as FLAC");
    expect(toWorker).toEqual([{ type: 'encode', id: 1, runId: 7, format: 'flac' }]);
    expect(client.busy).toBe(false); // an encoding is not a run
  });

  it('answers each request by its own id, and dispose rejects those still waiting', async () => {
    const { worker, scope } = channel();
    startTransferWorker(scope);
    const client = new TransferClient(worker);
    const [a, b] = [client.encode(1, 'flac').catch((e: unknown) => e), client.encode(2, 'flac').catch((e: unknown) => e)];
    expect(((await a) as RunFailure).message).toContain('run 1');
    expect(((await b) as RunFailure).message).toContain('run 2');
    const waiting = client.encode(3, 'flac').catch((e: unknown) => e);
    client.dispose();
    expect(((await waiting) as RunFailure).cancelled).toBe(true);
    await expect(client.encode(3, 'flac')).rejects.toThrow('TransferClient used after dispose()');
  });
});

describe('webNormalsPool (nested workers that draw the weights)', () => {
  /** A Web Worker stand-in running serveNormals in-process: what the app's web/normals-worker.ts does. */
  function fakeNormalsWorker(): Worker {
    const pageListeners: ((e: { data: unknown }) => void)[] = [];
    const scopeListeners: ((e: { data: unknown }) => void)[] = [];
    serveNormals({
      addEventListener: (_type, listener) => void scopeListeners.push(listener),
      postMessage: (data) => void setTimeout(() => pageListeners.forEach((l) => l({ data }))),
    });
    return {
      addEventListener: (type: string, listener: (e: { data: unknown }) => void) => void (type === 'message' && pageListeners.push(listener)),
      postMessage: (data: unknown) => void setTimeout(() => scopeListeners.forEach((l) => l({ data }))),
      terminate: () => {},
    } as unknown as Worker;
  }

  it('is made from 4 cores where there are workers, and draws what one thread draws', async () => {
    const hadWorker = 'Worker' in globalThis;
    expect(webNormalsPool(fakeNormalsWorker, 8)).toBeNull(); // no Worker in Node's globals
    (globalThis as { Worker?: unknown }).Worker = class {};
    try {
      expect(webNormalsPool(fakeNormalsWorker, 2)).toBeNull();
      const pool = webNormalsPool(fakeNormalsWorker, 64);
      expect(pool?.threads).toBe(16);
      const rng = new Random(4);
      const first = rng.snapshot();
      rng.skipNormals(100);
      const [a, b] = await Promise.all([pool!.draw(first, 100, 2), pool!.draw(rng.snapshot(), 50, 2)]);
      expect(Float32Array.from([...a, ...b])).toEqual(new Random(4).fillNormal(new Float32Array(150), 2));
      await expect(pool!.draw(new Int32Array(2), 4, 1)).rejects.toThrow(/4 words/);
      await pool!.dispose();
    } finally {
      if (!hadWorker) delete (globalThis as { Worker?: unknown }).Worker;
    }
  });
});

describe('WarmUp (the transfer worker\'s start-up run)', () => {
  it('stops its work when asked and resolves once the work has ended, never with the work\'s failure', async () => {
    const order: string[] = [];
    const warm = new WarmUp(
      (signal) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => setTimeout(() => (order.push('work ended'), reject(new Error('cancelled'))), 20)),
        ),
    );
    await warm.stop().then(() => order.push('stopped'));
    expect(order).toEqual(['work ended', 'stopped']);
    // Asked again, or once the work is over: at once, with the same outcome.
    await expect(warm.stop()).resolves.toBeUndefined();
    let aborted = false;
    const finished = new WarmUp(async (signal) => void signal.addEventListener('abort', () => (aborted = true)));
    await expect(finished.stop()).resolves.toBeUndefined();
    expect(aborted).toBe(true); // the signal is aborted even so; the work had nothing left to stop
  });

  it('runs a whole small transfer on onnxruntime-web (here in Node), which a signal stops before it starts', async () => {
    // A warm-up that failed would fail silently in the page: its settings and clips must stay a valid run.
    await expect(warmUpTransfer(undefined, new AbortController().signal)).resolves.toBeUndefined();
    const stopped = new AbortController();
    stopped.abort();
    await expect(warmUpTransfer(undefined, stopped.signal)).rejects.toBeInstanceOf(CancelledError);
  });
});

// Last: onnxruntime-web with threads leaves a Worker in Node's globals, which the normals pool's test must not see.
describe("TransferClient.prepare through the worker (a run's nets made while the page waits)", () => {
  const small = { filters: '48', iterations: '2', rounds: '1', phaseIterations: '2' };
  const file = (name: string) => ({ name: `${name}.wav`, bytes: new Uint8Array(readFileSync(new URL(`../examples/${name}.wav`, import.meta.url))) });

  function connected(): { client: TransferClient; prepared: PreparedMessage[] } {
    const { worker, scope } = channel();
    startTransferWorker(scope);
    const client = new TransferClient(worker);
    const prepared: PreparedMessage[] = [];
    client.onPrepared = (m) => prepared.push(m);
    return { client, prepared };
  }
  const until = async (condition: () => boolean): Promise<void> => {
    while (!condition()) await new Promise((r) => setTimeout(r, 10));
  };

  it('answers a request with valid settings, with the run\'s net and the three held-out ones; not one being typed', async () => {
    const { client, prepared } = connected();
    client.prepare({ settings: { ...small, filters: '4x' }, backend: 'wasm' }); // not a number yet: no answer
    const id = client.prepare({ settings: small, backend: 'wasm' });
    await until(() => prepared.length > 0);
    expect(prepared).toEqual([{ type: 'prepared', id, nets: 4, ms: expect.any(Number), grewHeap: true }]);
    client.prepare({ settings: small, backend: 'wasm', quality: false, texture: true });
    await until(() => prepared.length > 1);
    expect(prepared[1].nets).toBe(1); // without the quality measures, the run's net alone
    client.dispose();
  });

  it('has a run for the same nets wait for a preparation under way, saying so, and hurry it', async () => {
    const { client, prepared } = connected();
    // The run is sent right after: the worker, which has no warm-up to wait for, has begun the preparation when it
    // reads the run (it yields to its messages before each net).
    const settings = { ...small, filters: '512' };
    client.prepare({ settings, backend: 'wasm', quality: false });
    const events: string[] = [];
    const result = await client.run(
      { content: file('speech'), style: file('plucks'), settings, backend: 'wasm', quality: false },
      { onProgress: (e) => events.push(`${e.stage}${e.activity ? `: ${e.activity}` : ''}`) },
    );
    expect(events[0]).toBe('analyse: making the nets');
    expect(prepared).toEqual([expect.objectContaining({ nets: 1, grewHeap: false })]); // done before the run, hurried
    expect(result.report.settings.filters).toBe(512);
    client.dispose();
  });

  it("sends the run's audio before its quality measures, the result's WAV to the byte; none without the measures", async () => {
    const { client } = connected();
    const order: string[] = [];
    let early: Uint8Array | null = null;
    const request = { content: file('speech'), style: file('plucks'), settings: small, backend: 'wasm' as const };
    const result = await client.run(request, {
      onAudio: (a) => ((early = a.wav), order.push('audio')),
      onProgress: (e) => void (e.stage === 'assess' && order[order.length - 1] !== 'assess' && order.push('assess')),
    });
    expect(order).toEqual(['audio', 'assess']);
    expect(early && Buffer.from(early).equals(Buffer.from(result.wav))).toBe(true);
    expect(result.report.quality).toBeDefined();
    const audio: unknown[] = [];
    await client.run({ ...request, quality: false }, { onAudio: (a) => audio.push(a) });
    expect(audio).toEqual([]); // the result comes at once
    client.dispose();
  });

  it('stops the quality measures on a Cancel sent once the audio came (they yield to it between held-out nets)', async () => {
    const { client } = connected();
    const request = { content: file('speech'), style: file('plucks'), settings: small, backend: 'wasm' as const };
    let heard = false;
    const failure = await client.run(request, { onAudio: () => ((heard = true), client.cancel()) }).catch((e: unknown) => e);
    expect(heard).toBe(true);
    expect((failure as RunFailure).cancelled).toBe(true);
    client.dispose();
  });

  it('stops a preparation for other nets when a run comes, and the run goes on', async () => {
    const { client, prepared } = connected();
    client.prepare({ settings: { ...small, filters: '64' }, backend: 'wasm' });
    const result = await client.run({ content: file('speech'), style: file('plucks'), settings: small, backend: 'wasm', quality: false });
    expect(result.report.settings.filters).toBe(48);
    expect(prepared).toEqual([]); // stopped before it was done
    expect(client.prepare({ settings: small, backend: 'wasm' })).toBeGreaterThan(result.id);
    await until(() => prepared.length > 0);
    client.dispose();
  });
});
