/**
 * Normal variates drawn on Node's worker threads (Runtime.normals): a net's weights, cut into stretches that each start
 * from the generator skipped ahead, come out the same as one thread's draw. At the defaults a net is 46M weights: on a
 * 16-thread Xeon 1.3-1.8 s on one thread, 0.32-0.37 s on 8 workers and 0.23-0.24 s on 15; on 2 cores no faster, so the
 * Node runtime uses it from 4 cores (README, How it works, step 3). Lifecycle: new NormalsPool(threads) -> draw (any
 * number of times, at once too) -> dispose; the workers start at the first draw and stop when idle for 1 s, so that
 * their memory (~20 MiB each) is not held through the run that follows.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from './module-worker.js';
import type { NormalsDrawer, NormalsRunner } from '../model/weights.js';

/** A draw sent to a worker. */
export interface NormalsTask {
  id: number;
  state: Int32Array;
  count: number;
  std: number;
}

/** How long idle workers wait for the next draw: a run's nets (one per kernel width) are drawn one after another. */
const IDLE_STOP_MS = 1000;

interface PoolWorker {
  worker: Worker;
  /** Ids of the draws it runs. */
  jobs: Set<number>;
}

/** Worker threads that draw normal variates, one draw at a time each. */
export class NormalsPool implements NormalsDrawer {
  private readonly workers: PoolWorker[] = [];
  private readonly waiting = new Map<number, { resolve: (out: Float32Array) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  /** A pool of up to `threads` workers. */
  constructor(readonly threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`NormalsPool needs at least one thread, got ${threads}`);
  }

  /** Draws on the least busy worker (started if there are fewer than `threads`). */
  readonly draw: NormalsRunner = (state, count, std) =>
    new Promise<Float32Array>((resolve, reject) => {
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = null;
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      const target = this.pick();
      target.jobs.add(id);
      target.worker.ref(); // a draw in flight keeps the process alive
      target.worker.postMessage({ id, state, count, std } satisfies NormalsTask);
    });

  /** Stops the workers; draws in flight fail. */
  async dispose(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  private pick(): PoolWorker {
    const idle = this.workers.find((w) => w.jobs.size === 0);
    if (idle) return idle;
    if (this.workers.length < this.threads) return this.spawn();
    return this.workers.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
  }

  private spawn(): PoolWorker {
    const worker = startModuleWorker('normals-worker', import.meta.url);
    const entry: PoolWorker = { worker, jobs: new Set() };
    this.workers.push(entry);
    worker.on('message', ({ id, out }: { id: number; out: Float32Array }) => {
      entry.jobs.delete(id);
      if (entry.jobs.size === 0) worker.unref();
      this.waiting.get(id)?.resolve(out);
      this.waiting.delete(id);
      this.stopWhenIdle();
    });
    const fail = (err: Error): void => {
      const at = this.workers.indexOf(entry);
      if (at >= 0) this.workers.splice(at, 1);
      for (const id of entry.jobs) {
        this.waiting.get(id)?.reject(err);
        this.waiting.delete(id);
      }
      entry.jobs.clear();
    };
    worker.on('error', (err) => fail(err instanceof Error ? err : new Error(String(err))));
    worker.on('exit', (code) => fail(new Error(`normals worker stopped (exit code ${code})`)));
    return entry;
  }

  private stopWhenIdle(): void {
    if (this.waiting.size > 0 || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.waiting.size === 0) void this.dispose();
    }, IDLE_STOP_MS);
    this.idleTimer.unref();
  }
}
