/**
 * The nets' weights drawn on Node's worker threads: the pool of src/model/normals-threads.ts with threads that are Node
 * workers running normals-worker. At the defaults a net is 46M weights: on a 16-thread Xeon 1.3-1.8 s on one thread,
 * 0.32-0.37 s on 8 workers and 0.23-0.24 s on 15; on 2 cores no faster, so the Node runtime uses it from 4 cores
 * (docs/how-it-works.md, step 3). Lifecycle: new NormalsPool(threads) -> draw -> dispose; idle workers do not keep the
 * process alive, and stop 1 s after a draw.
 */
import { NormalsThreadPool, type NormalsReply, type NormalsTask, type NormalsThread } from '../model/normals-threads.js';
import { startModuleThread } from './module-worker.js';

/** Worker threads that draw normal variates (Runtime.normals): up to `threads` of them. */
export class NormalsPool extends NormalsThreadPool {
  /** A pool of up to `threads` worker threads, started at the first draw. */
  constructor(threads: number) {
    super(threads, spawnWorker);
  }
}

/** Starts one worker thread running normals-worker. */
function spawnWorker(): NormalsThread {
  return startModuleThread<NormalsTask, NormalsReply>('normals-worker', import.meta.url, 'normals worker');
}
