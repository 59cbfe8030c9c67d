/**
 * The nets' weights drawn on Web Workers nested in the transfer worker: the pool of src/model/normals-threads.ts, whose
 * threads are workers the app makes (each running serveNormals: the app's web/normals-worker.ts). They need no shared
 * memory: each stretch comes back as a transferred buffer.
 */
import { NormalsThreadPool, type NormalsReply } from '../model/normals-threads.js';

/** Cores from which the weights are drawn on workers, as in Node: on 2 cores two workers were no faster than one. */
const MIN_CORES = 4;

/** Most workers a pool takes (Node's 16-thread figures: 8 workers 0.32-0.37 s a net, 15 workers 0.23-0.24 s). */
const MAX_THREADS = 16;

/** A pool of one worker per core (up to 16) made by `createWorker`, or null under 4 cores or without nested workers. */
export function webNormalsPool(createWorker: () => Worker, cores = globalThis.navigator?.hardwareConcurrency ?? 1): NormalsThreadPool | null {
  if (typeof Worker === 'undefined' || cores < MIN_CORES) return null;
  return new NormalsThreadPool(Math.min(cores, MAX_THREADS), () => {
    const worker = createWorker();
    return {
      post: (task) => worker.postMessage(task),
      listen: (onReply, onFailure) => {
        worker.addEventListener('message', (event: MessageEvent<NormalsReply>) => onReply(event.data));
        worker.addEventListener('error', (event) => {
          event.preventDefault(); // the pool reports it
          onFailure(new Error(`weights worker: ${event.message || 'failed to start'}`));
        });
        worker.addEventListener('messageerror', () => onFailure(new Error('weights worker: a message could not be read')));
      },
      terminate: () => worker.terminate(),
    };
  });
}
