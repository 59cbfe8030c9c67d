/**
 * Griffin-Lim on Web Workers nested in the transfer worker: the pool of src/dsp/griffin-lim-threads.ts, whose threads
 * are workers the app makes (each running serveGriffinLim: the app's web/griffin-lim-worker.ts). They share memory,
 * so the page must be cross-origin isolated.
 */
import { GriffinLimPool, type GriffinLimReply } from '../dsp/griffin-lim-threads.js';

/** Most threads a pool takes: past this, the messages of each half-iteration cost more than the split saves. */
const MAX_THREADS = 8;

/**
 * A pool of one thread per core (up to 8) made by `createWorker`, or null where this scope cannot run one: no shared
 * memory (not cross-origin isolated), no nested workers, or a single core.
 */
export function webGriffinLimPool(createWorker: () => Worker, cores = globalThis.navigator?.hardwareConcurrency ?? 1): GriffinLimPool | null {
  if (!globalThis.crossOriginIsolated || typeof Worker === 'undefined' || cores < 2) return null;
  return new GriffinLimPool(Math.min(cores, MAX_THREADS), () => {
    const worker = createWorker();
    return {
      post: (task, transfer) => worker.postMessage(task, transfer),
      listen: (onReply, onFailure) => {
        worker.addEventListener('message', (event: MessageEvent<GriffinLimReply>) => onReply(event.data));
        worker.addEventListener('error', (event) => {
          event.preventDefault(); // the pool reports it
          onFailure(new Error(`Griffin-Lim worker: ${event.message || 'failed to start'}`));
        });
        worker.addEventListener('messageerror', () => onFailure(new Error('Griffin-Lim worker: a message could not be read')));
      },
      terminate: () => worker.terminate(),
    };
  });
}
