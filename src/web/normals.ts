/**
 * The nets' weights drawn on Web Workers nested in the transfer worker: the pool of src/model/normals-threads.ts, whose
 * threads are workers the app makes (each running serveNormals: the app's web/normals-worker.ts). They need no shared
 * memory: each stretch comes back as a transferred buffer.
 */
import { NormalsThreadPool, normalsThreadsFor, type NormalsReply, type NormalsTask } from '../model/normals-threads.js';
import { webWorkerThread } from './web-thread.js';

/** A pool of one worker per core (up to 16) made by `createWorker`, or null under 4 cores or without nested workers. */
export function webNormalsPool(createWorker: () => Worker, cores = globalThis.navigator?.hardwareConcurrency ?? 1): NormalsThreadPool | null {
  const threads = normalsThreadsFor(cores);
  if (typeof Worker === 'undefined' || threads === 0) return null;
  return new NormalsThreadPool(threads, () => webWorkerThread<NormalsTask, NormalsReply>(createWorker(), 'weights worker'));
}
