/**
 * Fast Griffin-Lim on Node's worker threads: the pool of src/dsp/griffin-lim-threads.ts with threads that are Node
 * workers running griffin-lim-worker. Lifecycle: new GriffinLimPool(threads) -> run (any number of times, one at a
 * time) -> dispose; idle threads do not keep the process alive, and stop 3 s after a run.
 */
import { startModuleThread } from './module-worker.js';
import { GriffinLimPool as ThreadPool, type GriffinLimReply, type GriffinLimTask, type GriffinLimThread } from '../dsp/griffin-lim-threads.js';

/** Worker threads that run fast Griffin-Lim together (GriffinLimRunner `run`): `threads` that compute, and a keeper. */
export class GriffinLimPool extends ThreadPool {
  /** A pool of `threads` computing worker threads (and a keeper), started at the first run that is long enough to split. */
  constructor(threads: number) {
    super(threads, spawnWorker);
  }
}

/** Starts one worker thread running griffin-lim-worker. */
function spawnWorker(): GriffinLimThread {
  return startModuleThread<GriffinLimTask, GriffinLimReply>('griffin-lim-worker', import.meta.url, 'Griffin-Lim worker');
}
