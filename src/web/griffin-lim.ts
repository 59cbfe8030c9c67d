/**
 * Griffin-Lim on Web Workers nested in the transfer worker: the pool of src/dsp/griffin-lim-threads.ts, whose threads
 * are workers the app makes (each running serveGriffinLim: the app's web/griffin-lim-worker.ts). They share memory,
 * so the page must be cross-origin isolated.
 */
import { GriffinLimPool, type GriffinLimReply, type GriffinLimTask } from '../dsp/griffin-lim-threads.js';
import { webWorkerThread } from './web-thread.js';

/** Most threads a pool takes: past this, the messages of each half-iteration cost more than the split saves. */
const MAX_THREADS = 8;

/**
 * A pool of one thread per core (up to 8) made by `createWorker`, or null where this scope cannot run one: no shared
 * memory (not cross-origin isolated), no nested workers, or a single core.
 */
export function webGriffinLimPool(createWorker: () => Worker, cores = globalThis.navigator?.hardwareConcurrency ?? 1): GriffinLimPool | null {
  if (!globalThis.crossOriginIsolated || typeof Worker === 'undefined' || cores < 2) return null;
  return new GriffinLimPool(Math.min(cores, MAX_THREADS), () =>
    webWorkerThread<GriffinLimTask, GriffinLimReply>(createWorker(), 'Griffin-Lim worker'),
  );
}
