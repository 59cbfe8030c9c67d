// The page-worker protocol without a browser: TransferClient and startTransferWorker joined by an in-memory channel.
// Runs need onnxruntime-web (the browser tests cover them); what is checked here is the routing of encode requests,
// which share the worker with a run and must neither be taken for the run's messages nor left hanging.
import { describe, expect, it } from 'vitest';
import { RunFailure, TransferClient } from '../src/web/client.js';
import { startTransferWorker, type WorkerScope } from '../src/web/worker.js';
import type { FromWorker, ToWorker } from '../src/web/protocol.js';

/** A Worker and its scope, passing messages to each other on later tasks, as postMessage does. */
function channel(): { worker: Worker; scope: WorkerScope; toWorker: ToWorker[] } {
  const pageListeners: ((e: MessageEvent<FromWorker>) => void)[] = [];
  const workerListeners: ((e: MessageEvent<ToWorker>) => void)[] = [];
  const toWorker: ToWorker[] = [];
  let terminated = false;
  const worker = {
    addEventListener: (type: string, listener: (e: MessageEvent<FromWorker>) => void) => void (type === 'message' && pageListeners.push(listener)),
    postMessage: (data: ToWorker) => {
      toWorker.push(data);
      setTimeout(() => !terminated && workerListeners.forEach((l) => l({ data } as MessageEvent<ToWorker>)));
    },
    terminate: () => void (terminated = true),
  } as unknown as Worker;
  const scope: WorkerScope = {
    addEventListener: (_type, listener) => void workerListeners.push(listener),
    postMessage: (data) => void setTimeout(() => !terminated && pageListeners.forEach((l) => l({ data } as MessageEvent<FromWorker>))),
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
